"""Upload and download one large file through the unmodified client against `git hf serve`.

    python benchmarks/bench_server.py [SIZE]        SIZE in bytes or with K/M/G suffix; default 1G
    HFGIT_BENCH_SIZE=256M python benchmarks/bench_server.py

The hub runs in a subprocess so that its peak memory (VmHWM) can be read from /proc; the
throughput of each transfer is printed next to a raw disk copy of the same bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 16 * 1024 * 1024
MiB = 1024 * 1024
TOKEN = "hf_benchToken0123456789"
SUFFIXES = {"K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    factor = SUFFIXES.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * factor)


def write_random(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(CHUNK, left))
            out.write(block)
            left -= len(block)


def timed(action) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_hub(root: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(root), "--port", "0",
               "--user", "bench", "--token", TOKEN]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def main(argv: list[str]) -> int:
    size = parse_size(argv[1] if len(argv) > 1 else os.environ.get("HFGIT_BENCH_SIZE", "1G"))
    work = Path(tempfile.mkdtemp(prefix="hfgit-bench-"))
    os.environ.update({"HF_HOME": str(work / "hf-home"), "HF_HUB_DISABLE_XET": "1",
                       "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"})  # fmt: skip
    from huggingface_hub import HfApi, hf_hub_download

    source = work / "weights.bin"
    write_random(source, size)
    baseline = timed(lambda: shutil.copyfile(source, work / "copy.bin"))
    (work / "copy.bin").unlink()
    process, url = start_hub(work / "root")
    try:
        api = HfApi(endpoint=url, token=TOKEN)
        api.create_repo("bench/big")
        upload = timed(
            lambda: api.upload_file(
                path_or_fileobj=str(source), path_in_repo="weights.bin", repo_id="bench/big"
            )
        )
        download = timed(
            lambda: hf_hub_download(
                "bench/big", "weights.bin", endpoint=url, token=TOKEN, cache_dir=work / "cache"
            )
        )
        peak = peak_rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    rate = lambda seconds: size / MiB / seconds  # noqa: E731
    print(f"file size            {size / MiB:10.1f} MiB")
    print(f"disk copy (baseline) {rate(baseline):10.1f} MiB/s  ({baseline:.2f} s)")
    print(f"upload (hash+LFS)    {rate(upload):10.1f} MiB/s  ({upload:.2f} s)")
    print(f"download             {rate(download):10.1f} MiB/s  ({download:.2f} s)")
    print(f"server peak RSS      {peak:10.1f} MiB  (target < 150 MiB)")
    return 0 if peak < 150 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
