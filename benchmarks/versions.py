"""Reading versions: `git hf status` and `git hf log` with N local tags and N Hub versions on
the same commits, against GTO's `gto show` over the same commits (its tags, `model@vX.Y.Z`),
and against `python -c pass` (starting Python at all). Also how many Hub requests a warm
`git hf log` makes, counted by a proxy in front of the hub."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from benchmarks.harness import (
    BIN,
    GIT_HF,
    USER,
    HubProcess,
    Workspace,
    fast_import_versions,
    interleaved,
    median,
)
from benchmarks.report import Figure

TESTS = Path(__file__).resolve().parents[1] / "tests"
READ_LIMIT_S = 0.5
MAX_LOG_REQUESTS = 3


class Versions:
    """A git repository with `count` version tags, the same versions on the hub, and a copy of
    the repository tagged the way GTO registers artifact versions."""

    def __init__(self, workspace: Workspace, hub: HubProcess, count: int) -> None:
        self.workspace, self.hub, self.count = workspace, hub, count
        self.repo = workspace.path(f"versions-{count}")
        self.gto_repo = workspace.path(f"gto-{count}")
        commits = fast_import_versions(workspace, self.repo, count, lambda i: f"v1.0.{i}")
        fast_import_versions(workspace, self.gto_repo, count, lambda i: f"model@v1.0.{i}")
        (self.repo / ".hfgit.yaml").write_text(
            f"repo_id: {USER}/versions-{count}\nmodel_dir: model\n"
        )
        listing = workspace.path(f"commits-{count}.txt")
        listing.write_text("\n".join(commits) + "\n")
        workspace.run(
            [
                sys.executable,
                "-m",
                "benchmarks.seed",
                hub.url,
                f"{USER}/versions-{count}",
                "0",
                str(listing),
            ],
            Path(__file__).resolve().parents[1],
            self.env,
        )

    @property
    def env(self) -> dict[str, str]:
        return {**self.workspace.env, "HF_ENDPOINT": self.hub.url}

    def forget_cache(self) -> None:
        """What hfgit remembered of Hub commits goes, as on a fresh clone."""
        shutil.rmtree(self.repo / ".git" / "hfgit" / "hub-commits", ignore_errors=True)

    def hfgit(self, command: str, cold: bool = False, env: dict[str, str] | None = None) -> float:
        if cold:
            self.forget_cache()
        return self.workspace.run([GIT_HF, command], self.repo, env or self.env).seconds

    def gto_show(self) -> float:
        return self.workspace.run([str(BIN / "gto"), "show"], self.gto_repo, self.env).seconds

    def python_pass(self) -> float:
        return self.workspace.run([sys.executable, "-c", "pass"], self.repo).seconds

    def log_requests(self, cold: bool) -> int:
        """Hub requests of one `git hf log`, counted at a proxy in front of the hub."""
        sys.path.insert(0, str(TESTS))
        from faultproxy import FaultProxy

        with FaultProxy(self.hub.url) as proxy:
            through = {**self.env, "HF_ENDPOINT": proxy.url}  # the cache is kept per endpoint
            self.hfgit("log", cold=True, env=through)
            if not cold:
                proxy.reset()
                self.hfgit("log", env=through)
            return int(proxy.counters["requests"])


def gto_available() -> bool:
    return (BIN / "gto").exists()


def figures(versions: Versions, runs: int, gto_runs: int) -> list[Figure]:
    count = versions.count
    out = []
    cold = [versions.hfgit("status", cold=True) for _ in range(runs)]
    if gto_available():
        mine, gto_samples = interleaved(
            gto_runs, lambda _: versions.hfgit("status", cold=True), lambda _: versions.gto_show()
        )
        cold += mine
        gto = median(gto_samples)
        label = "gto show"
    else:
        gto, gto_samples, label = float("nan"), [], "gto show (not installed)"
    status_cold = median(cold)
    out.append(
        Figure(
            f"git hf status, {count} local tags and {count} Hub versions, no hfgit cache",
            status_cold,
            "s",
            f">= 10x faster than gto, < {READ_LIMIT_S} s",
            status_cold < READ_LIMIT_S and not (status_cold * 10 > gto),
            gto,
            label,
            {"hfgit": cold, "gto show": gto_samples},
        )
    )
    versions.hfgit("status")  # warm the cache
    status, log, bare = interleaved(
        runs,
        lambda _: versions.hfgit("status"),
        lambda _: versions.hfgit("log"),
        lambda _: versions.python_pass(),
    )
    for name, samples in (("status", status), ("log", log)):
        value = median(samples)
        out.append(
            Figure(
                f"git hf {name}, {count} versions, warm",
                value,
                "s",
                f"< {READ_LIMIT_S} s",
                value < READ_LIMIT_S,
                median(bare),
                "python -c pass",
                {"hfgit": samples, "python -c pass": bare},
            )
        )
    warm_requests, cold_requests = (
        versions.log_requests(cold=False),
        versions.log_requests(cold=True),
    )
    out.append(
        Figure(
            f"git hf log, {count} versions, warm: Hub requests",
            warm_requests,
            "requests",
            f"<= {MAX_LOG_REQUESTS} whatever the count",
            warm_requests <= MAX_LOG_REQUESTS,
            cold_requests,
            "cold log",
        )
    )
    return out
