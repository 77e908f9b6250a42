"""Put versions on a hub the way hfgit publishes them (one commit with trailers, then its tag),
through the unmodified client, in a process of its own:

    python -m benchmarks.seed URL REPO_ID FIRST COMMITS_FILE

COMMITS_FILE holds one git commit per line; the version at line i is `v1.0.{FIRST + i}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    url, repo_id, first, commits_file = argv[1], argv[2], int(argv[3]), Path(argv[4])
    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi(endpoint=url)
    api.create_repo(repo_id, exist_ok=True)
    commits = commits_file.read_text().split()
    for offset, git_commit in enumerate(commits):  # one branch: commits serialize anyway
        tag = f"v1.0.{first + offset}"
        info = api.create_commit(
            repo_id,
            [CommitOperationAdd(f"versions/{tag}.json", json.dumps({"version": tag}).encode())],
            commit_message=f"Publish {tag} (git {git_commit[:8]})",
            commit_description=(
                f"Model version {tag} from git commit {git_commit}.\n\n"
                f'Hfgit-Version: {tag}\nHfgit-Git-Commit: {git_commit}\nHfgit-Metrics: {{"loss": 0.{offset}}}'
            ),
        )
        api.create_tag(repo_id, tag=tag, revision=info.oid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
