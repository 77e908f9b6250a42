"""Xet storage: xorbs as the client sent them, a chunk index per xorb, and registered files.

Layout under the hub's `xet/`: `instance` (a random id written once: it is part of the CAS
URL, so a client's shard cache, keyed by that URL, never refers to the xorbs of a root that
was reset), `secret` (the token key, `xettokens`), `xorbs/ab/cd/<hash>` (a xorb's body, each
chunk and the Merkle hash checked before it is renamed into place) with `<hash>.chunks` (its
chunk index: hash, offset, stored and raw size of every chunk, 48 bytes each), and
`files/ab/cd/<sha256>` (a registered file: size, Xet hash and terms, JSON, written once the
shard naming it was fully verified, see `xetshards`).

Every file is written to a temp file and renamed, so a hub killed at any instant leaves each
whole or absent; what spans two files is read as absent unless both agree: a xorb is stored
only when its body and an index that fits it exactly are both there (the index is written
first), and a record that does not parse is no record. The client's next send then writes
the missing part again.

A registered file is read back by `xetread`. A new version of a file stores only the
xorbs of its new chunks, so storage grows with what changed. Xorbs are kept for as long as
the root exists: clients reference them from their shard cache for weeks, without sending
them again (the collector removes only the temp files a killed hub left under `xet/`).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import re
import secrets
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hfgit.fsio import locked, write_atomic
from hfgit.server.problems import ApiError, bad_request, too_large
from hfgit.server.tempdirs import sweep_atomic_writes
from hfgit.server.xethash import XetFormatError, hex_hash
from hfgit.server.xorbformat import MAX_XORB_BODY, XorbChunk, parse_xorb

READ = 1024 * 1024
_INDEX = struct.Struct("<32sIIIB3x")
_HEX = re.compile(r"[0-9a-f]{64}")
_CACHED_INDEXES = 256


@dataclass(frozen=True)
class Term:
    """Chunks [start, end) of the xorb `xorb` (hex), `size` bytes once unpacked."""

    xorb: str
    start: int
    end: int
    size: int


@dataclass(frozen=True)
class XetFile:
    size: int
    xet_hash: str
    terms: tuple[Term, ...]

    def to_json(self) -> str:
        terms = [[t.xorb, t.start, t.end, t.size] for t in self.terms]
        return json.dumps({"size": self.size, "xetHash": self.xet_hash, "terms": terms})

    @classmethod
    def from_json(cls, text: str) -> XetFile:
        data = json.loads(text)
        terms = tuple(Term(str(x), int(s), int(e), int(n)) for x, s, e, n in data["terms"])
        return cls(int(data["size"]), str(data["xetHash"]), terms)


def write_once(path: Path, make: Callable[[], str]) -> str:
    """The text of `path`, created with `make()` if absent or not a value `make` could have
    written (empty: a crash of an older writer); of racing creators, one wins and every one
    of them reads its text. Temp files a creator killed meanwhile left beside it are removed
    (under the lock every creator holds while its temp file exists)."""
    found = _read_hex(path)
    if found is not None and not _leftovers(path):
        return found
    with locked(path.with_name(f".{path.name}.lock")):
        for stale in _leftovers(path):
            stale.unlink(missing_ok=True)
        found = _read_hex(path)
        if found is None:
            path.unlink(missing_ok=True)
            _link_new(path, make)
    found = _read_hex(path)
    if found is None:
        raise OSError(f"cannot create {path}")
    return found


def _read_hex(path: Path) -> str | None:
    """The hex text of `path`, or None if it is absent or is anything else."""
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return text if re.fullmatch(r"[0-9a-f]{16,128}", text) else None


def _leftovers(path: Path) -> list[Path]:
    """The temp files of `_link_new` beside `path` (not its lock file, nor any of the lock's)."""
    lock = f".{path.name}.lock"
    return [p for p in path.parent.glob(f".{path.name}.*") if not p.name.startswith(lock)]


def _link_new(path: Path, make: Callable[[], str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(make() + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic create-if-absent
    finally:
        os.unlink(tmp)


class XetStore:
    """Xorbs, their chunk indexes and registered files under `root`; temp files in `tmp`."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        root.mkdir(parents=True, exist_ok=True)
        self.instance = write_once(root / "instance", lambda: secrets.token_hex(8))
        self._indexes: dict[str, list[XorbChunk]] = {}
        self._lock = threading.Lock()
        self.received = {"xorb_bytes": 0, "xorbs_stored": 0, "shard_bytes": 0}

    def _fanned(self, kind: str, name: str) -> Path:
        return self.root / kind / name[:2] / name[2:4] / name

    def xorb_path(self, xorb: str) -> Path:
        return self._fanned("xorbs", xorb)

    def index_path(self, xorb: str) -> Path:
        return self._fanned("xorbs", xorb).with_name(f"{xorb}.chunks")

    def has_xorb(self, xorb: str) -> bool:
        """Stored whole: its body and a chunk index that fits it (a crash between the two
        writes, or a damaged index, counts as not stored, so the client's next send heals it)."""
        return self.chunks(xorb) is not None

    def count(self, what: str, amount: int) -> None:
        with self._lock:
            self.received[what] += amount

    def receive_xorb(self, xorb: str, read: Callable[[int], bytes]) -> bool:
        """Store the xorb `xorb` (64 hex) read from `read`, once it checks; False if it was
        already stored (its body is read and dropped). 400 for a bad xorb, 413 if too large."""
        expected = _hash_of(xorb)
        if self.has_xorb(xorb):
            while data := read(READ):
                self.count("xorb_bytes", len(data))
            return False
        with self.spooled(read, MAX_XORB_BODY, "xorb") as (tmp, view):
            try:
                chunks = parse_xorb(view, expected)
            except XetFormatError as e:
                raise bad_request(f"Invalid xorb {xorb}: {e}") from None
            index = b"".join(
                _INDEX.pack(c.hash, c.offset, c.stored_size, c.size, c.scheme) for c in chunks
            )
            write_atomic(self.index_path(xorb), index)
            os.replace(tmp, self.xorb_path(xorb))  # visible only now, whole and checked
        with self._lock:
            self._indexes.pop(xorb, None)
        self.count("xorbs_stored", 1)
        return True

    @contextlib.contextmanager
    def spooled(
        self, read: Callable[[int], bytes], cap: int, what: str
    ) -> Iterator[tuple[Path, mmap.mmap]]:
        """A request body copied to a durable temp file (at most `cap` bytes, else 413),
        mapped read-only; the file is removed afterwards unless it was moved away."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix=f"{what}-")
        try:
            with os.fdopen(fd, "w+b") as out:
                size = 0
                while data := read(READ):
                    size += len(data)
                    self.count(f"{what}_bytes", len(data))
                    if size > cap:
                        raise too_large(cap)
                    out.write(data)
                if size == 0:
                    raise bad_request(f"The {what} is empty")
                out.flush()
                os.fsync(out.fileno())
                with mmap.mmap(out.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    yield Path(tmp_name), view
        finally:
            Path(tmp_name).unlink(missing_ok=True)

    def chunks(self, xorb: str) -> list[XorbChunk] | None:
        """The chunk records of a stored xorb (from its index), or None if it is not stored
        whole: no body, no index, or an index that does not describe the body (records that
        do not end exactly where the body does)."""
        cached = self._indexes.get(xorb)
        if cached is not None:
            return cached
        if not _HEX.fullmatch(xorb):
            return None
        try:
            size = self.xorb_path(xorb).stat().st_size
            data = self.index_path(xorb).read_bytes()
        except FileNotFoundError:
            return None
        if not data or len(data) % _INDEX.size:
            return None
        found = [XorbChunk(*fields) for fields in _INDEX.iter_unpack(data)]
        if not _fits(found, size):
            return None
        with self._lock:
            if len(self._indexes) >= _CACHED_INDEXES:
                self._indexes.clear()
            self._indexes[xorb] = found
        return found

    def file(self, sha256: str) -> XetFile | None:
        """The registered file with this sha256, or None."""
        if not _HEX.fullmatch(sha256):
            return None
        try:
            return XetFile.from_json(self._fanned("files", sha256).read_text())
        except (FileNotFoundError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            return None  # absent, or damaged: the next shard naming it registers it again

    def file_size(self, sha256: str) -> int | None:
        found = self.file(sha256)
        return found.size if found is not None else None

    def clear_leftovers(self, cutoff: float) -> int:
        """Remove the temp files of atomic writes a killed hub left beside chunk indexes and
        file records, untouched since `cutoff`; how many went."""
        return sum(sweep_atomic_writes(self.root / kind, cutoff) for kind in ("xorbs", "files"))

    def record(self, sha256: str, found: XetFile) -> bool:
        """Register a verified file; False if one with this sha256 already was."""
        if self.file(sha256) is not None:
            return False
        write_atomic(self._fanned("files", sha256), found.to_json())
        return True


def _fits(chunks: list[XorbChunk], size: int) -> bool:
    """Whether chunk records follow one another from offset 0 to the end of a `size`-byte
    body (each record: an 8-byte header, then its stored bytes)."""
    position = 0
    for chunk in chunks:
        if chunk.offset != position:
            return False
        position += 8 + chunk.stored_size
    return position == size


def _hash_of(xorb: str) -> bytes:
    try:
        return hex_hash(xorb)
    except XetFormatError:
        raise ApiError(404, f"Not found: xorb {xorb[:80]!r}") from None
