"""The Xet formats: hashes, xorbs (chunk containers) and shards (file manifests).

Pure: every function parses or builds bytes it is given; storage and HTTP are elsewhere.
Everything an uploader sends is untrusted, so parsers check each length against the bytes
actually present before using it, never allocate from a count the sender chose, and raise
`XetFormatError` (one line, safe to show the client) on anything wrong.

Byte-order traps, all handled here so callers only see raw 32-byte hashes:
- a hash is printed as four little-endian u64 words in hex (`hash_hex`), not as raw bytes;
- the Merkle grouping looks at the last word of a hash as a little-endian u64;
- the sha256 in a shard's metadata extension is stored like a Merkle hash (each 8-byte group
  reversed), so `ShardFile.sha256` is decoded back to the plain digest.
"""

from __future__ import annotations

import mmap
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lz4.frame
from blake3 import blake3


class XetFormatError(ValueError):
    """Bytes that are not a valid xorb, shard or hash; the message is one line."""


HASH_LEN = 32
MAX_XORB_BYTES = 64 * 1024 * 1024  # chunk data: the client cuts a xorb before it exceeds this
MAX_XORB_CHUNKS = 8 * 1024
# A whole xorb: its data plus an 8-byte header per chunk (the client's bodies reach 64 MiB + a
# few KiB when its chunks are stored uncompressed).
MAX_XORB_BODY = MAX_XORB_BYTES + 8 * MAX_XORB_CHUNKS
MAX_CHUNK_BYTES = 128 * 1024

DATA_KEY = bytes.fromhex("6697f5775b9550de3135cbaca597181c9de421109beb2b58b4d0b04b93adf229")
INTERNAL_NODE_KEY = bytes.fromhex(
    "017ec5c7a5472996fd946666b48a02e65ddd536f37c76dd2f86352e64a53713f"
)
VERIFICATION_KEY = bytes.fromhex("7f1857d6ce56ed66127ff913e7a5c3f3a4cd26d5b5db49e64124987f28fb94c3")
ZERO_KEY = bytes(HASH_LEN)

Buffer = bytes | bytearray | memoryview | mmap.mmap
"""What the parsers read: a body in memory or a mapped file, never copied whole."""

_HEX = re.compile(r"[0-9a-f]{64}")
_WORDS = struct.Struct("<4Q")


# --- hashes -------------------------------------------------------------------------------


def hash_hex(h: bytes) -> str:
    """The text form of a hash: each 8-byte group as a little-endian u64, in 16 hex digits."""
    if len(h) != HASH_LEN:
        raise XetFormatError(f"a Xet hash is {HASH_LEN} bytes, not {len(h)}")
    return "".join(f"{word:016x}" for word in _WORDS.unpack(h))


def hex_hash(text: str) -> bytes:
    """Inverse of `hash_hex`; only the canonical form (64 lowercase hex digits) is accepted."""
    if not _HEX.fullmatch(text):
        raise XetFormatError("a Xet hash is 64 lowercase hex digits")
    return _WORDS.pack(*(int(text[i : i + 16], 16) for i in range(0, 64, 16)))


def chunk_hash(data: Buffer) -> bytes:
    return blake3(data, key=DATA_KEY).digest()


def verification_hash(chunk_hashes: Sequence[bytes]) -> bytes:
    """What a shard's verification entry holds for a term covering these chunks."""
    return blake3(b"".join(chunk_hashes), key=VERIFICATION_KEY).digest()


def _group_end(nodes: Sequence[tuple[bytes, int]], start: int) -> int:
    """End of the group starting at `start`: 3 to 9 nodes, cut after a hash whose last
    little-endian word is divisible by 4 (fewer only when fewer remain)."""
    remaining = len(nodes) - start
    if remaining <= 2:
        return len(nodes)
    end = start + min(9, remaining)
    for i in range(start + 2, end):
        if int.from_bytes(nodes[i][0][24:], "little") % 4 == 0:
            return i + 1
    return end


