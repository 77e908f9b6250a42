"""An opened Hub repo: id, metadata, pygit2 handle, LFS index, and its lock."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2

from hfgit.fsio import locked
from hfgit.server.naming import KIND_PREFIX, is_hex_prefix
from hfgit.server.problems import repo_not_found
from hfgit.server.repoobjects import RepoObjects

META_FILE = "hub-meta.json"


def signature(user: str) -> pygit2.Signature:
    return pygit2.Signature(user, f"{user}@users.noreply.hub.local", int(time.time()), 0)


@dataclass
class HubRepo:
    """An opened Hub repo: its id, kind, metadata and pygit2 handle (one per request)."""

    kind: str
    repo_id: str
    path: Path
    meta: dict[str, Any]
    git: pygit2.Repository
    lock_file: Path
    objects: RepoObjects = field(init=False)

    def __post_init__(self) -> None:
        self.objects = RepoObjects(self.path)

    @property
    def key(self) -> str:
        """`models/alice/demo`: names the repo in signed URLs and on disk."""
        return f"{self.kind}s/{self.repo_id}"

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
        """Serialize ref and index updates of this repo across threads and processes.

        The lock file lives outside the repo (so that locking never recreates a deleted repo's
        folder); a repo deleted while this request waited is a 404.
        """
        with held(self.lock_file):
            if not (self.path / META_FILE).exists():
                raise repo_not_found(self.repo_id)
            yield


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def held(lock_file: Path) -> Iterator[None]:
    """A thread lock (one server) and the file lock (other processes on the same root).

    Two file locks on one path do not exclude each other inside one process on every
    platform, hence the thread lock first.
    """
    with _LOCKS_GUARD:
        thread_lock = _LOCKS.setdefault(str(lock_file), threading.Lock())
    with thread_lock, locked(lock_file):
        yield


def _peel_commit(obj: object) -> pygit2.Commit | None:
    if isinstance(obj, pygit2.Tag):
        obj = obj.peel(pygit2.Commit)
    return obj if isinstance(obj, pygit2.Commit) else None
