"""The Xet xorb format: a chunk container, parsed and checked against its hash, or built.

Pure: every function parses or builds bytes it is given; storage and HTTP are elsewhere.
A xorb is what an uploader sent, so each record's lengths are checked against the bytes
actually present before they are used, no allocation is sized by a count the sender chose,
and anything wrong raises `XetFormatError` (one line, safe to show the client).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import lz4.frame

from hfgit.server.xethash import (
    HASH_LEN,
    Buffer,
    XetFormatError,
    chunk_hash,
    hash_hex,
    merkle_hash,
)

MAX_XORB_BYTES = 64 * 1024 * 1024  # chunk data: the client cuts a xorb before it exceeds this
MAX_XORB_CHUNKS = 8 * 1024
# A whole xorb: its data plus an 8-byte header per chunk (the client's bodies reach 64 MiB + a
# few KiB when its chunks are stored uncompressed).
MAX_XORB_BODY = MAX_XORB_BYTES + 8 * MAX_XORB_CHUNKS
MAX_CHUNK_BYTES = 128 * 1024

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