def _parent(group: Sequence[tuple[bytes, int]]) -> tuple[bytes, int]:
    text = "".join(f"{hash_hex(h)} : {size}\n" for h, size in group)
    return blake3(text.encode(), key=INTERNAL_NODE_KEY).digest(), sum(s for _, s in group)


def merkle_hash(nodes: Sequence[tuple[bytes, int]]) -> bytes:
    """The root over (chunk hash, size) pairs: a xorb's hash. All zeros for no nodes."""
    level = list(nodes)
    if not level:
        return bytes(HASH_LEN)
    while len(level) > 1:
        parents, start = [], 0
        while start < len(level):
            end = _group_end(level, start)
            parents.append(_parent(level[start:end]))
            start = end
        level = parents
    return level[0][0]


def file_hash(nodes: Sequence[tuple[bytes, int]]) -> bytes:
    """A file's Xet hash: the Merkle root over its chunks, hashed once more with a zero key."""
    if not nodes:
        return bytes(HASH_LEN)
    return blake3(merkle_hash(nodes), key=ZERO_KEY).digest()


# --- xorbs --------------------------------------------------------------------------------

SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4 = 0, 1, 2
_RECORD = struct.Struct("<B3sB3s")


@dataclass(frozen=True)
class XorbChunk:
    """One chunk record of a xorb; `offset` is where its 8-byte header starts."""

    hash: bytes
    offset: int
    stored_size: int
    size: int
    scheme: int


def _record_at(data: memoryview, offset: int) -> tuple[int, int, int]:
    """(stored size, scheme, size) of the record header at `offset`, checked against the data."""
    if len(data) - offset < _RECORD.size:
        raise XetFormatError(f"xorb truncated in the chunk header at byte {offset}")
    version, stored, scheme, size = _RECORD.unpack_from(data, offset)
    stored, size = int.from_bytes(stored, "little"), int.from_bytes(size, "little")
    if version != 0:
        raise XetFormatError(f"xorb chunk at byte {offset} has unknown version {version}")
    if scheme not in (SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4):
        raise XetFormatError(f"xorb chunk at byte {offset} has unknown compression {scheme}")
    if not 0 < size <= MAX_CHUNK_BYTES:
        raise XetFormatError(
            f"xorb chunk at byte {offset} claims {size} bytes (1..{MAX_CHUNK_BYTES})"
        )
    if stored == 0 or (scheme == SCHEME_NONE and stored != size):
        raise XetFormatError(f"xorb chunk at byte {offset} has inconsistent sizes")
    if len(data) - offset - _RECORD.size < stored:
        raise XetFormatError(f"xorb truncated in the chunk data at byte {offset}")
    return stored, scheme, size


def _ungroup(grouped: bytes) -> bytes:
    """Undo byte grouping: group k holds bytes k, k+4, k+8... of the original."""
    n = len(grouped)
    out = bytearray(n)
    start = 0
    for k in range(4):
        length = n // 4 + (1 if k < n % 4 else 0)
        out[k::4] = grouped[start : start + length]
        start += length
    return bytes(out)


def _group(raw: bytes) -> bytes:
    return b"".join(raw[k::4] for k in range(4))


def _decode(payload: memoryview, scheme: int, size: int, offset: int) -> bytes:
    if scheme == SCHEME_NONE:
        return bytes(payload)
    decompressor = lz4.frame.LZ4FrameDecompressor()
    try:
        raw = decompressor.decompress(payload, max_length=size)
    except RuntimeError as e:
        raise XetFormatError(f"xorb chunk at byte {offset} is not a valid LZ4 frame") from e
    if len(raw) != size or not decompressor.eof or decompressor.unused_data:
        raise XetFormatError(f"xorb chunk at byte {offset} does not decompress to {size} bytes")
    return _ungroup(raw) if scheme == SCHEME_BG4_LZ4 else raw


def _read_record(data: memoryview, offset: int) -> tuple[bytes, int, int, int]:
    stored, scheme, size = _record_at(data, offset)
    start = offset + _RECORD.size
    with data[start : start + stored] as payload:
        raw = _decode(payload, scheme, size, offset)
    return raw, stored, scheme, size


