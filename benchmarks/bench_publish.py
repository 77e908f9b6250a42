"""Push and log at scale: `git hf push` of a large model folder, the next version with the same
weights, and `git hf log` with thousands of versions. Runs against `git hf serve` in a
subprocess over real HTTP; figures are ratios against baselines measured in the same run.

    python benchmarks/bench_publish.py                 # 512 MiB weights, 2000 versions
    python benchmarks/bench_publish.py 128M 500        # smaller

Targets: the push streams (client peak RSS stays far below the weights' size), the second
version sends no weight bytes, and `git hf log` with N versions costs a handful of requests
(one refs call plus commit-listing pages) and well under a second per thousand versions.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TOKEN = "hf_benchTokenbenchToken0123"


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def start_server(root: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            str(BIN / "git-hf"),
            "serve",
            "--root",
            str(root),
            "--port",
            "0",
            "--user",
            "alice",
            "--token",
            TOKEN,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip().split()[-1]
    return proc, url


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before), done.stdout


def bench_push(work: Path, url: str, env: dict[str, str], size: int) -> dict[str, float]:
    repo = work / "repo"
    (repo / "model").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".hfgit.yaml").write_text(f"repo_id: alice/big\nmodel_dir: model\nendpoint: {url}\n")
    (repo / ".gitignore").write_text("model/\n")
    (repo / "model" / "config.json").write_text('{"model_type": "llama"}')
    weights = repo / "model" / "model.safetensors"
    with weights.open("wb") as f:
        for _ in range(size // (1 << 20)):
            f.write(os.urandom(1 << 20))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    started = time.perf_counter()
    shutil.copyfile(weights, work / "copy.bin")
    baseline = time.perf_counter() - started
    (work / "copy.bin").unlink()
    git(repo, "tag", "v1.0.0")
    first, rss, _ = timed([str(BIN / "git-hf"), "push", "--json", "-q"], repo, env)
    (repo / "model" / "config.json").write_text('{"model_type": "llama", "v": 2}')
    git(repo, "commit", "-qm", "second", "--allow-empty")
    git(repo, "tag", "v1.1.0")
    second, _, out2 = timed([str(BIN / "git-hf"), "push", "--json", "-q"], repo, env)
    sent = json.loads(out2)[0]["bytes_sent"]
    mib = size / (1 << 20)
    return {
        "weights_mib": mib,
        "disk_copy_mib_s": mib / baseline,
        "first_push_mib_s": mib / first,
        "first_push_vs_copy": baseline / first,
        "client_peak_rss_mib": rss / 1024,
        "second_push_s": second,
        "second_push_bytes_sent": sent,
    }


def bench_log(work: Path, url: str, env: dict[str, str], counts: list[int]) -> dict[str, float]:
    results: dict[str, float] = {}
    repo = work / "logrepo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".hfgit.yaml").write_text(f"repo_id: alice/many\nmodel_dir: model\nendpoint: {url}\n")
    seeded = 0
    for count in counts:
        seed_versions_range(url, seeded, count)
        seeded = count
        shutil.rmtree(repo / ".git" / "hfgit" / "hub-commits", ignore_errors=True)
        results[f"log_{count}_versions_cold_s"] = timed(
            [str(BIN / "git-hf"), "log", "--json"], repo, env
        )[0]
        seconds = min(timed([str(BIN / "git-hf"), "log", "--json"], repo, env)[0] for _ in range(3))
        limited = min(
            timed([str(BIN / "git-hf"), "log", "--limit", "10"], repo, env)[0] for _ in range(3)
        )
        results[f"log_{count}_versions_warm_s"] = seconds
        results[f"log_limit10_{count}_versions_s"] = limited
    help_s = min(timed([str(BIN / "git-hf"), "--help"], repo, env)[0] for _ in range(3))
    results["git_hf_help_s"] = help_s
    return results


def seed_versions_range(url: str, start: int, stop: int) -> None:
    import huggingface_hub.constants
    from huggingface_hub import CommitOperationAdd, HfApi

    huggingface_hub.constants.HF_HUB_DISABLE_XET = True
    api = HfApi(endpoint=url, token=TOKEN)
    api.create_repo("alice/many", exist_ok=True)

    for i in range(start, stop):  # sequential: commits to one branch serialize anyway
        tag, sha = f"v1.0.{i}", f"{i:040x}"
        info = api.create_commit(
            "alice/many",
            [CommitOperationAdd(f"versions/{tag}.json", json.dumps({"version": tag}).encode())],
            commit_message=f"Publish {tag} (git {sha[:8]})",
            commit_description=f"Model version {tag}.\n\nHfgit-Version: {tag}\nHfgit-Git-Commit: {sha}",
        )
        api.create_tag("alice/many", tag=tag, revision=info.oid)


def main() -> int:
    size = parse_size(sys.argv[1]) if len(sys.argv) > 1 else 512 << 20
    versions = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with tempfile.TemporaryDirectory(prefix="hfgit-bench-") as tmp:
        work = Path(tmp)
        proc, url = start_server(work / "hub")
        env = {
            **os.environ,
            "HF_TOKEN": TOKEN,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HFGIT_DATA_DIR": str(work / "data"),
        }
        try:
            figures = bench_push(work, url, env, size)
            figures.update(bench_log(work, url, env, sorted({max(10, versions // 20), versions})))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    for name, value in figures.items():
        print(f"{name:32} {value:10.3f}")
    ok = figures["second_push_bytes_sent"] < 64 << 10 and figures["client_peak_rss_mib"] < max(
        200, size / (1 << 20) / 2
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
