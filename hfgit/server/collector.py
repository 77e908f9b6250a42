"""Removing LFS objects that no repo uses any more, and temp files of dead uploads.

Safe while a hub serves the same root (in this process or another):

1. Mark: the union of every repo's LFS index (`repoobjects`). Indexes only grow while their
   repo exists and vanish with it (or lose, when a branch's history is squashed, the objects
   no ref of the repo references any more), so an object outside all of them is used by no
   repo now.
2. Sweep: an unmarked object is removed only if its mtime is older than `start - grace`, and
   the check and the unlink happen under the collector guard.

Everything that makes a repo use an object first gives it a fresh mtime under that same
guard (publishing an upload, or touching each object a commit claims), then adds the repo's
index marker (an upload in the same guarded section, a commit once its tree is written, before
its ref moves). So for any object a repo is about to use, either the marker existed when the
mark read that index (marked, kept), or the touch came shortly before the mark or after it
(mtime newer than the cutoff, kept, as long as `grace` exceeds the time between touch and
marker: milliseconds, a commit's tree writing at most), or the sweep removed it first, in
which case the commit finds it gone and refuses it as never uploaded, and an upload simply
publishes its bytes again.

Temp files: those in the folders of hubs that have ended, whatever their age, never those of a
live hub (`tempdirs`), and loose ones or atomic writes' under `xet/` untouched for `grace`.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from hfgit.server.storage import Storage

GRACE = 3600.0
BATCH = 256
log = logging.getLogger("hfgit.server")


@dataclass(frozen=True)
class Collected:
    repos: int
    objects: int
    bytes: int
    temp_files: int

    def summary(self) -> str:
        return (
            f"removed {self.objects} unreferenced LFS object(s) ({self.bytes} bytes) and "
            f"{self.temp_files} stale temp file(s); {self.repos} repo(s) checked"
        )


def collect(storage: Storage, grace: float = GRACE, now: float | None = None) -> Collected:
    """Remove unreferenced LFS objects and stale temp files older than `grace` seconds."""
    cutoff = (time.time() if now is None else now) - grace
    repos, live = 0, set()
    for repo in storage.repos():
        repos += 1
        live |= repo.objects.all()
    candidates = [oid for oid in storage.lfs.oids() if oid not in live]
    objects = freed = 0
    for start in range(0, len(candidates), BATCH):  # let commits and uploads in between
        with storage.collector_guard():
            for oid in candidates[start : start + BATCH]:
                size = _remove_if_older(storage, oid, cutoff)
                if size is not None:
                    objects += 1
                    freed += size
    temps = storage.clear_temps(cutoff)
    return Collected(repos, objects, freed, temps)


def _remove_if_older(storage: Storage, oid: str, cutoff: float) -> int | None:
    """Unlink the object if untouched since `cutoff` (under the guard); its size if removed."""
    path = storage.lfs.path(oid)
    try:
        stat = path.stat()
        if stat.st_mtime >= cutoff:
            return None
        os.unlink(path)
    except FileNotFoundError:
        return None
    return stat.st_size


def collect_in_background(storage: Storage, grace: float = GRACE) -> None:
    """The sweep at start of a server: logged, never fatal."""
    try:
        log.info("gc: %s", collect(storage, grace).summary())
    except Exception as e:  # a background chore: report it, never take the server down
        log.warning("gc: collection stopped: %s", e)