def parse_xorb(data: Buffer, expected: bytes) -> list[XorbChunk]:
    """Check a whole xorb against its hash `expected`; its chunk records, in order.

    Linear in the body, one decompressed chunk in memory at a time, no copy of the body.
    No view of `data` outlives the call, even in an error's traceback, so a mapped file can
    be closed right after.
    """
    with memoryview(data) as outer, outer.cast("B") as view:
        return _parse_xorb(view, expected)


def _parse_xorb(view: memoryview, expected: bytes) -> list[XorbChunk]:
    if not view:
        raise XetFormatError("xorb is empty")
    if len(view) > MAX_XORB_BODY:
        raise XetFormatError(f"xorb is larger than {MAX_XORB_BODY} bytes")
    chunks: list[XorbChunk] = []
    offset = 0
    while offset < len(view):
        if len(chunks) == MAX_XORB_CHUNKS:
            raise XetFormatError(f"xorb has more than {MAX_XORB_CHUNKS} chunks")
        raw, stored, scheme, size = _read_record(view, offset)
        chunks.append(XorbChunk(chunk_hash(raw), offset, stored, size, scheme))
        offset += _RECORD.size + stored
    actual = merkle_hash([(c.hash, c.size) for c in chunks])
    if actual != expected:
        raise XetFormatError(f"xorb content hashes to {hash_hex(actual)}, not {_hex_or(expected)}")
    return chunks


def read_chunk(data: Buffer, chunk: XorbChunk) -> bytes:
    """The raw bytes of one chunk record of a stored xorb, checked against its hash."""
    with memoryview(data) as outer, outer.cast("B") as view:
        raw, stored, scheme, size = _read_record(view, chunk.offset)
    if (stored, scheme, size) != (chunk.stored_size, chunk.scheme, chunk.size):
        raise XetFormatError(f"xorb chunk at byte {chunk.offset} is not the one indexed")
    if chunk_hash(raw) != chunk.hash:
        raise XetFormatError(f"xorb chunk at byte {chunk.offset} does not match its hash")
    return raw


def build_xorb(chunks: Sequence[bytes], scheme: int = SCHEME_NONE) -> tuple[bytes, bytes]:
    """(body, hash) of a xorb holding `chunks`, each stored with `scheme`."""
    if scheme not in (SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4):
        raise XetFormatError(f"unknown compression scheme {scheme}")
    parts: list[bytes] = []
    for raw in chunks:
        if not 0 < len(raw) <= MAX_CHUNK_BYTES:
            raise XetFormatError(f"a chunk holds 1..{MAX_CHUNK_BYTES} bytes, not {len(raw)}")
        payload = raw
        if scheme != SCHEME_NONE:
            payload = lz4.frame.compress(_group(raw) if scheme == SCHEME_BG4_LZ4 else raw)
        parts.append(_RECORD.pack(0, _u24(len(payload)), scheme, _u24(len(raw))) + payload)
    return b"".join(parts), merkle_hash([(chunk_hash(raw), len(raw)) for raw in chunks])


def _u24(n: int) -> bytes:
    return n.to_bytes(3, "little")


def _hex_or(h: bytes) -> str:
    return hash_hex(h) if len(h) == HASH_LEN else f"a {len(h)}-byte value"


# --- shards -------------------------------------------------------------------------------

SHARD_TAG = b"HFRepoMetaData\0" + bytes(
    [85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169]
)
SHARD_VERSION = 2
FOOTER_VERSION = 1
FOOTER_SIZE = 200
FLAG_VERIFICATION = 1 << 31
FLAG_METADATA = 1 << 30
_ENTRY = 48
_BOOKEND = b"\xff" * HASH_LEN + bytes(16)
_HEADER = struct.Struct("<32sQQ")
_FILE_HEADER = struct.Struct("<32sII8x")
_TERM = struct.Struct("<32sIIII")
_HASH_ENTRY = struct.Struct("<32s16x")
_XORB_HEADER = struct.Struct("<32sIIII")
_XORB_ENTRY = struct.Struct("<32sII8x")


@dataclass(frozen=True)
class FileTerm:
    """Chunks [start, end) of xorb `xorb`, `size` bytes once unpacked."""

    xorb: bytes
    start: int
    end: int
    size: int
    verification: bytes | None


