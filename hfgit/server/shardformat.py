"""The Xet shard format (a file manifest): parsed with its bounds checked, or built.

Pure: every function parses or builds bytes it is given; what a shard refers to is checked
against storage by `xetshards`. Every count the uploader wrote is checked against the bytes
present before it is used (so a count never sizes an allocation), and anything wrong raises
`XetFormatError` (one line, safe to show the client). The sha256 in a shard's metadata
extension is stored like a Merkle hash (each 8-byte group reversed), so `ShardFile.sha256`
is decoded back to the plain digest.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hfgit.server.xethash import (
    HASH_LEN,
    Buffer,
    XetFormatError,
    hash_hex,
    hex_hash,
    merkle_hash,
    verification_hash,
)
from hfgit.server.xorbformat import MAX_CHUNK_BYTES, MAX_XORB_CHUNKS

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
