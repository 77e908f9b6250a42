"""The one helpers module of the hook tests: a repository driven by the real `git` CLI, a bare
remote, Hub queries, and pollers (`wait_for`, `worker_idle`)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit.fsio import locked

BIN = Path(sys.executable).parent
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused


def wait_for(
    predicate: Callable[[], object], timeout: float = 45.0, what: str = "condition"
) -> None:
    """Poll until `predicate()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Repo:
    """A work tree with `.hfgit.yaml`, run through the real git CLI."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def git_dir(self) -> Path:
        return self.path / ".git"

    def git(
        self, *args: str, input: str | None = None, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return self._run(["git", *args], "git", input, check, env)

    def hf(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        return self._run([str(BIN / "git-hf"), *args], "git hf", None, check, env)

    def _run(
        self, argv: list[str], label: str, input: str | None, check: bool, env: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            argv,
            cwd=self.path,
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **env},
            timeout=120,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{label} {' '.join(argv[1:])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def configure(self, endpoint: str, repo_id: str = "alice/model", hooks: str = "") -> None:
        text = f"repo_id: {repo_id}\nmodel_dir: model\nendpoint: {endpoint}\nprivate: false\n"
        (self.path / ".hfgit.yaml").write_text(text + (f"hooks:\n{hooks}" if hooks else ""))

    def commit(
        self, message: str, file: str = "model/weights.bin", content: str | None = None
    ) -> str:
        target = self.path / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if content is not None else f"{message}\n{time.time_ns()}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def queue(self) -> list[str]:
        q = self.git_dir / "hfgit" / "queue"
        return (
            sorted(p.name for p in q.iterdir() if not p.name.startswith(".")) if q.is_dir() else []
        )

    def log(self) -> str:
        path = self.git_dir / "hfgit" / "hook.log"
        return path.read_text() if path.exists() else ""


def hub_tags(hub: Any, repo_id: str) -> set[str]:
    from huggingface_hub.utils import RepositoryNotFoundError

    try:
        return {t.name for t in hub.api().list_repo_refs(repo_id).tags}
    except RepositoryNotFoundError:
        return set()


def hub_commit_count(hub: Any, repo_id: str) -> int:
    return len(hub.api().list_repo_commits(repo_id))


def add_remote(repo: Repo) -> Path:
    """A bare repository next to `repo`, added as its remote `origin`."""
    remote = repo.path.parent / f"{repo.path.name}-remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=repo.env)
    repo.git("remote", "add", "origin", str(remote))
    return remote


def worker_idle(repo: Repo) -> bool:
    """True when the queue is empty and no worker holds the worker lock."""
    lock = repo.git_dir / "hfgit" / "worker.lock"
    if repo.queue() or not lock.exists():
        return not repo.queue()
    with locked(lock, blocking=False) as free:
        return free


def worker_free(repo: Repo) -> bool:
    """True when no worker holds the worker lock (whatever is left in the queue)."""
    lock = repo.git_dir / "hfgit" / "worker.lock"
    if not lock.exists():
        return True
    with locked(lock, blocking=False) as free:
        return free
