"""What a hub killed at any instant leaves behind, recreated on disk: a xorb without its chunk
index (or the index without the xorb, or a truncated one), a damaged file record, stray temp
files, an empty instance or secret file, git's lock file of a ref being moved. The restarted
hub answers each in the Hub's error shape, never a 500, and sending again converges."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubhttp import Client
from xetparts import assert_hub_error, parts, send, write_token

from hfgit.server import running_hub
from hfgit.server.xetstore import XetStore

TOKEN = "hf_aliceCrashStates0123456"
USERS = {"alice": TOKEN}
REPO = "alice/crash"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "hub"


@pytest.fixture
def hub(root: Path) -> Iterator[Client]:
    """A hub with the repo alice/crash; the test restarts it over the same root as it needs."""
    with running_hub(root, USERS) as url, Client(url, timeout=30) as http:
        created = http.post(
            "/api/repos/create",
            headers=_bearer(TOKEN),
            content=json.dumps({"name": "crash", "organization": "alice", "type": "model"}),
        )
        assert created.status_code == 200, created.text
        yield http


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _commit(http: Client, sha256: str, size: int, path: str = "w.bin"):  # type: ignore[no-untyped-def]
    lines = [
        {"key": "header", "value": {"summary": f"add {path}", "description": ""}},
        {"key": "lfsFile", "value": {"path": path, "algo": "sha256", "oid": sha256, "size": size}},
    ]
    return http.post(
        f"/api/models/{REPO}/commit/main",
        headers={**_bearer(TOKEN), "Content-Type": "application/x-ndjson"},
        content="\n".join(json.dumps(line) for line in lines).encode(),
    )


def _store(root: Path) -> XetStore:
    return XetStore(root / "xet", root / "tmp")


@contextlib.contextmanager
def _restarted(root: Path) -> Iterator[Client]:
    """Another hub over the same root: what a restart after the damage sees."""
    with running_hub(root, USERS) as url, Client(url, timeout=30) as http:
        yield http


def _converges(http: Client, upload) -> None:  # type: ignore[no-untyped-def]
    token, cas = write_token(http, REPO, TOKEN)
    xorb, shard = send(http, cas, token, upload)
    assert xorb.status_code == 200, xorb.text
    assert shard.status_code == 200, shard.text
    assert _commit(http, upload.sha256, len(upload.data)).status_code == 200
    assert http.get(f"/{REPO}/resolve/main/w.bin").content == upload.data


@pytest.mark.parametrize(
    "half", ["xorb without its index", "index without its xorb", "truncated index", "empty index"]
)
def test_a_xorb_stored_in_part_counts_as_absent_and_a_resend_stores_it_whole(hub, root, half):
    upload = parts(os.urandom(300_000))
    token, cas = write_token(hub, REPO, TOKEN)
    assert send(hub, cas, token, upload)[0].json() == {"was_inserted": True}
    body, index = (
        _store(root).xorb_path(upload.xorb_hash),
        _store(root).index_path(upload.xorb_hash),
    )
    if half == "xorb without its index":
        index.unlink()
    elif half == "index without its xorb":
        body.unlink()
    elif half == "truncated index":
        index.write_bytes(index.read_bytes()[:-20])
    else:
        index.write_bytes(b"")

    with _restarted(root) as http:
        token, cas = write_token(http, REPO, TOKEN)
        shard = http.post(f"{cas}/v1/shards", headers=_bearer(token), content=upload.shard)
        assert_hub_error(shard, 400)  # its xorb is not stored whole: not 500
        assert http.post(  # the xorb is taken again, not skipped as already stored
            f"{cas}/v1/xorbs/default/{upload.xorb_hash}",
            headers=_bearer(token),
            content=upload.xorb,
        ).json() == {"was_inserted": True}
        _converges(http, upload)


def test_a_damaged_file_record_is_registered_again_by_the_next_shard(hub, root):
    upload = parts(os.urandom(200_000))
    token, cas = write_token(hub, REPO, TOKEN)
    send(hub, cas, token, upload)
    record = root / "xet" / "files" / upload.sha256[:2] / upload.sha256[2:4] / upload.sha256
    record.write_text(record.read_text()[:25])

    with _restarted(root) as http:
        assert _commit(http, upload.sha256, len(upload.data)).status_code != 500
        _converges(http, upload)


def test_stray_temp_files_and_an_empty_instance_or_secret_do_not_stop_the_hub(hub, root):
    upload = parts(os.urandom(100_000))
    token, cas = write_token(hub, REPO, TOKEN)
    send(hub, cas, token, upload)
    fanned = _store(root).xorb_path(upload.xorb_hash).parent
    (fanned / f".{upload.xorb_hash}.chunks.x1y2.tmp").write_bytes(b"\x00" * 7)
    (root / "xet" / ".instance.k3j2").write_text("")
    (root / "tmp" / "xorb-abcdef").write_bytes(b"half a xorb")
    for name in ("instance", "secret"):
        (root / "xet" / name).write_text("")

    with _restarted(root) as http:
        instance = (root / "xet" / "instance").read_text().strip()
        assert len(instance) == 16 and int(instance, 16) >= 0
        token, cas = write_token(http, REPO, TOKEN)
        assert cas.endswith(f"/api/cas/{instance}")
        _converges(http, upload)


@pytest.mark.parametrize("lock", ["refs/heads/main.lock", "refs/tags/v1.lock", "packed-refs.lock"])
def test_a_ref_lock_left_by_a_killed_hub_is_cleared_at_restart(hub, root, lock):
    upload = parts(os.urandom(100_000))
    token, cas = write_token(hub, REPO, TOKEN)
    send(hub, cas, token, upload)
    stale = root / "repos" / "models" / "alice" / "crash.git" / lock
    stale.write_bytes(b"")

    with _restarted(root) as http:
        assert not stale.exists()
        _converges(http, upload)
        tag = http.post(
            f"/api/models/{REPO}/tag/main",
            headers=_bearer(TOKEN),
            content=json.dumps({"tag": "v1"}),
        )
        assert tag.status_code == 200, tag.text


def test_an_unexpected_failure_in_the_cas_is_a_retryable_hub_error_not_a_500(
    hub, monkeypatch: pytest.MonkeyPatch
):
    upload = parts(os.urandom(50_000))
    token, cas = write_token(hub, REPO, TOKEN)

    def failing(self, xorb, read):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(XetStore, "receive_xorb", failing)
    xorb = hub.post(
        f"{cas}/v1/xorbs/default/{upload.xorb_hash}", headers=_bearer(token), content=upload.xorb
    )

    assert_hub_error(xorb, 503)
    assert xorb.headers["Retry-After"]
    monkeypatch.undo()
    _converges(hub, upload)
