"""On-disk state of the hub: one bare git repo per Hub repo, plus the shared LFS store.

Layout under `root`: `repos/{models|datasets}/{ns}/{name}.git` (bare repos, `git clone`-able),
`lfs/ab/cd/<sha256>`, `tmp/`. Repo metadata (owner, private flag) is a small JSON file inside
the bare repo, written atomically. Repos are created in `tmp/` and renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

try:
    import fcntl
except ImportError:  # not POSIX: the in-process lock below still serializes one server
    fcntl = None  # type: ignore[assignment]

from hfgit.server.gitattributes import default_gitattributes
from hfgit.server.lfs import LfsStore
from hfgit.server.naming import KIND_PREFIX, is_hex_prefix

META_FILE = "hub-meta.json"
DEFAULT_BRANCH = "main"


def signature(user: str) -> pygit2.Signature:
    return pygit2.Signature(user, f"{user}@users.noreply.hub.local", int(time.time()), 0)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass
class HubRepo:
    """An opened Hub repo: its id, kind, metadata and pygit2 handle (one per request)."""

    kind: str
    repo_id: str
    path: Path
    meta: dict[str, Any]
    git: pygit2.Repository

    @property
    def private(self) -> bool:
        return bool(self.meta.get("private"))

    @property
    def owner(self) -> str:
        return str(self.meta.get("owner") or self.repo_id.split("/")[0])

    @property
    def url_path(self) -> str:
        return KIND_PREFIX[self.kind] + self.repo_id

    def resolve(self, revision: str) -> pygit2.Commit | None:
        """Branch, tag, `refs/...` name, full commit id or unique short commit id."""
        names = [f"refs/heads/{revision}", f"refs/tags/{revision}"]
        if revision.startswith("refs/"):
            names.insert(0, revision)
        for name in names:
            if pygit2.reference_is_valid_name(name) and name in self.git.references:
                return _peel_commit(self.git.references[name].peel())
        if is_hex_prefix(revision):
            with contextlib.suppress(KeyError, ValueError, pygit2.GitError):
                return _peel_commit(self.git.revparse_single(revision.lower()))
        return None

    def branch_ref(self, revision: str) -> str | None:
        """The full ref name a commit on `revision` updates (branches and refs/pr/N only)."""
        for name in (f"refs/heads/{revision}", revision):
            if name.startswith(("refs/heads/", "refs/pr/")) and (
                pygit2.reference_is_valid_name(name) and name in self.git.references
            ):
                return name
        return None

    def ref_target(self, name: str) -> str | None:
        try:
            return str(self.git.references[name].target)
        except KeyError:
            return None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Serialize ref updates of this repo across threads (and processes, on POSIX)."""
        with _thread_lock(self.path), open(self.path / "hub.lock", "a") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path), threading.Lock())


def _peel_commit(obj: object) -> pygit2.Commit | None:
    if isinstance(obj, pygit2.Tag):
        obj = obj.peel(pygit2.Commit)
    return obj if isinstance(obj, pygit2.Commit) else None


class Storage:
    """All repos and LFS objects under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        for sub in ("repos/models", "repos/datasets", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.lfs = LfsStore(self.root / "lfs")
        self._lock = threading.Lock()
        for leftovers in (self.tmp, self.lfs.tmp):
            _sweep(leftovers, max_age=24 * 3600)

    def repo_dir(self, kind: str, repo_id: str) -> Path:
        return self.root / "repos" / f"{kind}s" / f"{repo_id}.git"

    def open(self, kind: str, repo_id: str) -> HubRepo | None:
        path = self.repo_dir(kind, repo_id)
        try:
            meta = json.loads((path / META_FILE).read_text())
        except (OSError, ValueError):
            return None
        return HubRepo(kind, repo_id, path, meta, pygit2.Repository(str(path)))

    def create(self, kind: str, repo_id: str, owner: str, private: bool) -> HubRepo | None:
        """Create a repo with its initial commit; None if it already exists."""
        final = self.repo_dir(kind, repo_id)
        with self._lock:
            if final.exists():
                return None
            staging = Path(tempfile.mkdtemp(dir=self.tmp, prefix="repo-")) / "repo.git"
            git = pygit2.init_repository(str(staging), bare=True, initial_head="main")
            _initial_commit(git, kind, owner)
            meta = {"owner": owner, "private": private, "createdAt": time.time()}
            write_json_atomic(staging / META_FILE, meta)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError:  # created meanwhile by another process on the same root
                return None
            finally:
                shutil.rmtree(staging.parent, ignore_errors=True)
        return self.open(kind, repo_id)

    def delete(self, kind: str, repo_id: str) -> bool:
        """Remove a repo at once (rename away, then delete); False if it did not exist."""
        path = self.repo_dir(kind, repo_id)
        trash = self.tmp / f"deleted-{uuid.uuid4().hex}"
        with self._lock:
            try:
                os.rename(path, trash)
            except FileNotFoundError:
                return False
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def update_meta(self, repo: HubRepo, **changes: Any) -> None:
        repo.meta.update(changes)
        write_json_atomic(repo.path / META_FILE, repo.meta)


def _sweep(directory: Path, max_age: float) -> None:
    """Remove what a killed server left in a temp directory (old entries only: another
    process on the same root may be using the recent ones)."""
    cutoff = time.time() - max_age
    for entry in directory.iterdir():
        with contextlib.suppress(OSError):
            if entry.lstat().st_mtime < cutoff:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()


def _initial_commit(git: pygit2.Repository, kind: str, owner: str) -> None:
    blob = git.create_blob(default_gitattributes(kind).encode())
    builder = git.TreeBuilder()
    builder.insert(".gitattributes", blob, pygit2.GIT_FILEMODE_BLOB)
    sig = signature(owner)
    git.create_commit(
        f"refs/heads/{DEFAULT_BRANCH}", sig, sig, "initial commit", builder.write(), []
    )
