"""Kept copies: an immutable copy of the model folder per unpublished version, so that a
queued version survives the next training run (`git hf record --keep`, keep_until_published).

A copy lives in `<common git dir>/hfgit/keep/<id>/`, is made with a reflink where the file
system has them (a copy-on-write clone: instant, and no space until the original is
rewritten), else copied, and its files are read-only. A copy is complete once its `.complete`
marker (`keep/<id>.complete`, beside it) exists; it is dropped once no unpublished version
uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hfgit.errors import ModelFolderError
from hfgit.files import HashCache, Hashed, stamp_of

KEEP_DIR = "keep"
COMPLETE = ".complete"
FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)
STALE_PARTIAL = 3600.0  # seconds: an incomplete copy this old was left by a killed process
FRESH = 600.0  # seconds: a copy this young may belong to a record still being written


@dataclass(frozen=True)
class Kept:
    id: str
    path: Path
    reflinked: bool  # every file was cloned, none copied byte by byte


class ChangedWhileCopied(ModelFolderError):
    """A file changed while it was being copied: the copy holds no version."""


def store(state_dir: Path) -> Path:
    return state_dir / KEEP_DIR


def path_of(state_dir: Path, kept_id: object) -> Path | None:
    """The complete copy `kept_id`, or None."""
    if not isinstance(kept_id, str) or not _valid_id(kept_id):
        return None
    path = store(state_dir) / kept_id
    return path if _marker(path).is_file() and path.is_dir() else None


def keep_files(
    state_dir: Path,
    kept_id: str,
    files: Iterable[tuple[str, Path, tuple[int, int]]],
    cache: HashCache | None = None,
    hashes: dict[str, Hashed] | None = None,
) -> Kept:
    """Copy each (path in the folder, file, (size, mtime_ns) it must still have) into copy
    `kept_id`.

    A file whose stat differs before or after its copy raises ChangedWhileCopied (and the
    partial copy is removed). With `hashes` (by path) the cache learns that each copy holds
    what its source held, so the copy is never read to be checked."""
    target = store(state_dir) / kept_id
    existing = path_of(state_dir, kept_id)
    if existing is not None:
        return Kept(kept_id, existing, reflinked=True)
    drop(state_dir, kept_id)
    target.mkdir(parents=True)
    reflinked = True
    try:
        for relative, source, stamp in files:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if stamp_of(source)[:2] != stamp:
                raise ChangedWhileCopied(f"{relative} changed before it could be kept")
            reflinked = _clone(source, destination) and reflinked
            if stamp_of(source)[:2] != stamp:
                raise ChangedWhileCopied(f"{relative} changed while it was being kept")
            os.chmod(destination, 0o444)
            if cache is not None and hashes is not None and relative in hashes:
                cache.adopt(destination, hashes[relative])
        _marker(target).write_text(f"{time.time():.0f}\n")
    except BaseException:
        drop(state_dir, kept_id)
        raise
    if cache is not None:
        cache.save()
    return Kept(kept_id, target, reflinked)


def drop(state_dir: Path, kept_id: str) -> None:
    if _valid_id(kept_id):
        path = store(state_dir) / kept_id
        with contextlib.suppress(OSError):
            _marker(path).unlink()  # first: a half-removed copy is no copy
        shutil.rmtree(path, ignore_errors=True)


def sweep(state_dir: Path, live: set[str], fresh: float = FRESH) -> list[str]:
    """Drop the copies not in `live` (older than `fresh` seconds: a record that just kept one
    may not have written its id yet), and partial copies a killed process left."""
    dropped: list[str] = []
    try:
        entries = list(store(state_dir).iterdir())
    except OSError:
        return dropped
    for entry in entries:
        if entry.name in live or not entry.is_dir():
            continue
        age = time.time() - _mtime(entry)
        if age > (fresh if _marker(entry).is_file() else STALE_PARTIAL):
            drop(state_dir, entry.name)
            dropped.append(entry.name)
    return dropped


def _clone(source: Path, destination: Path) -> bool:
    """Copy one file, sharing its blocks when the file system can; True when it did.
    Metadata (mtime, mode) is copied too, so a snapshot's stat still matches."""
    with source.open("rb") as src, destination.open("xb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
            cloned = True
        except OSError:
            cloned = False
            _copy_range(src.fileno(), dst.fileno(), os.fstat(src.fileno()).st_size)
    shutil.copystat(source, destination)
    return cloned


def _copy_range(src: int, dst: int, size: int) -> None:
    """In the kernel where it can (copy_file_range may share blocks too), else in Python."""
    copied = 0
    copy_range = getattr(os, "copy_file_range", None)  # Linux only
    with contextlib.suppress(OSError):
        while copy_range is not None and copied < size:
            step = copy_range(src, dst, size - copied)
            if step == 0:
                break
            copied += step
    if copied < size:
        os.lseek(src, copied, os.SEEK_SET)
        os.lseek(dst, copied, os.SEEK_SET)
        while chunk := os.read(src, 1 << 20):
            view = memoryview(chunk)
            while view:
                view = view[os.write(dst, view) :]


def _marker(copy: Path) -> Path:
    return copy.with_name(copy.name + COMPLETE)


def _valid_id(kept_id: str) -> bool:
    return bool(kept_id) and "/" not in kept_id and not kept_id.startswith(".")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
