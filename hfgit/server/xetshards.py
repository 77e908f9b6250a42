"""Checking an uploaded shard against stored xorbs before any of its files is registered.

For every file of the shard: each term names a stored xorb, a chunk range within it whose
sizes add up to the term's, and the verification hash of that range's chunk hashes (which
only someone holding the content can compute: the server never reveals chunk hashes); the
Xet file hash is the Merkle hash of all its chunks; and the bytes the terms rebuild hash to
the sha256 of the shard's metadata extension, computed by streaming through the chunks (a
file whose terms are those already registered under that sha256 is not rebuilt again). The
xorbs the shard lists must be stored, with the chunks it says. Anything else refuses the
whole shard with a 400: nothing of it becomes visible.

Rebuilding costs a read of every byte of a file, however few bytes the shard itself holds, so
a file may be at most `max_bytes` (as large as an LFS object may be) and a shard may make the
hub rebuild at most `REBUILD_FILES` times that.
"""

from __future__ import annotations

import hashlib

from hfgit.server.problems import ApiError, bad_request
from hfgit.server.shardformat import Shard, ShardFile, check_term
from hfgit.server.xethash import XetFormatError, file_hash, hash_hex
from hfgit.server.xetread import pieces
from hfgit.server.xetstore import Term, XetFile, XetStore

REBUILD_FILES = 4


def verified_files(store: XetStore, shard: Shard, max_bytes: int) -> dict[str, XetFile]:
    """sha256 (hex) -> file, for every file of a shard that checks out (else 400; 413 for a
    file over `max_bytes`, or more than REBUILD_FILES such files to rebuild)."""
    try:
        for xorb in shard.xorbs:
            _check_listed(store, hash_hex(xorb.hash), xorb.chunks)
        found: dict[str, XetFile] = {}
        budget = [REBUILD_FILES * max_bytes]
        for item in shard.files:
            sha256, checked = _check_file(store, item, max_bytes, budget)
            found.setdefault(sha256, checked)
        return found
    except XetFormatError as e:
        raise bad_request(f"Invalid shard: {e}") from None


def _check_listed(store: XetStore, xorb: str, chunks: tuple[tuple[bytes, int], ...]) -> None:
    stored = store.chunks(xorb)
    if stored is None:
        raise XetFormatError(f"xorb {xorb} was not uploaded")
    if [(c.hash, c.size) for c in stored] != list(chunks):
        raise XetFormatError(f"the chunks listed for xorb {xorb} are not the ones it holds")


def _check_file(
    store: XetStore, item: ShardFile, max_bytes: int, budget: list[int]
) -> tuple[str, XetFile]:
    if item.sha256 is None:
        raise XetFormatError(f"file {hash_hex(item.hash)} has no sha256 metadata")
    nodes: list[tuple[bytes, int]] = []
    terms = []
    for term in item.terms:
        xorb = hash_hex(term.xorb)
        chunks = store.chunks(xorb)
        if chunks is None:
            raise XetFormatError(f"xorb {xorb} was not uploaded")
        check_term(term, [c.hash for c in chunks], [c.size for c in chunks])
        nodes += [(c.hash, c.size) for c in chunks[term.start : term.end]]
        terms.append(Term(xorb, term.start, term.end, term.size))
    if file_hash(nodes) != item.hash:
        raise XetFormatError(f"file {hash_hex(item.hash)} does not match its chunks")
    sha256 = item.sha256.hex()
    checked = XetFile(sum(t.size for t in terms), hash_hex(item.hash), tuple(terms))
    if checked.size > max_bytes:
        raise ApiError(413, f"File {sha256} is larger than {max_bytes} bytes")
    registered = store.file(sha256)
    if registered is None or registered.terms != checked.terms:
        budget[0] -= checked.size
        if budget[0] < 0:
            raise ApiError(413, f"A shard may name at most {REBUILD_FILES * max_bytes} bytes")
        digest = hashlib.sha256()
        for piece in pieces(store, checked):
            digest.update(piece)
        if digest.digest() != item.sha256:
            raise XetFormatError(f"file {hash_hex(item.hash)} does not hash to sha256 {sha256}")
    return sha256, checked
