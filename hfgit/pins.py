"""What each version tag was made from, saved the moment the tag was made.

`<common git dir>/hfgit/pins/<tag>.json`, written by the hook right after `git tag` (and by
`git hf bump`), read when the version is published, removed once it is:

    {"tag": "v1.2.0", "commit": "<the tag's commit>", "made_at": "<UTC time>",
     "record": <the model folder's experiment_metadata.json then, or null>,
     "snapshot": {"<path>": [size, mtime_ns], ...},
     "kept": "<id of the kept copy under keep/, or null>",
     "late": ["<files already modified after the tag was made when the pin was>", ...]}

Making one is a stat per file and one small read: it must not slow `git tag` down.
Light on purpose (the hook path loads it): no git, YAML or Hub library.

`records/<commit>.json` keeps the last record made at each commit (`git hf record`), so that a
tag made without the hook still finds the record, and kept copy, of its commit after the
folder was recorded again for the next version.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfgit import keep
from hfgit.constants import METADATA_FILE
from hfgit.errors import HfgitError
from hfgit.fsio import write_atomic
from hfgit.manifest import MANIFEST_KEY, Manifest, Snapshot, take_snapshot

STATE_DIR = "hfgit"
PINS_DIR = "pins"
RECORDS_DIR = "records"
KEPT_KEY = "kept"  # in a record: the id of the copy `record --keep` made


@dataclass(frozen=True)
class Pin:
    tag: str
    commit: str
    made_at: str
    record: dict[str, Any] | None
    snapshot: Snapshot | None
    kept: str | None = None
    late: tuple[str, ...] = ()  # changed after the tag, before the pin: the pin is not the tag's

    @property
    def manifest(self) -> Manifest | None:
        return Manifest.from_json((self.record or {}).get(MANIFEST_KEY))

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "commit": self.commit,
            "made_at": self.made_at,
            "record": self.record,
            "snapshot": self.snapshot.to_json() if self.snapshot else None,
            "kept": self.kept,
            "late": list(self.late),
        }


def state_dir(git_dir: Path) -> Path:
    """hfgit's state in the common git dir: the same for every work tree of the repository."""
    common = git_dir
    pointer = git_dir / "commondir"  # a linked work tree's git dir names the common one
    with contextlib.suppress(OSError):
        common = (git_dir / pointer.read_text(encoding="utf-8").strip()).resolve()
    return common / STATE_DIR


def read_record(model_dir: Path) -> dict[str, Any] | None:
    """The folder's experiment_metadata.json as recorded, or None (absent or unreadable)."""
    return _read_json(model_dir / METADATA_FILE)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remember(git_dir: Path, record: dict[str, Any]) -> None:
    """Keep `record` as the last one made at its commit."""
    commit = record.get("git_commit")
    if isinstance(commit, str) and _is_sha(commit):
        write_atomic(state_dir(git_dir) / RECORDS_DIR / f"{commit}.json", json.dumps(record) + "\n")


def recorded_at(git_dir: Path, commit: str) -> dict[str, Any] | None:
    """The last record made at `commit`, or None."""
    if not _is_sha(commit):
        return None
    return _read_json(state_dir(git_dir) / RECORDS_DIR / f"{commit}.json")


def pin(
    git_dir: Path, model_dir: Path, tag: str, commit: str, tagged_at_ns: int | None = None
) -> Pin:
    """Fix what `tag` publishes: the folder's record and the stat of its files, now.

    `tagged_at_ns` is when the tag was made: a file (or the record) modified since then was
    changed in between, and the pin says so (`late`) rather than fix the wrong content."""
    record = read_record(model_dir)
    try:
        snapshot: Snapshot | None = take_snapshot(model_dir)
    except (HfgitError, OSError):
        snapshot = None  # the folder is missing or unreadable: publishing will say so
    kept = record.get(KEPT_KEY) if record else None
    made = Pin(
        tag,
        commit,
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        record,
        snapshot,
        kept if keep.path_of(state_dir(git_dir), kept) else None,
        _late(model_dir, snapshot, tagged_at_ns),
    )
    save(git_dir, made)
    return made


