"""Temp folders owned by a live hub, and sweeping what hubs that ended left in them.

A `Storage` writes its temp files (uploads and xorbs in flight, repos being made or deleted)
into folders of its own, `tmp/owner-<id>/` and `lfs/tmp/owner-<id>/`, and holds the
inter-process lock `owner.lock` inside each for as long as it lives. The kernel drops that
lock when the process ends, however it ends (SIGKILL included). So a folder whose lock can be
taken belongs to no live hub: it goes at once, whatever the age of its files; and a folder
whose lock is held is never touched, however long its files have been idle. Several hubs on
one root, as processes or as `Storage` objects of one process (each lock is a file
descriptor of its own), thus never remove each other's temp files.

No sweeper can mistake a live folder for a dead one: a folder gets its `owner-` name only
once its lock is held (it is made as `.new-<id>`, locked, then renamed, and the lock goes with
the file), and a sweeper renames a dead one to `.dead-<id>` while it holds the lock, before
removing it. Anything else in a temp directory (what hubs that wrote their temp files there
directly left, a `.new-` folder of a hub killed while making it) goes by age: untouched since
the cutoff.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

from hfgit.fsio import locked

OWNER, NEW, DEAD = "owner-", ".new-", ".dead-"
LOCK = "owner.lock"


class TempDir:
    """A folder under `parent` for this process's temp files, swept only once the process
    has ended or the folder is closed (which removes it; as does collecting this object)."""

    def __init__(self, parent: Path) -> None:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=NEW))
        hold = contextlib.ExitStack()
        try:
            if not hold.enter_context(locked(staging / LOCK, blocking=False)):
                raise OSError(f"cannot lock the new temp folder {staging}")
            self.path = parent / (OWNER + staging.name.removeprefix(NEW))
            os.rename(staging, self.path)
        except BaseException:
            hold.close()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._finalizer = weakref.finalize(self, _release, self.path, hold)

    def close(self) -> None:
        self._finalizer()


def _release(path: Path, hold: contextlib.ExitStack) -> None:
    shutil.rmtree(path, ignore_errors=True)
    hold.close()


def sweep(directory: Path, cutoff: float) -> int:
    """Remove what hubs that ended left in a temp directory: the folders of owners no longer
    alive, whatever their age, and any other entry untouched since `cutoff`. Returns how many
    temp files (or loose entries) went."""
    removed = 0
    for entry in _listdir(directory):
        path = directory / entry
        if entry.startswith(OWNER):
            removed += _sweep_owner(path)
        elif entry.startswith(DEAD):
            removed += _remove(path)
        else:
            with contextlib.suppress(OSError):
                if path.lstat().st_mtime < cutoff:
                    _remove(path)
                    removed += 1
    return removed


def _sweep_owner(folder: Path) -> int:
    """Remove the folder if its owner has ended; how many temp files it held."""
    with locked(folder / LOCK, blocking=False) as free:
        if not free:
            return 0
        grave = folder.with_name(DEAD + folder.name.removeprefix(OWNER))
        try:
            os.rename(folder, grave)
        except OSError:  # removed meanwhile by another sweeper
            return 0
    return _remove(grave)


def _remove(path: Path) -> int:
    """Remove a file or a folder; how many entries a folder held besides its lock."""
    if path.is_dir() and not path.is_symlink():
        held = len([name for name in _listdir(path) if name != LOCK])
        shutil.rmtree(path, ignore_errors=True)
        return held
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return 1


def sweep_atomic_writes(root: Path, cutoff: float) -> int:
    """Remove the temp files of atomic writes (`fsio.write_atomic`: `.<name>.<random>.tmp`)
    that killed hubs left in the `ab/cd` fan-out folders under `root`, untouched since
    `cutoff`: each lives for one write of a small file. Returns how many went."""
    removed = 0
    for folder in _fanout(root):
        for entry in _scan(folder):
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
    return removed


def _fanout(root: Path) -> Iterator[Path]:
    for first in _scan(root):
        if len(first.name) == 2 and first.is_dir(follow_symlinks=False):
            for second in _scan(Path(first.path)):
                if len(second.name) == 2 and second.is_dir(follow_symlinks=False):
                    yield Path(second.path)


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []
