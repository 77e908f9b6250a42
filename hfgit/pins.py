"""What each version tag was made from, saved the moment the tag was made.

`<common git dir>/hfgit/pins/<tag>.json`, written by the hook right after `git tag` (and by
`git hf bump`), read when the version is published, removed once it is:

    {"tag": "v1.2.0", "commit": "<the tag's commit>", "made_at": "<UTC time>",
     "record": <the model folder's experiment_metadata.json then, or null>,
     "snapshot": {"<path>": [size, mtime_ns], ...},
     "kept": "<id of the kept copy under keep/, or null>"}

Making one is a stat per file and one small read: it must not slow `git tag` down.
Light on purpose (the hook path loads it): no git, YAML or Hub library.
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
KEPT_KEY = "kept"  # in a record: the id of the copy `record --keep` made


@dataclass(frozen=True)
class Pin:
    tag: str
    commit: str
    made_at: str
    record: dict[str, Any] | None
    snapshot: Snapshot | None
    kept: str | None = None

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
    try:
        data = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def pin(git_dir: Path, model_dir: Path, tag: str, commit: str) -> Pin:
    """Fix what `tag` publishes: the folder's record and the stat of its files, now."""
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
    )
    save(git_dir, made)
    return made


def keep_tagged(git_dir: Path, model_dir: Path, made: Pin) -> Pin:
    """Keep a copy of the folder as the snapshot saw it (a tag made without `record --keep`).

    A file that moved on since the snapshot leaves the pin without a copy; publishing then
    finds the folder changed and says so."""
    if made.kept or made.snapshot is None:
        return made
    files = [
        (relative, model_dir / relative, stat) for relative, stat in made.snapshot.files.items()
    ]
    kept = keep.keep_files(state_dir(git_dir), f"{made.tag}-{time.time_ns()}", files)
    updated = Pin(made.tag, made.commit, made.made_at, made.record, made.snapshot, kept.id)
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
    return Pin(
        tag,
        commit,
        str(data.get("made_at") or ""),
        record if isinstance(record, dict) else None,
        Snapshot.from_json(data.get("snapshot")),
        kept if isinstance(kept, str) else None,
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
        if made is not None and made.kept:
            done.add(made.kept)
        with contextlib.suppress(OSError, ValueError):
            _path(git_dir, tag).unlink()
        if record and record.get("git_commit") == commit and isinstance(record.get(KEPT_KEY), str):
            done.add(record[KEPT_KEY])
    live = _named_by_pins(git_dir)
    state = state_dir(git_dir)
    for kept_id in done - live:
        keep.drop(state, kept_id)
    if record and isinstance(record.get(KEPT_KEY), str) and record[KEPT_KEY] not in done:
        live.add(record[KEPT_KEY])
    keep.sweep(state, live)


def _named_by_pins(git_dir: Path) -> set[str]:
    live = set()
    with contextlib.suppress(OSError):
        for path in (state_dir(git_dir) / PINS_DIR).glob("*.json"):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                kept = json.loads(path.read_text(encoding="utf-8")).get("kept")
                if isinstance(kept, str):
                    live.add(kept)
    return live


def _path(git_dir: Path, tag: str) -> Path:
    if not tag or "/" in tag or tag.startswith(".") or "\0" in tag:
        raise ValueError(f"not a tag name: {tag!r}")
    return state_dir(git_dir) / PINS_DIR / f"{tag}.json"
