"""One client of the concurrency benchmark, in a process of its own:

    python -m benchmarks.uploader URL REPO_ID FILE

Creates the repository and hashes FILE (the client's own pass, before any byte is sent), says
"ready", waits for a line on stdin, then commits FILE through the unmodified client (LFS
batch, PUT, verify, commit) and prints the seconds that took and its CPU seconds, or "error: ..."."""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    url, repo_id, path = argv[1], argv[2], argv[3]
    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi(endpoint=url)
    api.create_repo(repo_id, exist_ok=True)
    operation = CommitOperationAdd(path_in_repo="weights.bin", path_or_fileobj=path)
    print("ready", flush=True)
    sys.stdin.readline()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        api.create_commit(repo_id, [operation], commit_message="upload")
    except Exception as e:  # reported to the benchmark, which counts it as an error
        print(f"error: {type(e).__name__}: {e}".replace("\n", " "), flush=True)
        return 1
    print(f"{time.perf_counter() - started:.6f} {time.process_time() - cpu:.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
