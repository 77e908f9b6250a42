"""The background publisher: drains the queue with `git-hf push`, one worker per repository.

Started detached by the hooks, so `git tag` returns at once. Each queued version is published
on its own (`git-hf push --json TAG`), lowest first: one that is refused (its files changed, a
gate, a conflict) is marked failed and not retried, and the others go on; one that fails in a
way that may pass (the Hub cannot be reached) stays queued for the next worker. A worker holds
`<git-dir>/hfgit/worker.lock` while it runs; a hook that cannot get the lock leaves its tag
queued and the running worker picks it up (it re-reads the queue after releasing the lock).
`git-hf push` takes its own publish lock, so a manual push at the same moment publishes once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from hfgit.constants import ENV_IN_HOOK, EXIT_UNEXPECTED, EXIT_USAGE
from hfgit.effects import Sleep
from hfgit.fsio import locked
from hfgit.hooks import queue
from hfgit.hooks.gitcli import local_tags
from hfgit.versioning import TagScheme, parse_tag

RETRY_DELAYS = (1.0, 4.0, 15.0)  # seconds between the tries of one version
ENV_RETRY_DELAYS = "HFGIT_HOOK_RETRY_DELAYS"  # e.g. "0,0": two retries, no wait (tests)
PUSH_TIMEOUT = 3600.0
PUBLISHED, FAILED, WAITING = "published", "failed", "waiting"


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


Schemes = TagScheme | Sequence[TagScheme] | None  # one per model when there are several


def run(repo_root: Path, git_dir: Path, sleep: Sleep = time.sleep, scheme: Schemes = None) -> bool:
    """Publish everything queued, version by version (lowest first under `scheme`, or under
    each model's); True when nothing is left to publish (or another worker owns the queue).

    `sleep` waits between the tries of a failed publish (tests pass one that does not wait)."""
    attempted: set[str] = set()
    while True:
        with worker_lock(git_dir) as mine:
            if not mine:
                queue.log(git_dir, "another worker is running; it will publish the queue")
                return True
            _drain(repo_root, git_dir, attempted, sleep, scheme)
        # A hook may have queued a tag after the last look but before the lock was released.
        if not set(queue.pending(git_dir)) - attempted:
            return not queue.pending(git_dir)


def _drain(
    repo_root: Path, git_dir: Path, attempted: set[str], sleep: Sleep, scheme: Schemes
) -> None:
    failures = 0
    while todo := [t for t in queue.pending(git_dir) if t not in attempted]:
        existing = local_tags(repo_root)
        gone = [t for t in todo if t not in existing]
        if gone:
            queue.log(git_dir, f"dropped from the queue (tag deleted): {' '.join(gone)}")
            queue.resolved(git_dir, gone)
        attempted.update(todo)
        for tag in _lowest_first([t for t in todo if t in existing], scheme):
            verdict = publish(repo_root, git_dir, tag, sleep)
            failures += verdict != PUBLISHED
            if verdict == WAITING:  # the Hub cannot be reached (or the like): try the rest later
                queue.log(git_dir, "the rest of the queue waits for the next try")
                return
    if not failures and not (queue.last_error(git_dir) or {}).get("tags"):
        queue.clear_error(git_dir)  # a failure of the hook path itself, resolved by this run


def publish(repo_root: Path, git_dir: Path, tag: str, sleep: Sleep = time.sleep) -> str:
    """`git-hf push TAG` on its own; a failure that may pass is tried again after each of
    the retry delays. Returns PUBLISHED, FAILED (refused: not retried) or WAITING (still
    queued, tried again by the next worker)."""
    delays = retry_delays()
    attempt = Attempt(False, "", True)
    for number in range(len(delays) + 1):
        if number:
            sleep(delays[number - 1])
        queue.log(git_dir, f"publishing {tag} (try {number + 1} of {len(delays) + 1})")
        attempt = push_version(repo_root, tag)
        if attempt.ok:
            queue.log(git_dir, f"published {tag}")
            queue.resolved(git_dir, [tag])
            return PUBLISHED
        queue.log(git_dir, f"git-hf push {tag} failed: {attempt.error}")
        if not attempt.retry:
            break
    queue.record_error(git_dir, f"publishing {tag} failed: {attempt.error}", [tag])
    if attempt.retry:
        queue.note_failure(git_dir, tag, attempt.error)
    elif tag not in queue.refusals(git_dir):  # the push may have said why itself
        queue.refuse(git_dir, tag, attempt.error)
    queue.refresh_flag(git_dir)
    return WAITING if attempt.retry else FAILED


@dataclass(frozen=True)
class Attempt:
    ok: bool
    error: str
    retry: bool  # the failure may pass: the version stays queued


def push_version(repo_root: Path, tag: str) -> Attempt:
    """One `git-hf push --json TAG`, and what it says of that version."""
    code, error, out = _push(repo_root, ["--json", tag])
    try:
        said = next((o for o in _outcomes(json.loads(out)) if o.get("tag") == tag), None)
    except (ValueError, TypeError, AttributeError):
        said = None
    if said is not None and said.get("error"):
        return Attempt(False, str(said["error"]), bool(said.get("retry")))
    if code == 0:
        return Attempt(True, "", False)
    # Nothing said about the version itself: the push stopped before it (the Hub could not be
    # reached, no token, ...), which a later try may get past; a crash (exit 2 or 3) would not.
    return Attempt(False, error, code not in (EXIT_USAGE, EXIT_UNEXPECTED))


def _outcomes(said: list[dict[str, object]]) -> list[dict[str, object]]:
    """The versions `git-hf push --json` reports: a list of them, or with several models a
    list of {model, repo_id, versions}."""
    found: list[dict[str, object]] = []
    for item in said:
        listed = item.get("versions")
        found += listed if isinstance(listed, list) and "model" in item else [item]
    return found


def _lowest_first(tags: list[str], scheme: Schemes) -> list[str]:
    """Versions in ascending order, model by model (so that each lands where `main` holds the
    highest), the rest as queued."""
    if scheme is None:
        return tags
    ordered: list[str] = []
    for each in [scheme] if isinstance(scheme, TagScheme) else scheme:
        versions = [v for v in (parse_tag(t, each) for t in tags) if v is not None]
        ordered += [v.tag for v in sorted(versions) if v.tag not in ordered]
    return ordered + [t for t in tags if t not in ordered]


def push_once(repo_root: Path, tags: list[str]) -> tuple[int, str]:
    """`git-hf push TAGS`: its exit code and the last line it wrote to stderr."""
    code, error, _ = _push(repo_root, tags)
    return code, error


def _push(repo_root: Path, args: list[str]) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            [*git_hf(), "push", *args],
            cwd=repo_root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=child_env(),
            timeout=PUSH_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, f"cannot run git-hf push: {e}", ""
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    last = lines[-1].removeprefix("error: ") if lines else f"exit code {done.returncode}"
    return done.returncode, last, done.stdout


def retry_delays() -> tuple[float, ...]:
    raw = os.environ.get(ENV_RETRY_DELAYS)
    if raw is None:
        return RETRY_DELAYS
    try:
        return tuple(float(x) for x in raw.split(",") if x.strip())
    except ValueError:
        return RETRY_DELAYS