def _late(model_dir: Path, snapshot: Snapshot | None, tagged_at_ns: int | None) -> tuple[str, ...]:
    """Files modified between the tag and now. An mtime later than now is a clock's doing (a
    copy from another machine, a network file system), not a write in between: not late."""
    if tagged_at_ns is None:
        return ()
    now = time.time_ns()
    stats = dict(snapshot.files) if snapshot else {}
    with contextlib.suppress(OSError):
        st = (model_dir / METADATA_FILE).stat()
        stats[METADATA_FILE] = (st.st_size, st.st_mtime_ns)
    return tuple(sorted(p for p, (_, mtime) in stats.items() if tagged_at_ns < mtime <= now))


def keep_tagged(git_dir: Path, model_dir: Path, made: Pin) -> Pin:
    """Keep a copy of the folder as the snapshot saw it (a tag made without `record --keep`).

    A file that moved on since the snapshot leaves the pin without a copy; publishing then
    finds the folder changed and says so."""
    if made.kept or made.snapshot is None or made.late:
        return made
    files = [
        (relative, model_dir / relative, stat) for relative, stat in made.snapshot.files.items()
    ]
    kept = keep.keep_files(state_dir(git_dir), f"{made.tag}-{time.time_ns()}", files)
    updated = Pin(
        made.tag, made.commit, made.made_at, made.record, made.snapshot, kept.id, made.late
    )
    save(git_dir, updated)
    return updated


def load(git_dir: Path, tag: str, commit: str) -> Pin | None:
    """The pin of `tag`, if it was made for the tag as it is now (same commit)."""
    try:
        data = json.loads(_path(git_dir, tag).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("commit") != commit:
        return None
    record = data.get("record")
    kept = data.get("kept")
    late = data.get("late")
    return Pin(
        tag,
        commit,
        str(data.get("made_at") or ""),
        record if isinstance(record, dict) else None,
        Snapshot.from_json(data.get("snapshot")),
        kept if isinstance(kept, str) else None,
        tuple(str(p) for p in late) if isinstance(late, list) else (),
    )


def save(git_dir: Path, made: Pin) -> None:
    write_atomic(_path(git_dir, made.tag), json.dumps(made.to_json()) + "\n")


def release(git_dir: Path, published: dict[str, str], model_dir: Path | None) -> None:
    """The versions (tag -> commit) are published or dropped: forget their pins and drop the
    copies kept for them (by their pins, or by the folder's record of their commit) that no
    other pin names. Copies nothing names any more are swept too. Never raises."""
    record = read_record(model_dir) if model_dir else None
    done: set[str] = set()
    for tag, commit in published.items():
        made = load(git_dir, tag, commit)
        for named in (made.record if made else None, recorded_at(git_dir, commit), record):
            if named and named.get("git_commit") == commit and isinstance(named.get(KEPT_KEY), str):
                done.add(named[KEPT_KEY])
        if made is not None and made.kept:
            done.add(made.kept)
        with contextlib.suppress(OSError, ValueError):
            _path(git_dir, tag).unlink()
        if _is_sha(commit):
            with contextlib.suppress(OSError):
                (state_dir(git_dir) / RECORDS_DIR / f"{commit}.json").unlink()
    live = _named_by_pins(git_dir)
    state = state_dir(git_dir)
    for kept_id in done - live:
        keep.drop(state, kept_id)
    if record and isinstance(record.get(KEPT_KEY), str) and record[KEPT_KEY] not in done:
        live.add(record[KEPT_KEY])
    keep.sweep(state, live)


def _named_by_pins(git_dir: Path) -> set[str]:
    """Kept copies still named: by a pin, or by the record of a commit not yet published."""
    live = set()
    state = state_dir(git_dir)
    for path in [*_listing(state / PINS_DIR), *_listing(state / RECORDS_DIR)]:
        data = _read_json(path) or {}
        kept = data.get(KEPT_KEY) if path.parent.name == RECORDS_DIR else data.get("kept")
        if isinstance(kept, str):
            live.add(kept)
    return live


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.glob("*.json"))
    except OSError:
        return []


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _path(git_dir: Path, tag: str) -> Path:
    if not tag or "/" in tag or tag.startswith(".") or "\0" in tag:
        raise ValueError(f"not a tag name: {tag!r}")
    return state_dir(git_dir) / PINS_DIR / f"{tag}.json"
