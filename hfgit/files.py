"""The model folder on disk: which files a version holds, and their content hashes.

Files are hashed in one streaming pass (git blob sha1 + sha256, constant memory). A small
cache under the git dir, keyed by path, size, mtime and inode, makes the next push of
unchanged multi-GB weights cost a stat instead of a full read; it also learns the sha256 the
Hub client computes when it uploads a file hfgit did not need to read."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hfgit import fsio
from hfgit.constants import CARD_FILE, METADATA_FILE
from hfgit.errors import ModelFolderError

CHUNK = 1 << 20
CACHE_FILE = "hash-cache.json"  # under the common git dir's hfgit/
ANNOUNCE_BYTES = 256 << 20  # hashing a file this large takes long enough to say so
SKIPPED_DIRS = {".git", ".cache", "__pycache__", ".ipynb_checkpoints"}
GENERATED = {METADATA_FILE, CARD_FILE}
# File systems hold 255 bytes per name; a download into a folder keeps `<name>.metadata`
# and `<name>.lock` beside it, so a published name leaves room for those suffixes.
MAX_NAME_BYTES = 240
# macOS allows 1024 bytes for a whole path, and a download puts the cache folder in front.
MAX_PATH_BYTES = 768


@dataclass(frozen=True)
class LocalFile:
    path_in_repo: str
    source: Path
    size: int
    git_oid: str  # git blob sha1
    sha256: str


def scan(model_dir: Path) -> Iterator[tuple[str, Path]]:
    """(path in repo, file) for every file of the folder.

    Nothing is left out without a word: a symlink must lead to a file inside the folder, a
    FIFO, socket or device is refused, and so is a name the Hub or a file system cannot hold."""
    root = model_dir.resolve()
    for dirpath, dirnames, filenames in os.walk(model_dir, onerror=_unreadable, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for d in list(dirnames):
            _check_inside(Path(dirpath) / d, root, model_dir)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            relative = path.relative_to(model_dir).as_posix()
            _check_inside(path, root, model_dir)
            if relative in GENERATED:
                continue  # hfgit writes these for each version (README.md's text is kept)
            _check_regular(path, model_dir)
            problem = name_problem(relative)
            if problem:
                raise ModelFolderError(
                    f"{_shown(path, model_dir)}: {problem}; rename it, or move it out of the model folder"
                )
            yield relative, path


def name_problem(relative: str) -> str | None:
    """Why the Hub or a common file system cannot hold a file at `relative`, or None."""
    try:
        encoded = relative.encode("utf-8")
    except UnicodeEncodeError:
        return "the name is not valid UTF-8"
    if len(encoded) > MAX_PATH_BYTES:
        return f"the path is {len(encoded)} bytes long, more than {MAX_PATH_BYTES}"
    if "\\" in relative:
        return "the name holds a backslash (a folder separator on Windows)"
    control = next((c for c in relative if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F), None)
    if control is not None:
        return f"the name holds the control character U+{ord(control):04X}"
    for part in relative.split("/"):
        if len(part.encode("utf-8")) > MAX_NAME_BYTES:
            size = len(part.encode("utf-8"))
            return f"a name is {size} bytes long, more than {MAX_NAME_BYTES}"
        if part.rstrip(". ").lower() in (".git", "git~1"):
            return f"{part!r} is git's own folder name, which no git repository can hold"
    return None


def _unreadable(error: OSError) -> None:
    """os.walk skips a folder it cannot list; a version must not lose it silently."""
    raise ModelFolderError(f"cannot read {error.filename}: {error.strerror}") from None


def _check_regular(path: Path, model_dir: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ModelFolderError(
            f"{_shown(path, model_dir)} is a symlink to {os.readlink(path)}, which does not exist: "
            "remove it, or point it at the file"
        ) from None
    except OSError as e:
        raise ModelFolderError(f"cannot read {_shown(path, model_dir)}: {e.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ModelFolderError(
            f"{_shown(path, model_dir)} is a {_kind(mode)}, not a regular file: a version holds "
            "files only; move it out of the model folder"
        )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _shown(path: Path, model_dir: Path) -> str:
    """The path as messages name it (from the model folder's name), on one printable line."""
    text = path.relative_to(model_dir.parent).as_posix()
    return text if text.isprintable() else ascii(text)


def _check_inside(path: Path, root: Path, model_dir: Path) -> None:
    if path.is_symlink():
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a loop of symlinks
            raise ModelFolderError(
                f"{_shown(path, model_dir)} is a symlink that leads back to itself: remove it"
            ) from None
        if target != root and root not in target.parents:
            raise ModelFolderError(
                f"{_shown(path, model_dir)} is a symlink to {target}, outside the model folder: "
                "copy the file in instead"
            )


def hash_bytes(data: bytes) -> tuple[str, str]:
    """(git blob sha1, sha256) of in-memory content."""
    git = hashlib.sha1(b"blob %d\0" % len(data))
    git.update(data)
    return git.hexdigest(), hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Hashed:
    """A file's content hashes and the stat they belong to (size, mtime, inode)."""

    size: int
    mtime_ns: int
    inode: int
    git_oid: str  # "" when not known: not read yet, or only its sha256 was learned
    sha256: str  # "" when not read yet
    stable: bool = True  # False: the file changed while it was read; the hashes mean nothing

    @property
    def stamp(self) -> tuple[int, int, int]:
        return (self.size, self.mtime_ns, self.inode)

    @property
    def known(self) -> bool:
        """False for a file not read yet (`HashCache.cached`): its hashes are empty."""
        return bool(self.sha256)


def stamp_of(path: Path) -> tuple[int, int, int]:
    """(size, mtime in ns, inode): what says a file is untouched since it was hashed."""
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


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
        hashed = self.read(path)
        return hashed.size, hashed.git_oid, hashed.sha256

    def cached(self, path: Path) -> Hashed:
        """The file's hashes when the cache has them for its current stat; else, without
        reading the file, its stat with empty hashes (`Hashed.known` False)."""
        stamp = stamp_of(path)
        cached = self._entries.get(str(path.resolve()))
        if cached is not None and tuple(cached[:3]) == stamp:
            return Hashed(*stamp, str(cached[3]), str(cached[4]))
        return Hashed(*stamp, "", "")

    def read(self, path: Path, git_oid: bool = False) -> Hashed:
        """The file's hashes: from the cache while its stat is unchanged, else read in full.
        A sha256 learned from an upload comes without a git oid: `git_oid=True` reads the file
        when the cache lacks it.

        A file whose stat changed while it was read comes back `stable=False` and is not
        remembered: its hashes describe no content that exists."""
        stamp = stamp_of(path)
        key = str(path.resolve())
        cached = self._entries.get(key)
        if cached is not None and tuple(cached[:3]) == stamp and (cached[3] or not git_oid):
            return Hashed(*stamp, str(cached[3]), str(cached[4]))
        if self._on_hash is not None and stamp[0] >= ANNOUNCE_BYTES:
            self._on_hash(path, stamp[0])
        git = hashlib.sha1(b"blob %d\0" % stamp[0])
        sha = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                git.update(chunk)
                sha.update(chunk)
        stable = stamp_of(path) == stamp
        if stable:
            self._entries[key] = [*stamp, git.hexdigest(), sha.hexdigest()]
            self._dirty = True
        return Hashed(*stamp, git.hexdigest(), sha.hexdigest(), stable)

    def learn(self, path: Path, stamp: tuple[int, int, int], sha256: str) -> None:
        """Remember `sha256`, computed elsewhere (by the Hub client for an upload), as the
        content of `path` while its stat is `stamp`; its git oid stays unknown. Nothing is
        remembered for a file whose stat is no longer `stamp`."""
        try:
            if stamp_of(path) != stamp:
                return
        except OSError:
            return
        key = str(path.resolve())
        cached = self._entries.get(key)
        git_oid = cached[3] if cached is not None and tuple(cached[:3]) == stamp else ""
        self._entries[key] = [*stamp, git_oid, sha256]
        self._dirty = True

    def adopt(self, copy: Path, source: Hashed) -> None:
        """Remember `copy` as holding `source`'s content (a copy made while `source` stood
        still), so that the copy is not read again to learn what it holds."""
        self._entries[str(copy.resolve())] = [*stamp_of(copy), source.git_oid, source.sha256]
        self._dirty = True

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
