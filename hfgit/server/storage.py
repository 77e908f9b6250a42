"""On-disk state of the hub: one bare git repo per Hub repo, plus the shared content stores.

Layout under `root`: `repos/{models|datasets}/{ns}/{name}.git` (bare repos, `git clone`-able,
each with its metadata `hub-meta.json` and LFS index `hub-lfs/`), `lfs/ab/cd/<sha256>` (the
shared store), `xet/` (xorbs and files uploaded over Xet, `xetstore`), `locks/` (per-repo
lock files), `gc.lock`, and the temp folders `tmp/` and `lfs/tmp/`, where each hub writes into
folders of its own (`tempdirs`). Metadata is written atomically; repos are created in a temp
folder and renamed into place. At start, what a killed server left is cleared: the temp
folders of hubs that have ended, and git's lock files of refs it was moving.

The content of an LFS pointer (by sha256) is an LFS object or a file registered over Xet;
which repos may use it is the same per-repo index either way (`repoobjects`).
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pygit2

from hfgit.fsio import write_atomic
from hfgit.server.gitattributes import default_gitattributes
from hfgit.server.hubrepo import META_FILE, HubRepo, held, signature
from hfgit.server.lfs import LfsStore
from hfgit.server.messages import FileRegion, Stream
from hfgit.server.naming import REPO_KINDS, is_valid_segment
from hfgit.server.problems import ApiError, repo_not_found
from hfgit.server.reponames import RepoNames
from hfgit.server.repoobjects import COMMITTED, INDEX_DIR, UPLOADED, build_index
from hfgit.server.shardformat import Shard
from hfgit.server.tempdirs import TempDir, sweep
from hfgit.server.xetread import XetRange
from hfgit.server.xetshards import verified_files
from hfgit.server.xetstore import XetStore
from hfgit.server.xettokens import XetTokens

__all__ = ["DEFAULT_BRANCH", "META_FILE", "HubRepo", "Storage", "signature"]

DEFAULT_BRANCH = "main"
TEMP_GRACE = 3600.0  # seconds: a loose temp file (outside any hub's folder) this old is dead


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data))


class Storage:
    """All repos and LFS objects under one root directory."""

    def __init__(self, root: Path, *, sweep_temps: bool = True) -> None:
        self.root = Path(root)
        for sub in ("repos/models", "repos/datasets"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.temps = TempDir(self.root / "tmp")  # this hub's own: swept once it has ended
        self.tmp = self.temps.path
        self.lfs = LfsStore(self.root / "lfs")
        self.xet = XetStore(self.root / "xet", self.tmp)
        self.xet_tokens = XetTokens(self.root / "xet" / "secret", self.xet.instance)
        self.names = RepoNames(self.root)
        self._lock = threading.Lock()
        if sweep_temps:  # what a killed server left (the collector sweeps on its own)
            self._sweep_temp_folders(time.time() - TEMP_GRACE)
            self.clear_ref_locks()

    def clear_temps(self, cutoff: float) -> int:
        """Remove the temp files no live hub owns: those in the folders of hubs that have
        ended (whatever their age) and loose ones untouched since `cutoff` (`tempdirs`), and
        the temp files of atomic writes under `xet/` untouched since `cutoff`. Returns how
        many went."""
        return self._sweep_temp_folders(cutoff) + self.xet.clear_leftovers(cutoff)

    def _sweep_temp_folders(self, cutoff: float) -> int:
        return sweep(self.temps.path.parent, cutoff) + sweep(self.lfs.temps.path.parent, cutoff)

    def clear_ref_locks(self) -> int:
        """Remove the lock files git left in repos when a server was killed while it moved a
        ref (`refs/heads/main.lock`: every later update of that ref would fail). Every ref
        update of a repo holds its lock (API commits, ref endpoints, git pushes), so under
        that lock any such file is a dead one. Returns how many went."""
        removed = 0
        for kind, repo_id, path in self._repo_dirs():
            with held(self._lock_file(kind, repo_id)):
                removed += clear_git_locks(path)
        return removed

    def repo_dir(self, kind: str, repo_id: str) -> Path:
        return self.root / "repos" / f"{kind}s" / f"{repo_id}.git"

    def _lock_file(self, kind: str, repo_id: str) -> Path:
        return self.root / "locks" / f"{kind}s" / f"{repo_id}.lock"

    def open(self, kind: str, repo_id: str) -> HubRepo | None:
        """The repo `repo_id` names ignoring case (or moved from), under its canonical id."""
        canonical = self.names.find(kind, repo_id)
        if canonical is None:
            return None
        repo_id, path = canonical, self.repo_dir(kind, canonical)
        try:
            meta = json.loads((path / META_FILE).read_text())
        except (OSError, ValueError):
            return None
        git = pygit2.Repository(str(path))
        repo = HubRepo(kind, repo_id, path, meta, git, self._lock_file(kind, repo_id))
        if not repo.objects.exists:  # made before per-repo LFS indexes: build it once
            try:
                with repo.lock():
                    build_index(path, repo.git, self.lfs.oids())
            except (ApiError, FileNotFoundError):  # deleted meanwhile
                return None
        return repo

    def open_key(self, key: str) -> HubRepo | None:
        """The repo a signed URL names (`models/alice/demo`), if it still exists."""
        parts = key.split("/")
        if len(parts) != 3 or parts[0] not in REPO_KINDS:
            return None
        if not (is_valid_segment(parts[1]) and is_valid_segment(parts[2])):
            return None
        return self.open(REPO_KINDS[parts[0]], f"{parts[1]}/{parts[2]}")

    def repos(self) -> Iterator[HubRepo]:
        """Every repo on this root (those deleted meanwhile are skipped)."""
        for kind, repo_id, _ in self._repo_dirs():
            repo = self.open(kind, repo_id)
            if repo is not None:
                yield repo

    def _repo_dirs(self) -> Iterator[tuple[str, str, Path]]:
        for kind_dir, kind in REPO_KINDS.items():
            for namespace in _listdir(self.root / "repos" / kind_dir):
                for name in _listdir(self.root / "repos" / kind_dir / namespace):
                    if name.endswith(".git"):
                        path = self.root / "repos" / kind_dir / namespace / name
                        yield kind, f"{namespace}/{name.removesuffix('.git')}", path

    def create(self, kind: str, repo_id: str, owner: str, private: bool) -> HubRepo | None:
        """Create a repo with its initial commit; None if it already exists (ignoring case)."""
        final = self.repo_dir(kind, repo_id)
        with self._lock, self.names.lock():
            if final.exists() or self.names.existing(kind, repo_id) is not None:
                return None
            staging = Path(tempfile.mkdtemp(dir=self.tmp, prefix="repo-")) / "repo.git"
            git = pygit2.init_repository(str(staging), bare=True, initial_head="main")
            _initial_commit(git, kind, owner)
            for state in (UPLOADED, COMMITTED):
                (staging / INDEX_DIR / state).mkdir(parents=True)
            meta = {"owner": owner, "private": private, "createdAt": time.time()}
            write_json(staging / META_FILE, meta)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError:  # created meanwhile by another process on the same root
                return None
            finally:
                shutil.rmtree(staging.parent, ignore_errors=True)
            self.names.forget(kind, repo_id)  # a new repo ends a redirect from its name
        return self.open(kind, repo_id)

    def delete(self, kind: str, repo_id: str) -> bool:
        """Remove a repo at once (rename away, then delete); False if it did not exist.

        Its LFS index goes with it: objects no other repo indexes become collectable.
        """
        path = self.repo_dir(kind, repo_id)
        trash = self.tmp / f"deleted-{uuid.uuid4().hex}"
        with held(self._lock_file(kind, repo_id)), self._lock, self.names.lock():
            try:  # after commits in flight
                os.rename(path, trash)
            except FileNotFoundError:
                return False
            self.names.forget(kind, repo_id)
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def move(self, repo: HubRepo, new_id: str) -> HubRepo | None:
        """Rename a repo to `new_id` (its redirect left behind); None if that name is taken
        by another repo (ignoring case). Commits in flight finish first; those waiting for
        the old name's lock then find no repo there."""
        target = self.repo_dir(repo.kind, new_id)
        with held(repo.lock_file), self._lock, self.names.lock():
            taken = self.names.existing(repo.kind, new_id)
            if taken is not None and taken != repo.repo_id:
                return None
            if not (repo.path / META_FILE).exists():
                raise repo_not_found(repo.repo_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(repo.path, target)
            _remove_empty(repo.path.parent)
            self.names.moved(repo.kind, repo.repo_id, new_id)
        return self.open(repo.kind, new_id)

    def update_meta(self, repo: HubRepo, **changes: Any) -> None:
        repo.meta.update(changes)
        write_json(repo.path / META_FILE, repo.meta)

    @contextlib.contextmanager
    def collector_guard(self) -> Iterator[None]:
        """Held while an object is published or added to an index, and by the collector
        while it removes objects: see `gc` for why this makes collection safe while serving."""
        with held(self.root / "gc.lock"):
            yield

    def receive_upload(
        self, repo_key: str, oid: str, size: int, read: Callable[[int], bytes]
    ) -> None:
        """Store uploaded bytes (checked against `oid`) and let the repo use them."""
        if self.open_key(repo_key) is None:
            raise repo_not_found(repo_key.partition("/")[2])
        tmp = self.lfs.receive(oid, size, read)
        try:
            repo = self.open_key(repo_key)
            if repo is None:  # deleted during the upload: the bytes are garbage
                raise repo_not_found(repo_key.partition("/")[2])
            with repo.lock(), self.collector_guard():
                self.lfs.publish(tmp, oid)
                repo.objects.add([oid], UPLOADED)
        except FileNotFoundError:  # its temp file removed from under it (no hub's sweep does)
            raise ApiError(400, "The upload was idle for too long; send it again") from None
        finally:
            tmp.unlink(missing_ok=True)

    def register_shard(self, repo_key: str, shard: Shard, max_file_bytes: int) -> bool:
        """Register the files of a Xet shard (fully verified first, none over
        `max_file_bytes`) and let the repo use them; True if anything new was recorded."""
        if self.open_key(repo_key) is None:
            raise repo_not_found(repo_key.partition("/")[2])
        files = verified_files(self.xet, shard, max_file_bytes)
        repo = self.open_key(repo_key)
        if repo is None:  # deleted meanwhile
            raise repo_not_found(repo_key.partition("/")[2])
        with repo.lock(), self.collector_guard():
            new = [self.xet.record(sha256, found) for sha256, found in sorted(files.items())]
            fresh = [sha256 for sha256 in files if sha256 not in repo.objects]
            repo.objects.add(sorted(files), UPLOADED)
        return any(new) or bool(fresh)

    def content_size(self, oid: str) -> int | None:
        """Size of the content stored under `oid`: an LFS object, else a Xet file."""
        size = self.lfs.size(oid)
        return size if size is not None else self.xet.file_size(oid)

    def has_content(self, oid: str, size: int | None = None) -> bool:
        stored = self.content_size(oid)
        return stored is not None and (size is None or stored == size)

    def claim(self, oid: str) -> int | None:
        """Size of the content a commit is about to reference, an LFS object touched so that
        the collector spares it (call under the collector guard); None if not stored."""
        size = self.lfs.size(oid)
        if size is not None and self.lfs.touch(oid):
            return size
        return self.xet.file_size(oid)

    def content(self, oid: str, size: int, start: int, length: int) -> FileRegion | Stream | None:
        """`length` bytes from `start` of the content `oid` of `size` bytes, as a body to
        send (only the chunks of a Xet file that the range touches are read); None if absent."""
        if self.lfs.has(oid, size):
            return FileRegion(self.lfs.path(oid), start, length)
        found = self.xet.file(oid)
        if found is None or found.size != size:
            return None
        return XetRange(self.xet, found, start, length)

    def copyable(self, oids: set[str], can_read: Callable[[HubRepo], bool]) -> set[str]:
        """Those of `oids` that a commit of some repo `can_read` admits references."""
        found: set[str] = set()
        for kind, repo_id, path in self._repo_dirs():
            hits = {oid for oid in oids - found if (path / INDEX_DIR / COMMITTED / oid).exists()}
            if hits:
                repo = self.open(kind, repo_id)
                if repo is not None and can_read(repo):
                    found |= hits
            if found == oids:
                break
        return found


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if empty: the namespace of a user's last repo


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def clear_git_locks(repo: Path) -> int:
    """Remove git's ref lock files in the bare repo `repo` (call under the repo's lock)."""
    found = [repo / name for name in _GIT_LOCKS]
    with contextlib.suppress(OSError):
        found += [Path(d) / f for d, _, files in os.walk(repo / "refs") for f in files]
    removed = 0
    for path in found:
        if path.name.endswith(".lock"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed


_GIT_LOCKS = ("HEAD.lock", "packed-refs.lock", "config.lock", "index.lock", "shallow.lock")


def _initial_commit(git: pygit2.Repository, kind: str, owner: str) -> None:
    blob = git.create_blob(default_gitattributes(kind).encode())
    builder = git.TreeBuilder()
    builder.insert(".gitattributes", blob, pygit2.GIT_FILEMODE_BLOB)
    sig = signature(owner)
    git.create_commit(
        f"refs/heads/{DEFAULT_BRANCH}", sig, sig, "initial commit", builder.write(), []
    )
