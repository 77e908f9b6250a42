"""Hashing ahead: `git hf push` starts reading the sha256 of the large files it will probably
upload in a background thread, before it has imported the Hub client or asked the Hub
anything, so that the hashing overlaps that start-up instead of following it.

Only where the upload is sure to go through LFS (the user turned Xet off, or hf_xet is not
installed): LFS declares a file's sha256 before sending its bytes, so without this the client
reads the whole file once more right before the upload; over Xet the upload hashes as it
reads, and nothing is done here. A file is hashed ahead when it is larger than a commit
carries inline, is in the folder of a model being pushed, and the hash cache has no sha256
for its current stat.

A result holds only for the stat the file had both before and after it was read: a file that
changed meanwhile gets none, and is hashed the usual way. The Hub still checks every uploaded
byte against the declared sha256. Best effort throughout: whatever goes wrong here, the push
goes on as it would without it. The thread is a daemon: a push that ends early (nothing to
publish, an error) does not wait for it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hfgit.constants import CONFIG_FILE, ENV_DISABLE_XET, ENV_TRUE, INLINE_MAX_BYTES
from hfgit.files import CACHE_FILE, HashCache, scan, stamp_of

READ_SIZE = 4 << 20

Stamp = tuple[int, int, int]


@dataclass
class _Job:
    path: Path
    stamp: Stamp
    done: threading.Event = field(default_factory=threading.Event)
    sha256: str | None = None  # None once done: unreadable, or changed while read


_jobs: dict[str, _Job] = {}  # resolved path -> the latest job for it
_lock = threading.Lock()


def start(cwd: Path, models: Collection[str] | None = None) -> int:
    """Begin hashing the large files of the repository's model folders (those of `models`,
    by name, when given) in the background; returns how many files it will hash."""
    if not lfs_certain():
        return 0
    try:
        paths = list(_candidates(cwd, models))
    except Exception:  # best effort: the push itself says what is wrong with the repository
        return 0
    return hash_in_background(paths)


def lfs_certain() -> bool:
    """Whether large files are sure to be uploaded through LFS, not Xet."""
    if os.environ.get(ENV_DISABLE_XET, "").lower() in ENV_TRUE:
        return True
    return importlib.util.find_spec("hf_xet") is None


def hash_in_background(paths: Iterable[Path]) -> int:
    """Hash `paths` one after the other in a daemon thread; returns how many were queued."""
    queued = []
    with _lock:
        for path in paths:
            try:
                stamp = stamp_of(path)
            except OSError:
                continue
            key = str(path.resolve())
            known = _jobs.get(key)
            if known is not None and known.stamp == stamp:
                continue
            _jobs[key] = job = _Job(path, stamp)
            queued.append(job)
    if queued:
        threading.Thread(target=_run, args=(queued,), name="hfgit-prehash", daemon=True).start()
    return len(queued)


def result(path: Path, stamp: Stamp) -> str | None:
    """The sha256 hashed ahead for `path` while it had `stamp`, waiting for it if it is being
    read; None when it was not hashed ahead at that stat (or changed while read)."""
    with _lock:
        job = _jobs.get(str(path.resolve()))
    if job is None or job.stamp != stamp:
        return None
    job.done.wait()
    return job.sha256


def _candidates(cwd: Path, models: Collection[str] | None) -> Iterable[Path]:
    from hfgit.config import load_config
    from hfgit.gitrepo import GitRepo
    from hfgit.pins import state_dir

    repo = GitRepo.discover(cwd)  # the push finds it again: one `git rev-parse`, ~2 ms
    config = load_config(repo.root / CONFIG_FILE)
    cache = HashCache(state_dir(repo.git_dir) / CACHE_FILE)
    for each in config.each():
        if models is not None and each.label not in models:
            continue
        folder = repo.root / each.model_dir
        if not folder.is_dir():
            continue
        for _, path in scan(folder):
            hashed = cache.cached(path)
            if hashed.size > INLINE_MAX_BYTES and not hashed.known:
                yield path


def _run(jobs: list[_Job]) -> None:
    buffer = bytearray(READ_SIZE)
    view = memoryview(buffer)
    for job in jobs:
        try:
            job.sha256 = _sha256(job.path, job.stamp, view)
        except OSError:
            job.sha256 = None
        finally:
            job.done.set()


def _sha256(path: Path, stamp: Stamp, view: memoryview) -> str | None:
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f:
        while read := f.readinto(view):
            digest.update(view[:read])
    return digest.hexdigest() if stamp_of(path) == stamp else None
