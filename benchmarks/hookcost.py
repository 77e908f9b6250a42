"""What hfgit's hooks add to the user's own git commands: `git commit` and a tag that is not a
version, in a repository with hooks installed next to one without, interleaved; then again
with thousands of tags in packed-refs. The Hub endpoint is a closed local port: nothing
here may wait for a Hub."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import GIT_HF, Workspace, median
from benchmarks.report import Figure

CONFIG = "repo_id: bench/hooks\nmodel_dir: model\nendpoint: http://127.0.0.1:9\n"
EXTRA_LIMIT_MS = 5.0


class HookRepos:
    """Two repositories alike but for hfgit's hooks."""

    def __init__(self, workspace: Workspace, name: str) -> None:
        self.workspace = workspace
        self.plain = self._make(workspace.path(f"{name}-plain"), hooks=False)
        self.hooked = self._make(workspace.path(f"{name}-hooked"), hooks=True)
        self.step = 0

    def _make(self, repo: Path, hooks: bool) -> Path:
        ws = self.workspace
        repo.mkdir()
        (repo / ".hfgit.yaml").write_text(CONFIG)
        (repo / "model").mkdir()
        (repo / "model" / "weights.bin").write_bytes(b"\0" * 1024)
        ws.git(repo, "init", "-q", "-b", "main")
        ws.git(repo, "add", "-A")
        ws.git(repo, "commit", "-qm", "init")
        if hooks:
            ws.run([GIT_HF, "hooks", "install"], repo)
        return repo

    def add_tags(self, count: int) -> None:
        """`count` more tags, written straight into packed-refs as `git pack-refs` leaves them."""
        for repo in (self.plain, self.hooked):
            head = self.workspace.git(repo, "rev-parse", "HEAD")
            packed = repo / ".git" / "packed-refs"
            existing = packed.read_text().splitlines()[1:] if packed.exists() else []
            names = {line.split()[1] for line in existing if not line.startswith("^")}
            new = [f"refs/tags/build/{i:06d}" for i in range(count)]
            lines = existing + [f"{head} {name}" for name in new if name not in names]
            lines.sort(key=lambda line: line.split()[1])
            packed.write_text(
                "# pack-refs with: peeled fully-peeled sorted \n" + "\n".join(lines) + "\n"
            )

    def timed_ms(self, repo: Path, *args: str) -> tuple[float, float]:
        """Wall and CPU milliseconds of one git command (CPU: git and the hooks it ran)."""
        run = self.workspace.run(["git", *args], repo)
        return run.seconds * 1000, run.cpu_seconds * 1000

    def overhead(self, ops: int) -> dict[str, tuple[list[float], list[float]]]:
        """Milliseconds per operation without and with hooks, `ops` of each: wall time
        ("commit", "tag") and CPU time ("commit cpu", "tag cpu")."""
        results: dict[str, tuple[list[float], list[float]]] = {
            what: ([], []) for what in ("commit", "tag", "commit cpu", "tag cpu")
        }
        for i in range(ops):
            self.step += 1
            order = [(0, self.plain), (1, self.hooked)]
            if i % 2:
                order.reverse()
            for what, args in (
                ("commit", ("commit", "-q", "--allow-empty", "-m", f"step {self.step}")),
                ("tag", ("tag", f"build-{self.step}")),
            ):
                for side, repo in order:
                    wall, cpu = self.timed_ms(repo, *args)
                    results[what][side].append(wall)
                    results[f"{what} cpu"][side].append(cpu)
        return results


def figures(workspace: Workspace, ops: int, many: int) -> list[Figure]:
    repos = HookRepos(workspace, "hooks")
    out = _figures(repos.overhead(ops), "")
    repos.add_tags(many)
    return out + _figures(repos.overhead(ops), f", {many:,} tags in packed-refs")


def _figures(results: dict[str, tuple[list[float], list[float]]], where: str) -> list[Figure]:
    out = []
    for what, label in (("commit", "git commit"), ("tag", "git tag (not a version)")):
        plain, hooked = results[what]
        plain_cpu, hooked_cpu = results[f"{what} cpu"]
        extra = median(hooked) - median(plain)
        extra_cpu = median(hooked_cpu) - median(plain_cpu)
        out.append(
            Figure(
                f"extra time per {label} with hooks{where} (CPU {extra_cpu:+.2f} ms)",
                extra,
                "ms",
                f"< {EXTRA_LIMIT_MS:.0f} ms",
                extra < EXTRA_LIMIT_MS,
                median(plain),
                "hooks uninstalled",
                {
                    "without hooks": plain,
                    "with hooks": hooked,
                    "CPU without hooks": plain_cpu,
                    "CPU with hooks": hooked_cpu,
                },
                fixed_ratio=median(hooked) / median(plain),
            )
        )
    return out
