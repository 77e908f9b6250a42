"""The model folder on disk: which files a version holds, and their content hashes.

Files are hashed in one streaming pass (git blob sha1 + sha256, constant memory). A small
cache under the git dir, keyed by path, size, mtime and inode, makes the next push of
unchanged multi-GB weights cost a stat instead of a full read."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hfgit import fsio
from hfgit.constants import CARD_FILE, METADATA_FILE
from hfgit.errors import ModelFolderError

CHUNK = 1 << 20
ANNOUNCE_BYTES = 256 << 20  # hashing a file this large takes long enough to say so
SKIPPED_DIRS = {".git", ".cache", "__pycache__", ".ipynb_checkpoints"}
GENERATED = {METADATA_FILE, CARD_FILE}


@dataclass(frozen=True)
class LocalFile:
    path_in_repo: str
    source: Path
    size: int
    git_oid: str  # git blob sha1
    sha256: str


def scan(model_dir: Path) -> Iterator[tuple[str, Path]]:
    """(path in repo, file) for every file of the folder. Symlinks must stay inside it."""
    root = model_dir.resolve()
    for dirpath, dirnames, filenames in os.walk(model_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for d in list(dirnames):
            _check_inside(Path(dirpath) / d, root, model_dir)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            relative = path.relative_to(model_dir).as_posix()
            if relative in GENERATED:
                continue  # hfgit writes these for each version
            _check_inside(path, root, model_dir)
            if path.is_file():
                yield relative, path


def _check_inside(path: Path, root: Path, model_dir: Path) -> None:
    if path.is_symlink():
        target = path.resolve()
        if target != root and root not in target.parents:
            raise ModelFolderError(
                f"{path.relative_to(model_dir.parent)} is a symlink to {target}, outside the model folder: "
                "copy the file in instead"
            )


def hash_bytes(data: bytes) -> tuple[str, str]:
    """(git blob sha1, sha256) of in-memory content."""
    git = hashlib.sha1(b"blob %d\0" % len(data))
    git.update(data)
    return git.hexdigest(), hashlib.sha256(data).hexdigest()


class HashCache:
    """(git oid, sha256) per file, remembered across runs while the file is untouched."""

    def __init__(
        self, path: Path | None, on_hash: Callable[[Path, int], None] | None = None
    ) -> None:
        self._path = path
        self._on_hash = on_hash  # told before a large file is read in full
        self._entries: dict[str, list[object]] = {}
        self._dirty = False
        if path is not None and path.is_file():
            try:
                self._entries = json.loads(path.read_text())
            except (OSError, ValueError):
                self._entries = {}

    def hash_file(self, path: Path) -> tuple[int, str, str]:
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        cached = self._entries.get(key)
        if cached is not None and cached[:3] == stamp:
            return st.st_size, str(cached[3]), str(cached[4])
        if self._on_hash is not None and st.st_size >= ANNOUNCE_BYTES:
            self._on_hash(path, st.st_size)
        git = hashlib.sha1(b"blob %d\0" % st.st_size)
        sha = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                git.update(chunk)
                sha.update(chunk)
        self._entries[key] = [*stamp, git.hexdigest(), sha.hexdigest()]
        self._dirty = True
        return st.st_size, git.hexdigest(), sha.hexdigest()

    def save(self) -> None:
        """Write the cache (best effort), forgetting files that no longer exist."""
        if not self._dirty or self._path is None:
            return
        live = {key: entry for key, entry in self._entries.items() if os.path.exists(key)}
        if fsio.try_write_atomic(self._path, json.dumps(live)):
            self._entries, self._dirty = live, False


def local_files(model_dir: Path, cache: HashCache) -> list[LocalFile]:
    out = []
    for relative, path in scan(model_dir):
        size, git_oid, sha256 = cache.hash_file(path)
        out.append(LocalFile(relative, path, size, git_oid, sha256))
    cache.save()
    return out
