"""The Xet formats against known vectors and tampered copies of them.

Known vectors: xet-core's reference Merkle/file hashes, a capture of the stock client
(hf_xet 1.8.0) kept in fixtures/xet/, and live uploads through whatever hf_xet is installed,
driven against the recording stand-in of `xetcapture`.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import tracemalloc
from collections import Counter
from pathlib import Path

import lz4.frame
import pytest
from xetcapture import FIXTURE, capture, fixture_sources

from hfgit.server.shardformat import (
    FileTerm,
    ShardFile,
    ShardXorb,
    build_shard,
    check_term,
    parse_shard,
)
from hfgit.server.xethash import (
    HASH_LEN,
    XetFormatError,
    chunk_hash,
    file_hash,
    hash_hex,
    hex_hash,
    merkle_hash,
    verification_hash,
)
from hfgit.server.xorbformat import (
    MAX_CHUNK_BYTES,
    MAX_XORB_BODY,
    MAX_XORB_BYTES,
    MAX_XORB_CHUNKS,
    XorbChunk,
    build_xorb,
    parse_xorb,
    read_chunk,
)

# --- verifying a whole upload, as the server must -----------------------------------------


def verify_upload(
    xorbs: dict[str, bytes], shards: list[bytes], sources: dict[str, bytes]
) -> Counter[int]:
    """Every check the server makes, on what the client sent for `sources`; schemes seen."""
    index: dict[bytes, list[XorbChunk]] = {}
    for name, body in xorbs.items():
        assert hash_hex(hex_hash(name)) == name
        index[hex_hash(name)] = parse_xorb(body, hex_hash(name))
    files: dict[bytes, ShardFile] = {}
    for body in shards:
        shard = parse_shard(body)
        assert build_shard(shard.files, shard.xorbs) == body  # the writer reproduces the client
        for listed in shard.xorbs:
            assert listed.chunks == tuple((c.hash, c.size) for c in index[listed.hash])
        files |= {f.sha256: f for f in shard.files if f.sha256}
    assert len(files) == len(sources)
    for content in sources.values():
        shard_file = files[hashlib.sha256(content).digest()]
        nodes, rebuilt = [], []
        for term in shard_file.terms:
            chunks = index[term.xorb]
            check_term(term, [c.hash for c in chunks], [c.size for c in chunks])
            nodes += [(c.hash, c.size) for c in chunks[term.start : term.end]]
            rebuilt += [
                read_chunk(xorbs[hash_hex(term.xorb)], c) for c in chunks[term.start : term.end]
            ]
        assert file_hash(nodes) == shard_file.hash
        assert b"".join(rebuilt) == content
    return Counter(c.scheme for chunks in index.values() for c in chunks)


def client_file_hashes(sources: dict[str, bytes], tmp_path: Path) -> set[str]:
    """The Xet file hashes hf_xet itself computes for `sources`."""
    import hf_xet

    paths = []
    for index, content in enumerate(sources.values()):
        paths.append(tmp_path / f"hash-{index}.bin")
        paths[-1].write_bytes(content)
    return {info.hash for info in hf_xet.hash_files([str(p) for p in paths])}


def shard_file_hashes(shards: list[bytes]) -> set[str]:
    return {hash_hex(f.hash) for body in shards for f in parse_shard(body).files}


def fixture_xorbs() -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in FIXTURE.glob("*.xorb")}


def fixture_shard() -> bytes:
    return (FIXTURE / "upload.shard").read_bytes()


@pytest.fixture
def xet_client() -> None:
    pytest.importorskip("hf_xet")


# --- hashes -------------------------------------------------------------------------------


def test_hash_hex_reads_each_8_byte_group_as_a_little_endian_u64() -> None:
    raw = bytes(range(32))
    assert hash_hex(raw) == ("07060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918")
    assert hash_hex(raw) != raw.hex()
    assert hex_hash(hash_hex(raw)) == raw


@pytest.mark.parametrize(
    "text",
    ["", "ab", "0" * 63, "0" * 65, "A" * 64, "g" * 64, "0x" + "0" * 62, "_" * 64, " " + "0" * 63],
)
def test_hex_hash_refuses_anything_but_64_lowercase_hex_digits(text: str) -> None:
    with pytest.raises(XetFormatError):
        hex_hash(text)


def test_hash_hex_refuses_a_value_that_is_not_32_bytes() -> None:
    with pytest.raises(XetFormatError):
        hash_hex(bytes(31))


# Reference vectors of xet-core (merklehash aggregated_hashes tests): (hash, size) nodes,
# their Merkle root, and the file hash (zero salt).
_REF = [
    "0" * 64,
    "cfc5d07f6f03c29bbf424132963fe08d19a37d5757aaf520bf08119f05cd56d6",
    "c3e67584b5c4fc2a89837ec39e40f2c8a6bb0b2987ac94cd4b31e5fbdd210a72",
    "0d2beb91b9196929a5ddec9f6e306924ddf4a24268e3e59fd8464738d525af37",
    "adf8773496a9b7319b2e50dc98093f344053b17d8ad37100b9c07d9805988784",
    "4ac202caf347fc1e9c874b1ef6a1c5e619141eb775a6f43f0f0124ccd0060d9e",
    "b3b28636f65c149ea52eb1f94669466f70f033b54cea792824c696ba6ef3c389",
    "0e2c1a002aae913d2c0fc8ddfa4e9e14b7b311b3b0d458726d5d9f6a6318013c",
]


@pytest.mark.parametrize(
    ("seeds", "root", "file"),
    [
        ([0], "0" * 64, "638a6bc391964a85939d48f008e8bdbae6a7975e7ca2d87a3ce2492f4e4d8a4c"),
        (
            [1, 2, 3],
            "71ec1275fca074724e2dd666921b3277c7cee603e4d025bcab2d4050015be2bc",
            "54e55dccc6653c612bdb5576c5d3cb34bb31bc4e100248abccf4c908b3ef7715",
        ),
        (
            [1, 2, 1, 2, 3, 4],
            "52c826f99507aa05d0b45e9837fa1709e0485425cfbcb1e80db3905cf98b3ee9",
            "91d21684db364c8883ab8209fa5eb2e781cf07f37e1fa43e731c30839afe422f",
        ),
        (
            [3, 4, 5, 3],
            "73b9dc802ab03a0855c66823a18d95c2a785af594535756abf405038b6270cb8",
            "c7d5be75ef5ec12888027ad305141e4109e599494477661177475c84e12de48b",
        ),
        (
            [1] * 32,
            "0a0123c1617921883b7e13902095fcb86676e77c49120c33b233003b0af0e0a6",
            "53af4711fd1d5e5bdc7f931b6be932314d8d673cb16ad2482f6f5222eaf9e63d",
        ),
        (
            [i % 8 for i in range(64)],
            "6554007c9b5d0a5e7918f79596a1b68815c1407535585435f5735db761f21b88",
            "a8640ab81d48854e00078e12b1ea8be5d90be0ffb5f73a15b7009981d093ddd8",
        ),
    ],
)
def test_merkle_and_file_hash_match_the_reference_vectors(
    seeds: list[int], root: str, file: str
) -> None:
    nodes = [(hex_hash(_REF[s]), s * 100) for s in seeds]
    assert hash_hex(merkle_hash(nodes)) == root
    assert hash_hex(file_hash(nodes)) == file


def test_no_nodes_hash_to_zeros() -> None:
    assert merkle_hash([]) == file_hash([]) == bytes(HASH_LEN)


# --- xorbs: round trips -------------------------------------------------------------------


def test_byte_grouping_puts_bytes_by_position_modulo_4_and_leftovers_in_the_first_groups() -> None:
    raw = bytes(range(10))
    body, _ = build_xorb([raw], scheme=2)
    grouped = lz4.frame.decompress(body[8:])
    assert list(grouped) == [0, 4, 8, 1, 5, 9, 2, 6, 3, 7]


@pytest.mark.parametrize("scheme", [0, 1, 2])
def test_build_xorb_round_trips_every_scheme_and_length(scheme: int) -> None:
    chunks = [
        bytes([i % 7]) * n for i, n in enumerate([1, 2, 3, 4, 5, 4097, 4098, 4099, MAX_CHUNK_BYTES])
    ]
    body, xorb_hash = build_xorb(chunks, scheme)
    parsed = parse_xorb(body, xorb_hash)
    assert [c.scheme for c in parsed] == [scheme] * len(chunks)
    assert [read_chunk(body, c) for c in parsed] == chunks
    assert [c.hash for c in parsed] == [chunk_hash(c) for c in chunks]


def test_parse_xorb_takes_a_memoryview_without_copying_the_body() -> None:
    body, xorb_hash = build_xorb([b"a" * 1000, b"b" * 2000], scheme=1)
    view = memoryview(bytearray(body))
    assert [c.size for c in parse_xorb(view, xorb_hash)] == [1000, 2000]


# --- the stock client's bytes -------------------------------------------------------------


def test_captured_fixture_verifies_end_to_end() -> None:
    schemes = verify_upload(fixture_xorbs(), [fixture_shard()], fixture_sources())
    assert set(schemes) == {0, 1, 2}


def test_fixture_file_hashes_are_the_ones_hf_xet_computes(xet_client: None, tmp_path: Path) -> None:
    assert shard_file_hashes([fixture_shard()]) == client_file_hashes(fixture_sources(), tmp_path)


def test_fixture_sha256_is_decoded_from_the_reversed_groups() -> None:
    raw = fixture_shard()
    sha = hashlib.sha256(b"hello xet\n").digest()
    assert sha not in raw  # stored with each 8-byte group reversed
    assert hex_hash(sha.hex()) in raw


@pytest.mark.parametrize(
    "sources",
    [
        pytest.param({"one.txt": b"a single chunk\n"}, id="small"),
        pytest.param(
            {"random.bin": hashlib.shake_256(b"r").digest(3 * 2**20 + 17)}, id="multichunk"
        ),
        pytest.param(fixture_sources(), id="compressible"),
        pytest.param(
            {
                "a.bin": hashlib.shake_256(b"a").digest(300_000),
                "b.txt": b"x" * 5000 + b"y" * 70_000,
            },
            id="two-files",
        ),
    ],
)
def test_live_upload_through_the_stock_client_verifies(
    xet_client: None, tmp_path: Path, sources: dict[str, bytes]
) -> None:
    server = capture(sources, tmp_path)
    assert server.xorbs and len(server.shards) == 1
    verify_upload(server.xorbs, server.shards, sources)
    assert shard_file_hashes(server.shards) == client_file_hashes(sources, tmp_path)
    assert {line["value"]["oid"] for line in server.commits[0][1:]} == {
        hashlib.sha256(c).hexdigest() for c in sources.values()
    }


@pytest.mark.slow
def test_live_upload_of_a_file_spanning_two_xorbs_verifies(
    xet_client: None, tmp_path: Path
) -> None:
    content = hashlib.shake_256(b"big").digest(MAX_XORB_BYTES + 5 * 2**20)
    server = capture({"big.bin": content}, tmp_path)
    assert len(server.xorbs) == 2
    verify_upload(server.xorbs, server.shards, {"big.bin": content})
    (shard_file,) = parse_shard(server.shards[0]).files
    assert len({t.xorb for t in shard_file.terms}) == 2


# --- xorbs: tampering ---------------------------------------------------------------------


def _flip(body: bytes, at: int) -> bytes:
    return body[:at] + bytes([body[at] ^ 0x01]) + body[at + 1 :]


@pytest.mark.parametrize("scheme", [0, 1, 2])
def test_a_flipped_byte_in_chunk_data_is_refused(scheme: int) -> None:
    body, xorb_hash = build_xorb([bytes(range(256)) * 40, b"tail" * 100], scheme)
    for at in (8, 20, len(body) // 2, len(body) - 1):
        with pytest.raises(XetFormatError):
            parse_xorb(_flip(body, at), xorb_hash)


def test_captured_xorb_with_a_flipped_byte_is_refused() -> None:
    ((name, body),) = fixture_xorbs().items()
    for chunk in parse_xorb(body, hex_hash(name)):
        with pytest.raises(XetFormatError):
            parse_xorb(_flip(body, chunk.offset + 8 + chunk.stored_size // 2), hex_hash(name))


def test_a_xorb_is_refused_under_another_hash() -> None:
    ((name, body),) = fixture_xorbs().items()
    other = _flip(hex_hash(name), 0)
    with pytest.raises(XetFormatError, match="hashes to " + name):
        parse_xorb(body, other)


def test_a_truncated_xorb_is_refused_wherever_it_is_cut() -> None:
    ((name, body),) = fixture_xorbs().items()
    chunks = parse_xorb(body, hex_hash(name))
    cuts = [0, 3, chunks[1].offset + 4, chunks[1].offset + 8, chunks[1].offset + 20, len(body) - 1]
    for cut in cuts:
        with pytest.raises(XetFormatError):
            parse_xorb(body[:cut], hex_hash(name))


def _record(version: int = 0, stored: int = 4, scheme: int = 0, size: int = 4) -> bytes:
    return struct.pack(
        "<B3sB3s", version, stored.to_bytes(3, "little"), scheme, size.to_bytes(3, "little")
    )


@pytest.mark.parametrize(
    ("header", "payload", "message"),
    [
        (_record(version=1), b"abcd", "version"),
        (_record(scheme=3), b"abcd", "compression"),
        (_record(stored=4, size=5), b"abcd", "inconsistent"),
        (_record(stored=0, size=0), b"", "claims 0"),
        (_record(stored=4, size=MAX_CHUNK_BYTES + 1), b"abcd", "claims"),
        (_record(stored=9, size=9), b"abcd", "truncated"),
        (_record(stored=16, scheme=1), b"not an lz4 frame", "LZ4"),
    ],
    ids=["version", "scheme", "stored-vs-size", "empty", "too-large", "past-the-end", "not-lz4"],
)
def test_record_headers_that_lie_are_refused(header: bytes, payload: bytes, message: str) -> None:
    with pytest.raises(XetFormatError, match=message):
        parse_xorb(header + payload, bytes(32))


@pytest.mark.parametrize(
    ("frame", "declared"),
    [
        (lz4.frame.compress(b"z" * 100_000), 1000),  # decompresses to more than declared
        (lz4.frame.compress(b"z" * 1000), 2000),  # to less
        (lz4.frame.compress(b"z" * 1000) + b"junk", 1000),  # trailing bytes after the frame
        (lz4.frame.compress(b"z" * 1000)[:-6], 1000),  # frame cut short
    ],
)
def test_lz4_frames_that_disagree_with_their_header_are_refused(
    frame: bytes, declared: int
) -> None:
    body = _record(stored=len(frame), scheme=1, size=declared) + frame
    tracemalloc.start()
    try:
        with pytest.raises(XetFormatError):
            parse_xorb(body, bytes(32))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * declared + 64 * 1024


def test_empty_oversized_and_overfull_xorbs_are_refused() -> None:
    with pytest.raises(XetFormatError, match="empty"):
        parse_xorb(b"", bytes(32))
    with pytest.raises(XetFormatError, match="larger"):
        parse_xorb(memoryview(bytearray(MAX_XORB_BODY + 1)), bytes(32))
    body, xorb_hash = build_xorb([b"c"] * (MAX_XORB_CHUNKS + 1))
    with pytest.raises(XetFormatError, match="more than"):
        parse_xorb(body, xorb_hash)


def test_read_chunk_refuses_a_record_that_is_not_the_indexed_one() -> None:
    body, xorb_hash = build_xorb([b"a" * 100, b"b" * 100])
    first, second = parse_xorb(body, xorb_hash)
    with pytest.raises(XetFormatError):
        read_chunk(body, XorbChunk(second.hash, first.offset, 100, 100, 0))
    with pytest.raises(XetFormatError):
        read_chunk(body, XorbChunk(first.hash, first.offset, 100, 99, 0))
    with pytest.raises(XetFormatError):
        read_chunk(_flip(body, first.offset + 9), first)


# --- shards: tampering --------------------------------------------------------------------


def _term_shard(start: int = 0, end: int = 2, verification: bytes | None = None) -> bytes:
    chunks = ((chunk_hash(b"a"), 1), (chunk_hash(b"b"), 1))
    xorb = ShardXorb(merkle_hash(chunks), chunks)
    term = FileTerm(xorb.hash, start, end, 2, verification or bytes(32))
    return build_shard(
        [ShardFile(bytes(range(32)), (term,), hashlib.sha256(b"ab").digest())], [xorb]
    )


def _put(body: bytes, at: int, fmt: str, value: int) -> bytes:
    patched = bytearray(body)
    struct.pack_into(fmt, patched, at, value)
    return bytes(patched)


# Offsets in `_term_shard()`: 48-byte header, file header, term, verification, sha256,
# bookend, xorb header, two chunk entries, bookend.
_FILE_AT, _TERM_AT, _FILE_BOOKEND_AT, _XORB_AT = 48, 96, 240, 288


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"XX" + b[2:], "tag"),
        (lambda b: _put(b, 32, "<Q", 3), "version"),
        (lambda b: _put(b, 40, "<Q", 7), "footer size"),
        (lambda b: _put(b, _FILE_AT + 32, "<I", 1 << 31 | 1 << 30 | 1), "unknown flags"),
        (lambda b: _put(b, _FILE_AT + 36, "<I", 0xFFFFFFFF), "truncated"),
        (lambda b: _put(b, _TERM_AT + 40, "<I", 2), r"chunks \[2, 2\)"),
        (lambda b: _put(b, _TERM_AT + 44, "<I", MAX_XORB_CHUNKS + 1), "names chunks"),
        (lambda b: _put(b, _TERM_AT + 36, "<I", 0), "0 bytes"),
        (lambda b: b + b"\0", "after its sections"),
        (lambda b: b[:-1], "truncated"),
        (lambda b: b[:-48], "truncated"),
        (lambda b: _put(b, _FILE_BOOKEND_AT + 32, "<B", 1), "bookend"),
        (lambda b: b[:-48] + b"\xff" * 32 + bytes(15) + b"\x01", "bookend"),
    ],
)
def test_malformed_shards_are_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    body = _term_shard()
    parse_shard(body)
    with pytest.raises(XetFormatError, match=message):
        parse_shard(mutate(body))


def test_a_shard_xorb_whose_chunk_list_does_not_hash_to_it_is_refused() -> None:
    shard = parse_shard(fixture_shard())
    (xorb,) = shard.xorbs
    lying = ShardXorb(xorb.hash, xorb.chunks[:-1])
    with pytest.raises(XetFormatError, match="does not match its chunk list"):
        parse_shard(build_shard(shard.files, [lying]))
    body = build_shard(shard.files, shard.xorbs)
    xorb_at = len(body) - 48 * (len(xorb.chunks) + 2)
    with pytest.raises(XetFormatError, match="malformed chunk list"):
        parse_shard(_put(body, xorb_at + 48 + 32, "<I", 5))  # byte range of chunk 0 moved
    with pytest.raises(XetFormatError, match="do not add up"):
        parse_shard(_put(body, xorb_at + 40, "<I", 5))  # bytes in CAS


@pytest.mark.parametrize("at", [_FILE_AT + 36, _XORB_AT + 36], ids=["file-terms", "xorb-chunks"])
def test_huge_counts_fail_fast_without_allocating_from_them(at: int) -> None:
    body = _term_shard()
    tracemalloc.start()
    try:
        with pytest.raises(XetFormatError):
            parse_shard(_put(body, at, "<I", 0xFFFFFFFF))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024


def test_check_term_refuses_ranges_sizes_and_verification_that_do_not_match() -> None:
    hashes = [chunk_hash(b"a"), chunk_hash(b"bb"), chunk_hash(b"ccc")]
    sizes = [1, 2, 3]
    good = verification_hash(hashes[1:3])
    check_term(FileTerm(bytes(32), 1, 3, 5, good), hashes, sizes)
    bad = [
        (FileTerm(bytes(32), 1, 4, 5, good), "which has 3"),
        (FileTerm(bytes(32), 3, 3, 5, good), "which has 3"),
        (FileTerm(bytes(32), 1, 3, 6, good), "add up"),
        (FileTerm(bytes(32), 1, 3, 5, verification_hash(hashes[0:2])), "verification"),
        (FileTerm(bytes(32), 1, 3, 5, None), "no verification"),
    ]
    for term, message in bad:
        with pytest.raises(XetFormatError, match=message):
            check_term(term, hashes, sizes)


def test_captured_shard_with_a_wrong_verification_hash_fails_its_term_check() -> None:
    ((name, body),) = fixture_xorbs().items()
    chunks = parse_xorb(body, hex_hash(name))
    hashes, sizes = [c.hash for c in chunks], [c.size for c in chunks]
    for shard_file in parse_shard(fixture_shard()).files:
        for term in shard_file.terms:
            check_term(term, hashes, sizes)
            wrong = FileTerm(
                term.xorb, term.start, term.end, term.size, _flip(term.verification or b"", 5)
            )
            with pytest.raises(XetFormatError, match="verification"):
                check_term(wrong, hashes, sizes)


def test_build_shard_refuses_a_file_with_some_terms_unverified() -> None:
    terms = (FileTerm(bytes(32), 0, 1, 1, bytes(32)), FileTerm(bytes(32), 1, 2, 1, None))
    with pytest.raises(XetFormatError):
        build_shard([ShardFile(bytes(32), terms, None)], [])


def test_a_refused_body_in_a_mapped_file_can_be_closed_while_the_error_is_alive(
    tmp_path: Path,
) -> None:
    ((name, body),) = fixture_xorbs().items()
    for parse, bad in [
        (lambda m: parse_xorb(m, hex_hash(name)), _flip(body, len(body) - 1)),
        (parse_shard, fixture_shard()[:-1]),
    ]:
        path = tmp_path / "body"
        path.write_bytes(bad)
        with (
            path.open("rb") as f,
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
            pytest.raises(XetFormatError) as caught,
        ):
            parse(mapped)
        assert caught.value.__traceback__ is not None and mapped.closed
