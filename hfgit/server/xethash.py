"""Xet hashes: keyed BLAKE3 over chunks, the Merkle tree over (hash, size) nodes and the
text form of a hash, with the error every parser of the Xet formats raises.

Pure, like the formats built on it (`xorbformat`, `shardformat`): bytes in, hashes out.
Byte-order traps, all handled here so callers only see raw 32-byte hashes:
- a hash is printed as four little-endian u64 words in hex (`hash_hex`), not as raw bytes;
- the Merkle grouping looks at the last word of a hash as a little-endian u64.
"""

from __future__ import annotations

import mmap
import re
import struct
from collections.abc import Sequence

from blake3 import blake3


class XetFormatError(ValueError):
    """Bytes that are not a valid xorb, shard or hash; the message is one line."""


HASH_LEN = 32

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
