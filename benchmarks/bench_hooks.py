"""What hfgit's hooks cost the user's git commands.

Measures, in the same run and interleaved so machine noise hits both sides alike:
  - extra wall time per `git commit` and per non-version `git tag` with hooks installed
    versus not installed (target: under 5 ms each; the shims must not start Python);
  - the time for `git tag v1.2.3` to return with auto-publish on (target: under 50 ms;
    the publish itself runs in a detached background worker).

Run:  python benchmarks/bench_hooks.py [--ops 200] [--version-tags 20]
The Hub endpoint is a closed local port: the background publishes fail fast and stay queued,
which is what the foreground timing must not notice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CONFIG = "repo_id: alice/bench\nmodel_dir: model\nendpoint: http://127.0.0.1:9\n"


def run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return (time.perf_counter() - start) * 1000


def make_repo(path: Path, env: dict[str, str], hooks: bool) -> None:
    path.mkdir()
    (path / ".hfgit.yaml").write_text(CONFIG)
    (path / "model").mkdir()
    (path / "model" / "weights.bin").write_bytes(os.urandom(1024))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        run(["git", *args], path, env)
    if hooks:
        run([str(BIN / "git-hf"), "hooks", "install"], path, env)


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[int(len(ms) * 0.9) - 1]
    return f"median {statistics.median(ms):6.2f} ms  mean {statistics.fmean(ms):6.2f} ms  p90 {p90:6.2f} ms"


def overhead(
    base: Path, env: dict[str, str], ops: int
) -> dict[str, tuple[list[float], list[float]]]:
    plain, hooked = base / "plain", base / "hooked"
    make_repo(plain, env, hooks=False)
    make_repo(hooked, env, hooks=True)
    results: dict[str, tuple[list[float], list[float]]] = {
        "git commit": ([], []),
        "git tag (non-version)": ([], []),
    }
    for i in range(ops):
        order = [(0, plain), (1, hooked)] if i % 2 == 0 else [(1, hooked), (0, plain)]
        for side, repo in order:
            results["git commit"][side].append(
                run(["git", "commit", "-q", "--allow-empty", "-m", f"step {i}"], repo, env)
            )
        for side, repo in order:
            results["git tag (non-version)"][side].append(
                run(["git", "tag", f"build-{i}"], repo, env)
            )
    return results


def version_tag_latency(base: Path, env: dict[str, str], count: int) -> list[float]:
    repo = base / "publishing"
    make_repo(repo, env, hooks=True)
    times = []
    for i in range(count):
        run(["git", "commit", "-q", "--allow-empty", "-m", f"release {i}"], repo, env)
        times.append(run(["git", "tag", f"v1.2.{i + 3}"], repo, env))
        time.sleep(0.3)  # let the background worker settle between samples
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ops", type=int, default=200, help="commits and tags per side")
    parser.add_argument("--version-tags", type=int, default=20, help="version tags to time")
    args = parser.parse_args()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HFGIT_HOOK_RETRY_DELAYS": "",
    }
    env.pop("HFGIT_SKIP", None)
    with tempfile.TemporaryDirectory(prefix="hfgit-bench-hooks-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
        env.update(
            HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1"
        )
        git = subprocess.run(
            ["git", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        print(f"{git}, {args.ops} operations per side, interleaved\n")
        ok = True
        for what, (plain, hooked) in overhead(Path(tmp), env, args.ops).items():
            extra = statistics.median(hooked) - statistics.median(plain)
            ok &= extra < 5
            print(f"{what:<22} without hooks: {summary(plain)}")
            print(f"{'':<22} with hooks:    {summary(hooked)}")
            print(f"{'':<22} extra (median): {extra:+.2f} ms  (target < 5 ms)\n")
        latency = version_tag_latency(Path(tmp), env, args.version_tags)
        ok &= statistics.median(latency) < 50
        print(f"{'git tag v1.2.x':<22} with auto-publish: {summary(latency)}  (target < 50 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
