"""The background publisher: drains the queue with `git-hf push`, one worker per repository.

Started detached by the hooks, so `git tag` returns at once. A worker holds
`<git-dir>/hfgit/worker.lock` while it runs; a hook that cannot get the lock leaves its tag
queued and the running worker picks it up (it re-reads the queue after releasing the lock).
`git-hf push` takes its own publish lock, so a manual push at the same moment publishes once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

from hfgit.constants import ENV_IN_HOOK
from hfgit.effects import Sleep
from hfgit.fsio import locked
from hfgit.hooks import queue
from hfgit.hooks.gitcli import local_tags

RETRY_DELAYS = (1.0, 4.0, 15.0)  # seconds between the tries of one batch
ENV_RETRY_DELAYS = "HFGIT_HOOK_RETRY_DELAYS"  # e.g. "0,0": two retries, no wait (tests)
PUSH_TIMEOUT = 3600.0


def git_hf() -> list[str]:
    """The command that runs `git-hf`: the one on PATH, else this interpreter's."""
    found = shutil.which("git-hf")
    return [found] if found else [sys.executable, "-m", "hfgit"]


def spawn(repo_root: Path, git_dir: Path) -> None:
    """Start a detached worker (its own session; output to hook.log) and return at once."""
    log = queue.log_path(git_dir)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        subprocess.Popen(
            [*git_hf(), "hook", "worker"],
            cwd=repo_root,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=child_env(),
        )


def child_env() -> dict[str, str]:
    return {**os.environ, ENV_IN_HOOK: "1"}


def worker_lock(git_dir: Path) -> AbstractContextManager[bool]:
    """Yields True when this process is the repository's worker, False when another one is."""
    return locked(queue.state_dir(git_dir) / "worker.lock", blocking=False)


def run(repo_root: Path, git_dir: Path, sleep: Sleep = time.sleep) -> bool:
    """Publish everything queued; True when the queue ended empty (or another worker owns it).

    `sleep` waits between the tries of a failed publish (tests pass one that does not wait)."""
    attempted: set[str] = set()
    while True:
        with worker_lock(git_dir) as mine:
            if not mine:
                queue.log(git_dir, "another worker is running; it will publish the queue")
                return True
            _drain(repo_root, git_dir, attempted, sleep)
        # A hook may have queued a tag after the last look but before the lock was released.
        if not set(queue.queued(git_dir)) - attempted:
            return not queue.queued(git_dir)


def _drain(repo_root: Path, git_dir: Path, attempted: set[str], sleep: Sleep) -> None:
    while pending := [t for t in queue.queued(git_dir) if t not in attempted]:
        existing = local_tags(repo_root)
        gone = [t for t in pending if t not in existing]
        if gone:
            queue.log(git_dir, f"dropped from the queue (tag deleted): {' '.join(gone)}")
            queue.forget(git_dir, gone)
        batch = [t for t in pending if t in existing]
        attempted.update(pending)
        if batch and publish(repo_root, git_dir, batch, sleep):
            queue.forget(git_dir, batch)
            queue.clear_error(git_dir)


def publish(repo_root: Path, git_dir: Path, tags: list[str], sleep: Sleep = time.sleep) -> bool:
    """`git-hf push TAGS`, retried with backoff; on final failure the tags stay queued."""
    delays = retry_delays()
    error = ""
    for attempt in range(len(delays) + 1):
        if attempt:
            sleep(delays[attempt - 1])
        queue.log(git_dir, f"publishing {' '.join(tags)} (try {attempt + 1} of {len(delays) + 1})")
        code, error = push_once(repo_root, tags)
        if code == 0:
            queue.log(git_dir, f"published {' '.join(tags)}")
            return True
        queue.log(git_dir, f"git-hf push exited with {code}: {error}")
    queue.record_error(git_dir, f"publishing {' '.join(tags)} failed: {error}", tags)
    return False


def push_once(repo_root: Path, tags: list[str]) -> tuple[int, str]:
    try:
        done = subprocess.run(
            [*git_hf(), "push", *tags],
            cwd=repo_root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=child_env(),
            timeout=PUSH_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, f"cannot run git-hf push: {e}"
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return done.returncode, (lines[-1] if lines else f"exit code {done.returncode}")


def retry_delays() -> tuple[float, ...]:
    raw = os.environ.get(ENV_RETRY_DELAYS)
    if raw is None:
        return RETRY_DELAYS
    try:
        return tuple(float(x) for x in raw.split(",") if x.strip())
    except ValueError:
        return RETRY_DELAYS
