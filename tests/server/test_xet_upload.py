"""The stock client with Xet on uploads into the embedded hub: files come back byte for byte
(ranges included, rebuilt from only the chunks they need), and a new version of a file sends
and stores only its changed chunks, within one process and from a new one (shard cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import pytest
from hubhttp import Client
from xetparts import stored_bytes

from hfgit.server import HubServer

MiB = 1024 * 1024
TOKEN = "hf_aliceTestToken0123456789"


@pytest.fixture(autouse=True)
def _no_xet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Xet on, as the stock client has it (this replaces the server tests' Xet-off fixture)."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", False)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HubServer]:
    hub = HubServer(tmp_path / "root", {"alice": TOKEN}).start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture
def api(server: HubServer):  # type: ignore[no-untyped-def]
    from huggingface_hub import HfApi

    client = HfApi(endpoint=server.url, token=TOKEN)
    client.create_repo("alice/demo")
    return client


def sent(server: HubServer) -> int:
    """Xorb bytes the hub has received so far."""
    return server.context.storage.xet.received["xorb_bytes"]


def download(server: HubServer, path: str, tmp_path: Path, revision: str = "main") -> bytes:
    from huggingface_hub import hf_hub_download

    cache = tmp_path / f"cache-{os.urandom(4).hex()}"
    local = hf_hub_download(
        "alice/demo", path, revision=revision, endpoint=server.url, token=TOKEN, cache_dir=cache
    )
    return Path(local).read_bytes()


def test_upload_file_goes_over_xet_and_downloads_byte_identical_with_ranges(server, api, tmp_path):
    data = os.urandom(3 * MiB + 12345)
    (tmp_path / "w.bin").write_bytes(data)

    api.upload_file(
        path_or_fileobj=str(tmp_path / "w.bin"), path_in_repo="w.bin", repo_id="alice/demo"
    )

    assert sent(server) >= len(data)
    lfs_objects = [p for p in (server.root / "lfs").rglob("*") if len(p.name) == 64]
    assert not lfs_objects  # nothing went through LFS
    assert download(server, "w.bin", tmp_path) == data
    http = Client(server.url)
    head = http.head("/alice/demo/resolve/main/w.bin")
    assert head.headers["X-Linked-Size"] == head.headers["Content-Length"] == str(len(data))
    assert head.headers["ETag"] == f'"{api.get_paths_info("alice/demo", ["w.bin"])[0].lfs.sha256}"'
    for header, expected in [
        ("bytes=1000-200000", data[1000:200001]),  # inside the first chunks
        (f"bytes={len(data) - 70000}-", data[-70000:]),  # across the last chunks
        ("bytes=-5", data[-5:]),
        (f"bytes={MiB - 1}-{MiB}", data[MiB - 1 : MiB + 1]),
    ]:
        answer = http.get("/alice/demo/resolve/main/w.bin", headers={"Range": header})
        assert answer.status_code == 206, answer.text
        assert answer.content == expected, header
        assert answer.headers["Content-Length"] == str(len(expected))
    assert not any(name.lower().startswith("x-xet") for name in head.headers)


def test_a_ranged_read_decompresses_only_the_chunks_it_touches(server, api, tmp_path, monkeypatch):
    from hfgit.server import xetread

    data = os.urandom(4 * MiB)
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/demo")
    read: list[int] = []
    real = xetread.read_chunk
    monkeypatch.setattr(xetread, "read_chunk", lambda d, c: read.append(c.size) or real(d, c))

    answer = Client(server.url).get(
        "/alice/demo/resolve/main/w.bin", headers={"Range": f"bytes={2 * MiB}-{2 * MiB + 99}"}
    )

    assert answer.content == data[2 * MiB : 2 * MiB + 100]
    assert 1 <= len(read) <= 2 and sum(read) <= 256 * 1024


def test_upload_folder_and_create_commit_with_several_files(server, api, tmp_path):
    from huggingface_hub import CommitOperationAdd

    folder = tmp_path / "model"
    files = {
        "model.safetensors": os.urandom(2 * MiB),
        "sub/extra.bin": os.urandom(700 * 1024),
        "config.json": b'{"hidden_size": 8}',
    }
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    api.upload_folder(folder_path=folder, repo_id="alice/demo")
    more = {f"shard-{i}.bin": os.urandom(MiB + i) for i in range(3)}
    for name, content in more.items():
        (tmp_path / name).write_bytes(content)
    api.create_commit(
        "alice/demo",
        [CommitOperationAdd(path_in_repo=n, path_or_fileobj=str(tmp_path / n)) for n in more],
        commit_message="three shards",
    )

    for name, content in {**files, **more}.items():
        assert download(server, name, tmp_path) == content, name
    lfs = {
        e.path: e.lfs for e in api.list_repo_tree("alice/demo", recursive=True) if hasattr(e, "lfs")
    }
    assert lfs["config.json"] is None and lfs["shard-2.bin"].size == MiB + 2


def test_changing_1_mib_in_a_32_mib_file_sends_and_stores_about_1_mib(server, api, tmp_path):
    path = tmp_path / "w.bin"
    first = bytearray(os.urandom(32 * MiB))
    path.write_bytes(first)
    info = api.upload_file(path_or_fileobj=str(path), path_in_repo="w.bin", repo_id="alice/demo")
    before_sent, before_stored = sent(server), stored_bytes(server.root)
    second = bytearray(first)
    second[16 * MiB : 17 * MiB] = os.urandom(MiB)
    path.write_bytes(second)

    api.upload_file(path_or_fileobj=str(path), path_in_repo="w.bin", repo_id="alice/demo")

    # 1 MiB plus the chunks it ends in (at most 128 KiB each side), plus headers and index
    added_sent = sent(server) - before_sent
    added_stored = stored_bytes(server.root) - before_stored
    assert MiB <= added_sent <= MiB + 320 * 1024, added_sent
    assert MiB <= added_stored <= MiB + 384 * 1024, added_stored
    assert download(server, "w.bin", tmp_path) == second
    assert download(server, "w.bin", tmp_path, revision=info.oid) == first


REUPLOAD = """
import sys
from huggingface_hub import HfApi
HfApi(endpoint=sys.argv[1], token=sys.argv[2]).upload_file(
    path_or_fileobj=sys.argv[3], path_in_repo="w.bin", repo_id="alice/demo"
)
"""


def test_a_new_process_relies_on_the_shard_cache_and_sends_only_new_chunks(server, api, tmp_path):
    path = tmp_path / "w.bin"
    first = bytearray(os.urandom(8 * MiB))
    path.write_bytes(first)
    api.upload_file(path_or_fileobj=str(path), path_in_repo="w.bin", repo_id="alice/demo")
    before = sent(server)
    first[4 * MiB : 4 * MiB + 512 * 1024] = os.urandom(512 * 1024)
    path.write_bytes(first)

    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_XET"}  # same HF_HOME
    subprocess.run(
        [sys.executable, "-c", REUPLOAD, server.url, TOKEN, str(path)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )

    assert 512 * 1024 <= sent(server) - before <= 512 * 1024 + 320 * 1024
    assert download(server, "w.bin", tmp_path) == first


def test_the_cas_url_names_the_storage_instance_which_a_new_root_changes(server, api, tmp_path):
    http = Client(server.url)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    cas = http.get("/api/models/alice/demo/xet-write-token/main", headers=auth).json()["casUrl"]
    again = HubServer(server.root, {"alice": TOKEN}).start()
    other = HubServer(tmp_path / "other", {"alice": TOKEN}).start()
    try:
        from huggingface_hub import HfApi

        HfApi(endpoint=other.url, token=TOKEN).create_repo("alice/demo")
        restarted = Client(again.url).get(
            "/api/models/alice/demo/xet-write-token/main", headers=auth
        )
        reset = Client(other.url).get("/api/models/alice/demo/xet-write-token/main", headers=auth)
    finally:
        again.stop()
        other.stop()
    instance = cas.rsplit("/", 1)[1]
    assert restarted.json()["casUrl"].rsplit("/", 1)[1] == instance
    assert reset.json()["casUrl"].rsplit("/", 1)[1] != instance


def test_a_pull_request_from_a_reader_uploads_over_xet_with_the_create_pr_token(
    server, api, tmp_path
):
    from huggingface_hub import HfApi

    server.context.users = type(server.context.users)(
        {"alice": TOKEN, "bob": "hf_bobTestToken0123456789"}
    )
    data = os.urandom(2 * MiB)
    bob = HfApi(endpoint=server.url, token="hf_bobTestToken0123456789")

    info = bob.upload_file(
        path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/demo", create_pr=True
    )

    assert info.pr_num is not None and sent(server) >= len(data)
    assert download(server, "w.bin", tmp_path, revision=f"refs/pr/{info.pr_num}") == data


def test_a_damaged_xorb_cuts_the_download_off_rather_than_send_wrong_bytes(server, api):
    import http.client

    data = os.urandom(MiB)
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/demo")
    (xorb,) = [p for p in (server.root / "xet" / "xorbs").rglob("*") if len(p.name) == 64]
    damaged = bytearray(xorb.read_bytes())
    damaged[len(damaged) // 2] ^= 1
    xorb.write_bytes(damaged)

    with pytest.raises(http.client.IncompleteRead):
        Client(server.url).get("/alice/demo/resolve/main/w.bin")


def test_git_lfs_downloads_a_file_uploaded_over_xet_through_the_batch_api(server, api):
    data = os.urandom(MiB + 7)
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/demo")
    sha256 = api.get_paths_info("alice/demo", ["w.bin"])[0].lfs.sha256
    http = Client(server.url)

    batch = http.post(
        "/alice/demo.git/info/lfs/objects/batch",
        json={"operation": "download", "objects": [{"oid": sha256, "size": len(data)}]},
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.git-lfs+json"},
    ).json()
    href = batch["objects"][0]["actions"]["download"]["href"]

    assert http.get(href).content == data
    assert http.get(href, headers={"Range": "bytes=10-19"}).content == data[10:20]
