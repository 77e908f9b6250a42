"""The durable publish queue under `<git-dir>/hfgit/`: one file per tag, the log, the last error.

Layout (the sh shims write `queue/<tag>` themselves, so keep it plain):
  queue/<tag>        "key=value" lines: sha=<object id>; after a failure that may pass (the Hub
                     could not be reached) also error= and at=; present until the Hub has the
                     version at the tag's git commit, or it is dropped
  hook.log           what the hooks and the background worker did
  last-error.json    the last failure of the hook path: {"error", "at", "tags"}
  refused/<tag>      why a version was refused for good (its files changed since it was made,
                     a gate, a conflict...); not retried until the tag is made again, or
                     `git hf queue retry`; gone once published or dropped
  failed             one line naming the queued versions that failed, while any does; the
                     shims print it on the next `git tag` or `git commit` (sh, no Python)

A queued tag is pending (to publish), waiting (failed in a way that may pass: retried) or
failed (refused: not retried by itself).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hfgit.fsio import write_atomic
from hfgit.secrets import redact

STATE_DIR = "hfgit"
LOG_MAX_BYTES = 1 << 20
FLAG_REASON_CHARS = 120  # of each reason, in the one line the shims print


@dataclass(frozen=True)
class Entry:
    """One queued tag and where it stands."""

    tag: str
    sha: str  # the tag's object id when it was queued ("" when not known)
    state: str  # pending | waiting (a failure that may pass) | failed (refused)
    error: str = ""
    at: str = ""  # when it last failed

    def to_json(self) -> dict[str, str | None]:
        return {
            "tag": self.tag,
            "sha": self.sha or None,
            "state": self.state,
            "error": self.error or None,
            "at": self.at or None,
        }


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


def entries(git_dir: Path) -> list[Entry]:
    """Every queued tag with its state, oldest first."""
    refused = refusals(git_dir)
    out = []
    for tag in queued(git_dir):
        fields = _fields(queue_dir(git_dir) / tag)
        state = "failed" if tag in refused else "waiting" if fields.get("error") else "pending"
        error = refused.get(tag) or fields.get("error", "")
        out.append(Entry(tag, fields.get("sha", ""), state, error, fields.get("at", "")))
    return out


def pending(git_dir: Path) -> list[str]:
    """The queued tags the worker publishes: all but those refused for good."""
    return [e.tag for e in entries(git_dir) if e.state != "failed"]


def note_failure(git_dir: Path, tag: str, error: str) -> None:
    """A queued tag failed in a way that may pass: it stays queued with the reason."""
    path = queue_dir(git_dir) / tag
    if not _valid_name(tag) or not path.is_file():
        return
    sha = _fields(path).get("sha", "")
    reason = " ".join(redact(error).split())[-2000:]
    _rewrite(path, f"sha={sha}\nerror={reason}\nat={now()}\n")


def retry(git_dir: Path, tags: Iterable[str]) -> None:
    """Queued tags are pending again: their refusal and last failure are forgotten."""
    tags = [t for t in tags if _valid_name(t)]
    clear_refusals(git_dir, tags)
    for tag in tags:
        path = queue_dir(git_dir) / tag
        if path.is_file():
            _rewrite(path, f"sha={_fields(path).get('sha', '')}\n")
    refresh_flag(git_dir)


def _rewrite(path: Path, text: str) -> None:
    """Replace a queue entry, keeping its place in the queue (its mtime)."""
    with contextlib.suppress(OSError):
        before = path.stat()
        write_atomic(path, text)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def forget(git_dir: Path, tags: Iterable[str]) -> None:
    """Drop tags from the queue (they are on the Hub). Cheap; never raises."""
    for tag in tags:
        if _valid_name(tag):
            with contextlib.suppress(OSError):
                (queue_dir(git_dir) / tag).unlink()


def resolved(git_dir: Path, tags: Iterable[str]) -> None:
    """`tags` need nothing more (on the Hub, or dropped): out of the queue, their refusals and
    their part of the last error gone, the failure flag brought up to date. Never raises."""
    tags = list(tags)
    if not tags:
        return
    forget(git_dir, tags)
    clear_refusals(git_dir, tags)
    error = last_error(git_dir)
    named = error.get("tags") if error else None
    if error and isinstance(named, list) and named:
        left = [t for t in named if t not in tags]
        if not left:
            clear_error(git_dir)
        elif len(left) < len(named):
            with contextlib.suppress(OSError):
                write_atomic(
                    error_path(git_dir), json.dumps({**error, "tags": left}, indent=2) + "\n"
                )
    refresh_flag(git_dir)


def settle(git_dir: Path, local: Mapping[str, str], on_hub: Mapping[str, str | None]) -> list[str]:
    """Queued tags the Hub has at their local git commit (tag -> commit on both sides), whoever
    published them, are resolved; returns them."""
    done = [t for t in queued(git_dir) if t in local and on_hub.get(t) == local[t]]
    resolved(git_dir, done)
    return done


def flag_path(git_dir: Path) -> Path:
    return state_dir(git_dir) / "failed"


def refresh_flag(git_dir: Path) -> None:
    """Write the one line the shims print while a queued version fails; remove it when none
    does. Never raises."""
    failing = [e for e in entries(git_dir) if e.state != "pending"]
    path = flag_path(git_dir)
    try:
        if failing:
            write_atomic(path, _flag_line(failing) + "\n")
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _flag_line(failing: list[Entry]) -> str:
    first = failing[0]
    reason = " ".join(first.error.split())
    if len(reason) > FLAG_REASON_CHARS:
        reason = reason[: FLAG_REASON_CHARS - 3] + "..."
    more = f" (and {', '.join(e.tag for e in failing[1:])})" if failing[1:] else ""
    verb = "was refused" if first.state == "failed" else "could not be published"
    return (
        f"hfgit: {first.tag}{more} {verb} in the background: {reason or 'no reason given'}; "
        "`git hf queue` shows the queue, `git hf queue retry` tries again"
    )


def _fields(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return dict(line.partition("=")[::2] for line in text.splitlines() if "=" in line)


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
