"""The durable publish queue under `<git-dir>/hfgit/`: one file per tag, the log, the last error.

Layout (the sh shims write `queue/<tag>` themselves, so keep it plain):
  queue/<tag>        "sha=<object id>" lines; present until the tag is on the Hub
  hook.log           what the hooks and the background worker did
  last-error.json    the last failure of the hook path: {"error", "at", "tags"}
  refused/<tag>      why a version was refused for good (its files changed since it was made);
                     present until the tag is made again, published or dropped
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from hfgit.fsio import write_atomic
from hfgit.secrets import redact

STATE_DIR = "hfgit"
LOG_MAX_BYTES = 1 << 20


def state_dir(git_dir: Path) -> Path:
    return git_dir / STATE_DIR


def queue_dir(git_dir: Path) -> Path:
    return state_dir(git_dir) / "queue"


def log_path(git_dir: Path) -> Path:
    return state_dir(git_dir) / "hook.log"


def error_path(git_dir: Path) -> Path:
    return state_dir(git_dir) / "last-error.json"


def _valid_name(tag: str) -> bool:
    return bool(tag) and "/" not in tag and not tag.startswith(".") and "\0" not in tag


def enqueue(git_dir: Path, tag: str, sha: str = "") -> None:
    """Add `tag` to the queue (atomically: a crash never leaves a half-written entry)."""
    if not _valid_name(tag):
        return
    write_atomic(queue_dir(git_dir) / tag, f"sha={sha}\n")


def queued(git_dir: Path) -> list[str]:
    """The queued tags, oldest first; an absent queue is empty."""
    try:
        entries = [p for p in queue_dir(git_dir).iterdir() if not p.name.startswith(".")]
    except OSError:
        return []
    return [p.name for p in sorted(entries, key=_mtime)]


def forget(git_dir: Path, tags: Iterable[str]) -> None:
    """Drop tags from the queue (they are on the Hub). Cheap; never raises."""
    for tag in tags:
        if _valid_name(tag):
            with contextlib.suppress(OSError):
                (queue_dir(git_dir) / tag).unlink()


def record_error(git_dir: Path, message: str, tags: Iterable[str] = ()) -> None:
    """Remember the last failure of the hook path, for `git hf status`."""
    at = now()
    record = {"error": redact(message.strip())[-2000:], "at": at, "tags": sorted(tags)}
    try:
        write_atomic(error_path(git_dir), json.dumps(record, indent=2) + "\n")
        log(git_dir, f"error: {record['error']}")
    except OSError:
        pass


def clear_error(git_dir: Path) -> None:
    with contextlib.suppress(OSError):
        error_path(git_dir).unlink()


def last_error(git_dir: Path) -> dict[str, object] | None:
    try:
        data = json.loads(error_path(git_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def refuse(git_dir: Path, tag: str, reason: str) -> None:
    """Remember why `tag` cannot be published as it is, for `git hf status`. Never raises."""
    if not _valid_name(tag):
        return
    try:
        write_atomic(state_dir(git_dir) / "refused" / tag, redact(reason.strip())[-2000:] + "\n")
        log(git_dir, f"refused {tag}: {reason}")
    except OSError:
        pass


def refusals(git_dir: Path) -> dict[str, str]:
    """tag -> why it was refused, for every version refused and not made again since."""
    out = {}
    with contextlib.suppress(OSError):
        for path in sorted((state_dir(git_dir) / "refused").iterdir()):
            if _valid_name(path.name):
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    out[path.name] = path.read_text(encoding="utf-8").strip()
    return out


def clear_refusals(git_dir: Path, tags: Iterable[str]) -> None:
    for tag in tags:
        if _valid_name(tag):
            with contextlib.suppress(OSError):
                (state_dir(git_dir) / "refused" / tag).unlink()


def log(git_dir: Path, message: str) -> None:
    """Append one timestamped line to hook.log (rotated past 1 MiB). Never raises."""
    path = log_path(git_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > LOG_MAX_BYTES:
            os.replace(path, path.with_suffix(".log.1"))
        with path.open("a", encoding="utf-8") as f:
            f.write(f"{now()} [{os.getpid()}] {redact(message)}\n")
    except OSError:
        pass


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
