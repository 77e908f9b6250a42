"""What a version's files are, fixed when the version is made, and the check made before they
are published.

Two forms, by how the version was made:

* a manifest (`git hf record`): path, size and sha256 of every file of the model folder, kept
  in the folder's experiment_metadata.json. Publishing compares content (through the hash
  cache, so an untouched file costs a stat).
* a snapshot (a tag made without a record): path, size and mtime of every file, taken right
  after `git tag` by the hook, a stat per file and no reading. Publishing compares the stat.

Either way a file that changes while it is read counts as changed: its hashes describe no
content that ever existed whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit.constants import CARD_FILE
from hfgit.files import HashCache, Hashed, scan, stamp_of

MANIFEST_KEY = "manifest"  # in experiment_metadata.json
SHOWN_DIFFERENCES = 3


@dataclass(frozen=True)
class Manifest:
    """path -> (size, sha256) of every file, as `git hf record` found them."""

    files: dict[str, tuple[int, str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [
                {"path": path, "size": size, "sha256": sha256}
                for path, (size, sha256) in sorted(self.files.items())
            ]
        }

    @classmethod
    def from_json(cls, value: object) -> Manifest | None:
        """The manifest in a record, or None when there is none (or it is not one)."""
        entries = value.get("files") if isinstance(value, dict) else None
        if not isinstance(entries, list):
            return None
        files: dict[str, tuple[int, str]] = {}
        for entry in entries:
            if not isinstance(entry, dict):
                return None
            path, size, sha256 = entry.get("path"), entry.get("size"), entry.get("sha256")
            if not (isinstance(path, str) and isinstance(size, int) and isinstance(sha256, str)):
                return None
            files[path] = (size, sha256)
        return cls(files)

    @property
    def digest(self) -> str:
        """One hash naming this exact set of contents (the id of a kept copy)."""
        lines = "".join(f"{p}\0{s}\0{h}\n" for p, (s, h) in sorted(self.files.items()))
        return hashlib.sha256(lines.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """path -> (size, mtime in ns) of every file, as they stood when the tag was made."""

    files: dict[str, tuple[int, int]]

    def to_json(self) -> dict[str, list[int]]:
        return {path: [size, mtime] for path, (size, mtime) in sorted(self.files.items())}

    @classmethod
    def from_json(cls, value: object) -> Snapshot | None:
        if not isinstance(value, dict):
            return None
        files: dict[str, tuple[int, int]] = {}
        for path, entry in value.items():
            if not (
                isinstance(entry, list) and len(entry) == 2 and all(type(n) is int for n in entry)
            ):
                return None
            files[path] = (entry[0], entry[1])
        return cls(files)


Expected = Manifest | Snapshot


@dataclass
class Checked:
    """The folder's files, hashed, and how they differ from what was expected (if anything)."""

    files: list[tuple[str, Path, Hashed]] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """e.g. "weights.bin differs, extra.bin is new, +2 more"."""
        shown = self.differences[:SHOWN_DIFFERENCES]
        more = len(self.differences) - len(shown)
        return ", ".join(shown) + (f", +{more} more" if more else "")

    def as_manifest(self) -> Manifest:
        return Manifest({path: (h.size, h.sha256) for path, _, h in self.files})

    def modified_after(self, when_ns: int) -> list[str]:
        """Files whose mtime is later than `when_ns` (ns since the epoch, compared exactly)."""
        return [path for path, _, hashed in self.files if hashed.mtime_ns > when_ns]


def files_of(folder: Path) -> Iterator[tuple[str, Path]]:
    """Every file a version takes from the folder: the model's files, and the README.md
    training left there (its text goes into the model card)."""
    yield from scan(folder)
    card = folder / CARD_FILE
    if card.is_file() and not card.is_symlink():
        yield CARD_FILE, card


def take_snapshot(folder: Path) -> Snapshot:
    """The stat of every file: a few microseconds each, no content read."""
    files = {}
    for relative, path in files_of(folder):
        size, mtime, _ = stamp_of(path)
        files[relative] = (size, mtime)
    return Snapshot(files)


def check(folder: Path, expected: Expected | None, cache: HashCache, read: bool = True) -> Checked:
    """Hash every file of `folder` and compare the folder with `expected`.

    A snapshot is compared by stat, a manifest by size and then content; a file found to differ
    by its stat is not read (`files` then lacks it). With nothing expected, only files that
    change while they are read are differences. `read=False` reads only what a manifest asks
    to compare: other files keep the cache's hashes, or none (`Hashed.known` False) until
    whoever needs them reads them."""
    out = Checked()
    seen = set()
    for relative, path in files_of(folder):
        seen.add(relative)
        if _stat_differs(relative, path, expected):
            assert expected is not None
            out.differences.append(_difference(relative, expected))
            continue  # refused anyway: not worth reading
        hashed = cache.read(path) if read or isinstance(expected, Manifest) else cache.cached(path)
        out.files.append((relative, path, hashed))
        if not hashed.stable:
            out.differences.append(f"{relative} changed while it was read")
        elif isinstance(expected, Manifest) and expected.files.get(relative) != (
            hashed.size,
            hashed.sha256,
        ):
            out.differences.append(_difference(relative, expected))
    cache.save()
    if expected is not None:
        out.differences += [f"{p} is missing" for p in sorted(set(expected.files) - seen)]
    out.differences = list(dict.fromkeys(out.differences))
    return out


def _stat_differs(relative: str, path: Path, expected: Expected | None) -> bool:
    """What the stat alone shows: another mtime (snapshot), another size (either)."""
    if expected is None:
        return False
    size, mtime, _ = stamp_of(path)
    if isinstance(expected, Snapshot):
        return expected.files.get(relative) != (size, mtime)
    wanted = expected.files.get(relative)
    return wanted is None or wanted[0] != size


def _difference(relative: str, expected: Expected) -> str:
    return f"{relative} differs" if relative in expected.files else f"{relative} is new"
