"""What the CAS of the embedded hub refuses, always in the Hub's error shape: tampered or
truncated xorbs, shards whose hashes do not match, a commit naming a sha256 no shard
registered for the repository, tokens of another repository, read-only, forged or expired;
and that nothing refused ever becomes visible."""

from __future__ import annotations

import json
import os

import pytest
from xetparts import assert_hub_error, parts, send, write_token

from hfgit.server.xethash import hash_hex

ALICE_TOKEN = "hf_aliceTestToken0123456789"
BOB_TOKEN = "hf_bobTestToken0123456789"


def commit_lfs(http, repo_id: str, token: str, sha256: str, size: int):  # type: ignore[no-untyped-def]
    lines = [
        {"key": "header", "value": {"summary": "add w.bin", "description": ""}},
        {
            "key": "lfsFile",
            "value": {"path": "w.bin", "algo": "sha256", "oid": sha256, "size": size},
        },
    ]
    return http.post(
        f"/api/models/{repo_id}/commit/main",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
        content="\n".join(json.dumps(line) for line in lines).encode(),
    )


@pytest.fixture
def cas(hub, http):  # type: ignore[no-untyped-def]
    """(token, CAS URL) for uploading to alice/demo."""
    hub.api().create_repo("alice/demo")
    return write_token(http, "alice/demo", ALICE_TOKEN)


def test_a_good_upload_registers_its_file_for_the_repository_that_can_then_commit_it(http, cas):
    upload = parts(os.urandom(300_000))

    xorb, shard = send(http, cas[1], cas[0], upload)

    assert xorb.json() == {"was_inserted": True} and shard.json() == {"result": 1}
    assert commit_lfs(http, "alice/demo", ALICE_TOKEN, upload.sha256, 300_000).status_code == 200
    assert http.get("/alice/demo/resolve/main/w.bin").content == upload.data
    assert send(http, cas[1], cas[0], upload)[1].json() == {"result": 0}  # nothing new


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "another hash", "empty"])
def test_a_bad_xorb_is_refused_and_never_stored(hub, http, cas, damage):
    upload = parts(os.urandom(200_000))
    body, name = upload.xorb, upload.xorb_hash
    if damage == "flipped byte":
        body = body[:1000] + bytes([body[1000] ^ 1]) + body[1001:]
    elif damage == "truncated":
        body = body[:-10]
    elif damage == "another hash":
        name = parts(os.urandom(1000)).xorb_hash
    else:
        body = b""

    answer = http.post(
        f"{cas[1]}/v1/xorbs/default/{name}",
        headers={"Authorization": f"Bearer {cas[0]}"},
        content=body,
    )

    assert_hub_error(answer, 400)
    assert not list((hub.root / "xet" / "xorbs").rglob(f"{name}*"))
    shard = http.post(  # its xorb was never stored: the shard cannot name it
        f"{cas[1]}/v1/shards", headers={"Authorization": f"Bearer {cas[0]}"}, content=upload.shard
    )
    assert_hub_error(shard, 400)


@pytest.mark.parametrize("lie", ["sha256", "verification", "truncated", "garbage"])
def test_a_shard_whose_hashes_do_not_match_is_refused_and_registers_nothing(http, cas, lie):
    data = os.urandom(250_000)
    honest = parts(data)
    upload = {
        "sha256": parts(data, sha256=os.urandom(32)),
        "verification": parts(data, verification=os.urandom(32)),
        "truncated": honest,
        "garbage": honest,
    }[lie]
    shard = {"truncated": honest.shard[:-40], "garbage": os.urandom(500)}.get(lie, upload.shard)
    bearer = {"Authorization": f"Bearer {cas[0]}"}
    assert http.post(
        f"{cas[1]}/v1/xorbs/default/{honest.xorb_hash}", headers=bearer, content=honest.xorb
    ).json() == {"was_inserted": True}

    answer = http.post(f"{cas[1]}/v1/shards", headers=bearer, content=shard)

    assert_hub_error(answer, 400)
    named = [honest.sha256]
    if lie == "sha256":
        from hfgit.server.shardformat import parse_shard

        sha = parse_shard(upload.shard).files[0].sha256
        assert sha is not None
        named.append(sha.hex())
    for sha256 in named:
        assert_hub_error(commit_lfs(http, "alice/demo", ALICE_TOKEN, sha256, len(data)), 422)


def test_a_commit_naming_a_sha256_no_shard_registered_is_refused(hub, http):
    hub.api().create_repo("alice/demo")

    answer = commit_lfs(http, "alice/demo", ALICE_TOKEN, os.urandom(32).hex(), 1234)

    assert_hub_error(answer, 422)
    assert "was not uploaded to this repository" in answer.json()["error"]