@dataclass(frozen=True)
class ShardFile:
    """A file as its terms; `sha256` is the plain digest (as hashlib gives it), if present."""

    hash: bytes
    terms: tuple[FileTerm, ...]
    sha256: bytes | None


@dataclass(frozen=True)
class ShardXorb:
    hash: bytes
    chunks: tuple[tuple[bytes, int], ...]


@dataclass(frozen=True)
class Shard:
    files: tuple[ShardFile, ...]
    xorbs: tuple[ShardXorb, ...]


class _Reader:
    """Fixed-size entries read in order from a shard, each checked to be present first."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.offset = 0

    def need(self, entries: int, what: str) -> None:
        if entries * _ENTRY > len(self.data) - self.offset:
            raise XetFormatError(f"shard truncated: {what} runs past the end")

    def entry(self, layout: struct.Struct, what: str) -> tuple[Any, ...]:
        self.need(1, what)
        fields = layout.unpack_from(self.data, self.offset)
        self.offset += _ENTRY
        return fields

    def at_bookend(self, what: str) -> bool:
        self.need(1, what)
        head = self.data[self.offset : self.offset + HASH_LEN]
        if head != b"\xff" * HASH_LEN:
            return False
        if self.data[self.offset : self.offset + _ENTRY] != _BOOKEND:
            raise XetFormatError(f"shard has a malformed bookend after the {what}")
        self.offset += _ENTRY
        return True


def parse_shard(data: Buffer) -> Shard:
    """Structure and bounds of an uploaded shard; what it refers to is checked by the caller.

    Each xorb listed must hash (Merkle) to its own chunk list; terms are checked against the
    stored xorbs with `check_term`.
    """
    with memoryview(data) as outer, outer.cast("B") as view:
        return _parse_shard(_Reader(view))


def _parse_shard(reader: _Reader) -> Shard:
    tag, version, footer_size = reader.entry(_HEADER, "header")
    if tag != SHARD_TAG:
        raise XetFormatError("not a Xet shard (bad header tag)")
    if version != SHARD_VERSION:
        raise XetFormatError(f"shard version {version} is not supported (only {SHARD_VERSION})")
    if footer_size not in (0, FOOTER_SIZE):
        raise XetFormatError(f"shard footer size {footer_size} is not 0 or {FOOTER_SIZE}")
    files: list[ShardFile] = []
    while not reader.at_bookend("file section"):
        files.append(_read_file(reader))
    xorbs: list[ShardXorb] = []
    while not reader.at_bookend("xorb section"):
        xorbs.append(_read_xorb(reader))
    _check_footer(reader, footer_size)
    return Shard(tuple(files), tuple(xorbs))


def _read_file(reader: _Reader) -> ShardFile:
    file_hash_, flags, count = reader.entry(_FILE_HEADER, "file header")
    if flags & ~(FLAG_VERIFICATION | FLAG_METADATA):
        raise XetFormatError(f"shard file {hash_hex(file_hash_)} has unknown flags {flags:#x}")
    with_verification = bool(flags & FLAG_VERIFICATION)
    reader.need(count * (2 if with_verification else 1) + bool(flags & FLAG_METADATA), "file entry")
    ranges = [_read_term(reader) for _ in range(count)]
    checks: list[bytes | None] = [None] * count
    if with_verification:
        checks = [reader.entry(_HASH_ENTRY, "verification entry")[0] for _ in range(count)]
    sha256 = None
    if flags & FLAG_METADATA:
        sha256 = bytes.fromhex(hash_hex(reader.entry(_HASH_ENTRY, "metadata entry")[0]))
    terms = tuple(FileTerm(*r, verification=v) for r, v in zip(ranges, checks, strict=True))
    return ShardFile(file_hash_, terms, sha256)


def _read_term(reader: _Reader) -> tuple[bytes, int, int, int]:
    xorb, _flags, size, start, end = reader.entry(_TERM, "file term")
    if not start < end <= MAX_XORB_CHUNKS:
        raise XetFormatError(f"shard term names chunks [{start}, {end}) of a xorb")
    if size == 0:
        raise XetFormatError("shard term covers 0 bytes")
    return xorb, start, end, size


def _read_xorb(reader: _Reader) -> ShardXorb:
    xorb, _flags, count, in_cas, _on_disk = reader.entry(_XORB_HEADER, "xorb header")
    if not 0 < count <= MAX_XORB_CHUNKS:
        raise XetFormatError(f"shard xorb {hash_hex(xorb)} lists {count} chunks")
    reader.need(count, "xorb chunk list")
    chunks, position = [], 0
    for _ in range(count):
        h, start, size = reader.entry(_XORB_ENTRY, "xorb chunk entry")
        if start != position or not 0 < size <= MAX_CHUNK_BYTES:
            raise XetFormatError(f"shard xorb {hash_hex(xorb)} has a malformed chunk list")
        chunks.append((h, size))
        position += size
    if position != in_cas:
        raise XetFormatError(f"shard xorb {hash_hex(xorb)} sizes do not add up")
    if merkle_hash(chunks) != xorb:
        raise XetFormatError(f"shard xorb {hash_hex(xorb)} does not match its chunk list")
    return ShardXorb(xorb, tuple(chunks))


def _check_footer(reader: _Reader, footer_size: int) -> None:
    left = len(reader.data) - reader.offset
    if left != footer_size:
        raise XetFormatError(f"shard has {left} bytes after its sections, expected {footer_size}")
    if (
        footer_size
        and int.from_bytes(reader.data[reader.offset : reader.offset + 8], "little")
        != FOOTER_VERSION
    ):
        raise XetFormatError(f"shard footer version is not {FOOTER_VERSION}")


def check_term(
    term: FileTerm, xorb_chunk_hashes: Sequence[bytes], xorb_chunk_sizes: Sequence[int]
) -> None:
    """A term against the xorb it names: range in bounds, sizes, verification hash."""
    if not term.start < term.end <= len(xorb_chunk_hashes):
        raise XetFormatError(
            f"term names chunks [{term.start}, {term.end}) of xorb {hash_hex(term.xorb)}, "
            f"which has {len(xorb_chunk_hashes)}"
        )
    if sum(xorb_chunk_sizes[term.start : term.end]) != term.size:
        raise XetFormatError(
            f"term of xorb {hash_hex(term.xorb)} does not add up to {term.size} bytes"
        )
    if term.verification is None:
        raise XetFormatError(f"term of xorb {hash_hex(term.xorb)} has no verification hash")
    if verification_hash(xorb_chunk_hashes[term.start : term.end]) != term.verification:
        raise XetFormatError(f"term of xorb {hash_hex(term.xorb)} fails its verification hash")


def build_shard(files: Sequence[ShardFile], xorbs: Sequence[ShardXorb]) -> bytes:
    """An upload shard (no footer) as the client writes it."""
    out = [_HEADER.pack(SHARD_TAG, SHARD_VERSION, 0)]
    for f in files:
        checks = [t.verification for t in f.terms]
        verified = bool(checks) and all(c is not None for c in checks)
        if not verified and any(c is not None for c in checks):
            raise XetFormatError("either every term of a file has a verification hash or none")
        flags = (FLAG_VERIFICATION if verified else 0) | (FLAG_METADATA if f.sha256 else 0)
        out.append(_FILE_HEADER.pack(f.hash, flags, len(f.terms)))
        out += [_TERM.pack(t.xorb, 0, t.size, t.start, t.end) for t in f.terms]
        out += [_HASH_ENTRY.pack(c) for c in checks if c is not None]
        if f.sha256:
            out.append(_HASH_ENTRY.pack(hex_hash(f.sha256.hex())))
    out.append(_BOOKEND)
    for x in xorbs:
        total = sum(size for _, size in x.chunks)
        out.append(_XORB_HEADER.pack(x.hash, 0, len(x.chunks), total, 0))
        position = 0
        for h, size in x.chunks:
            out.append(_XORB_ENTRY.pack(h, position, size))
            position += size
    out.append(_BOOKEND)
    return b"".join(out)
