"""Which LFS objects one repo may use: the per-repo index that makes LFS objects private.

The LFS store is shared and content-addressed, so knowing a sha256 must never be enough to
read its bytes. A repo may use an object only if

- it was uploaded to that repo (batch + PUT of the bytes, checked against the sha256), or
- a commit of that repo references it, which the commit endpoint allows only for objects
  uploaded to the repo or committed into another repo the committer can read (what the Hub
  allows: whoever can read a file can copy it).

The index lives in the bare repo as one empty marker file per object,
`hub-lfs/uploaded/<oid>` and `hub-lfs/committed/<oid>`: adding one is atomic and costs no
rewrite of a growing file, a lookup is a `stat`, and deleting the repo deletes its index, which
is what makes its objects collectable (see `gc`). Markers are only ever added while the repo
exists; whatever is served or committed consults them, never the store alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pygit2

from hfgit.server.lfs import MAX_POINTER_SIZE, parse_pointer

INDEX_DIR = "hub-lfs"
UPLOADED = "uploaded"
COMMITTED = "committed"
_OID = re.compile(r"[0-9a-f]{64}")


class RepoObjects:
    """The index of one repo: `oid in objects` is "this repo may serve those bytes"."""

    def __init__(self, repo_path: Path) -> None:
        self.root = repo_path / INDEX_DIR
        self._known: set[str] = set()

    @property
    def exists(self) -> bool:
        return self.root.is_dir()

    def __contains__(self, oid: object) -> bool:
        if not isinstance(oid, str) or not _OID.fullmatch(oid):
            return False
        if oid in self._known:
            return True
        found = any((self.root / state / oid).exists() for state in (UPLOADED, COMMITTED))
        if found:
            self._known.add(oid)
        return found

    def committed(self, oid: str) -> bool:
        """Referenced by a commit of this repo (what others who can read it may copy)."""
        return bool(_OID.fullmatch(oid)) and (self.root / COMMITTED / oid).exists()

    def all(self) -> set[str]:
        """Every object of the index (for the collector)."""
        found: set[str] = set()
        for state in (UPLOADED, COMMITTED):
            with contextlib.suppress(FileNotFoundError):
                found.update(name for name in os.listdir(self.root / state) if _OID.fullmatch(name))
        return found

    def add(self, oids: Iterable[str], state: str) -> None:
        """Record `oids` (call with the repo lock held, and the store's collector guard)."""
        add_markers(self.root / state, oids)
        self._known.update(oids)

    def forget(self, oids: Iterable[str]) -> None:
        """Drop `oids` from the index (history rewritten without them; call with the repo
        lock held): once no other repo indexes them, the collector may remove them."""
        for oid in oids:
            if _OID.fullmatch(oid):
                for state in (UPLOADED, COMMITTED):
                    (self.root / state / oid).unlink(missing_ok=True)
                self._known.discard(oid)


def add_markers(folder: Path, oids: Iterable[str]) -> None:
    """Create one empty marker per oid, then make the folder durable.

    An empty file needs no content write, so creating it is atomic on its own (it exists or
    it does not); one fsync of the folder then makes all the new names durable together.
    """
    folder.mkdir(exist_ok=True)  # never parents: that would recreate a deleted repo's folder
    added = False
    for oid in oids:
        if not _OID.fullmatch(oid):
            raise ValueError(f"not a sha256 oid: {oid!r}")
        marker = folder / oid
        if not marker.exists():
            os.close(os.open(marker, os.O_CREAT | os.O_WRONLY, 0o644))
            added = True
    if added:
        _fsync_dir(folder)


def build_index(repo_path: Path, git: pygit2.Repository, stored: Iterable[str]) -> None:
    """Create the index of a repo made before indexes existed (call with the repo lock held).

    Every pointer in its history whose object is in the store counts as committed: those
    objects were served by this repo until now. Built aside, then renamed into place.
    """
    target = repo_path / INDEX_DIR
    if target.is_dir():
        return
    oids = set(pointer_oids(git)) & set(stored)
    staging = Path(tempfile.mkdtemp(dir=repo_path, prefix=f".{INDEX_DIR}-"))
    try:
        (staging / UPLOADED).mkdir()
        add_markers(staging / COMMITTED, oids)
        os.rename(staging, target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _fsync_dir(repo_path)


def pointer_oids(git: pygit2.Repository) -> Iterator[str]:
    """The oids of all LFS pointers in all commits reachable from any ref (iterative)."""
    walker = git.walk(None)
    for name in git.references:
        with contextlib.suppress(pygit2.GitError, KeyError, ValueError):
            target = git.references[name].peel(pygit2.Commit)
            walker.push(target.id)
    seen: set[pygit2.Oid] = set()
    odb = git.odb
    for commit in walker:
        pending = [commit.tree_id]
        while pending:
            tree_id = pending.pop()
            if tree_id in seen:
                continue
            seen.add(tree_id)
            tree = git.get(tree_id)
            if not isinstance(tree, pygit2.Tree):
                continue
            for entry in tree:
                if isinstance(entry, pygit2.Tree):
                    pending.append(entry.id)
                elif isinstance(entry, pygit2.Blob) and entry.id not in seen:
                    seen.add(entry.id)
                    _, size = odb.read_header(entry.id)
                    if size <= MAX_POINTER_SIZE:
                        pointer = parse_pointer(entry.data)
                        if pointer:
                            yield pointer[0]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