def test_a_token_for_one_repository_registers_nothing_for_another(hub, http, cas):
    hub.api().create_repo("alice/other")
    hub.api("bob").create_repo("bob/copy")
    upload = parts(os.urandom(200_000))
    assert send(http, cas[1], cas[0], upload)[1].json() == {"result": 1}  # for alice/demo

    for repo_id, token in [("alice/other", ALICE_TOKEN), ("bob/copy", BOB_TOKEN)]:
        assert_hub_error(commit_lfs(http, repo_id, token, upload.sha256, 200_000), 422)
    assert_hub_error(
        http.get(
            "/api/models/alice/demo/xet-write-token/main",
            headers={"Authorization": f"Bearer {BOB_TOKEN}"},
        ),
        403,
    )
    bob_token, _ = write_token(http, "bob/copy", BOB_TOKEN)
    assert send(http, cas[1], bob_token, upload)[1].json() == {"result": 1}  # bob has the bytes
    assert commit_lfs(http, "bob/copy", BOB_TOKEN, upload.sha256, 200_000).status_code == 200


def test_read_forged_and_expired_tokens_are_refused(hub, http, cas):
    hub.api().create_repo("alice/read")
    upload = parts(os.urandom(100_000))
    read = http.get(
        "/api/models/alice/read/xet-read-token/main",
        headers={"Authorization": f"Bearer {ALICE_TOKEN}"},
    ).json()["accessToken"]
    head, body, signature = cas[0].split(".")
    forged = f"{head}.{body}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"
    from hfgit.server.xettokens import XetTokens

    secret = hub.root / "xet" / "secret"
    expired, _ = XetTokens(secret, cas[1].rsplit("/", 1)[1]).issue(
        "models/alice/demo", "write", now=0
    )

    for token, status in [(read, 403), (forged, 401), (expired, 401), ("nonsense", 401)]:
        xorb, shard = send(http, cas[1], token, upload)
        assert_hub_error(xorb, status)
        assert_hub_error(shard, status)
    assert_hub_error(http.post(f"{cas[1]}/v1/shards", content=upload.shard), 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/chunks/default/{hash}"),
        ("GET", "/v1/chunks/default-merkledb/{hash}"),
        ("POST", "/v1/xorb-grants/default/{hash}"),
        ("POST", "/v2/shards"),
        ("POST", "/v1/telemetry"),
        ("GET", "/v1/reconstructions/{hash}"),
        ("DELETE", "/v1/xorbs/default/{hash}"),
        ("PUT", "/v1/shards"),
        ("GET", ""),
    ],
)
def test_routes_the_cas_does_not_offer_answer_404_never_405(http, cas, method, path):
    name = hash_hex(os.urandom(32))
    answer = http.request(
        method,
        cas[1] + path.format(hash=name),
        headers={"Authorization": f"Bearer {cas[0]}"},
        content=b"{}" if method in ("POST", "PUT") else None,
    )

    assert_hub_error(answer, 404)
    other_instance = cas[1].rsplit("/", 1)[0] + "/0123456789abcdef"
    assert_hub_error(http.request(method, other_instance + path.format(hash=name)), 404)


def test_a_full_xorb_of_64_mib_of_data_with_its_chunk_headers_is_taken(http, cas):
    data = os.urandom(64 * 1024 * 1024)
    chunks = [data[i : i + 128 * 1024] for i in range(0, len(data), 128 * 1024)]
    from hfgit.server.xorbformat import build_xorb

    body, xorb = build_xorb(chunks)
    assert len(body) > 64 * 1024 * 1024  # the client's bodies are this large too

    answer = http.post(
        f"{cas[1]}/v1/xorbs/default/{hash_hex(xorb)}",
        headers={"Authorization": f"Bearer {cas[0]}"},
        content=body,
    )

    assert answer.json() == {"was_inserted": True}


def test_a_file_larger_than_an_lfs_object_may_be_is_refused(tmp_path):
    from hubhttp import Client

    from hfgit.server import HubServer, Limits

    server = HubServer(tmp_path / "root", {"alice": ALICE_TOKEN}, limits=Limits(lfs_bytes=100_000))
    server.start()
    try:
        http = Client(server.url)
        http.post(
            "/api/repos/create",
            json={"name": "demo", "organization": "alice"},
            headers={"Authorization": f"Bearer {ALICE_TOKEN}"},
        )
        token, cas_url = write_token(http, "alice/demo", ALICE_TOKEN)
        xorb, shard = send(http, cas_url, token, parts(os.urandom(150_000)))
    finally:
        server.stop()

    assert xorb.json() == {"was_inserted": True}
    assert_hub_error(shard, 413)
