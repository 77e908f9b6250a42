"""git's smart HTTP at the wire: compressed and chunked request bodies, a slow push that holds
up nothing else, a push past its deadline cut off, a pack over the size cap, and packs
streamed through the hub without being held in memory."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import tracemalloc
from urllib.parse import urlsplit

import pytest
from gitdriver import Git, basic
from hubhttp import Client

from hfgit.server import HubServer, Limits

MiB = 1024 * 1024


def pkt(line: bytes) -> bytes:
    """One pkt-line of git's protocol."""
    return b"%04x" % (len(line) + 4) + line


@pytest.fixture
def demo(hub) -> str:  # type: ignore[no-untyped-def]
    return _demo(hub)


def _demo(hub) -> str:  # type: ignore[no-untyped-def]
    """alice/demo with one commit beyond the initial one; returns the id of main."""
    api = hub.api()
    api.create_repo("alice/demo")
    api.upload_file(path_or_fileobj=b"hello\n", path_in_repo="hello.txt", repo_id="alice/demo")
    return str(api.list_repo_refs("alice/demo").branches[0].target_commit)


def _fetch_request(main: str) -> bytes:
    return pkt(b"want %s side-band-64k ofs-delta\n" % main.encode()) + b"0000" + pkt(b"done\n")


@pytest.mark.parametrize("framing", ["length", "chunked"])
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_fetch_request_is_answered_whatever_its_framing_and_encoding(
    hub, demo, framing, encoding
):
    body = _fetch_request(demo)
    headers = {"Content-Type": "application/x-git-upload-pack-request"}
    if encoding == "gzip":
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    content = body if framing == "length" else iter([body[:7], body[7:]])
    response = Client(hub.url).post(
        "/alice/demo.git/git-upload-pack", content=content, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-git-upload-pack-result"
    assert b"PACK" in response.content


def test_an_unknown_content_encoding_is_refused(hub, demo):
    headers = {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "br"}
    response = Client(hub.url).post("/alice/demo/git-upload-pack", content=b"x", headers=headers)
    assert response.status_code == 415


def test_only_the_smart_protocol_is_served(hub, demo):
    client = Client(hub.url)
    assert client.get("/alice/demo/info/refs").status_code == 403  # git's old "dumb" protocol
    assert client.get("/alice/demo/HEAD").status_code == 404
    assert client.get("/alice/demo/git-upload-pack").status_code == 405


def test_the_token_may_also_come_as_the_password_of_basic_auth_on_the_api(hub):
    answer = Client(hub.url).get("/api/whoami-v2", headers=basic(hub.tokens["alice"], "whoever"))
    assert answer.status_code == 200 and answer.json()["name"] == "alice"
    wrong = Client(hub.url).get("/api/whoami-v2", headers=basic("hf_wrong0123456789"))
    assert wrong.status_code == 401


def test_the_verify_url_of_an_upload_batch_needs_no_token_and_verifies_only_its_object(hub):
    hub.api().create_repo("alice/demo")
    client = Client(hub.url)
    data = b"\x00some weights"
    oid = hashlib.sha256(data).hexdigest()
    batch = {"operation": "upload", "objects": [{"oid": oid, "size": len(data)}]}
    answer = client.post(
        "/alice/demo.git/info/lfs/objects/batch", json=batch, headers=basic(hub.tokens["alice"])
    )
    actions = answer.json()["objects"][0]["actions"]
    verify = actions["verify"]["href"]
    assert client.post(verify, json={"oid": oid, "size": len(data)}).status_code == 404
    assert client.put(actions["upload"]["href"], content=data).status_code == 200
    assert client.post(verify, json={"oid": oid, "size": len(data)}).status_code == 200
    other = hashlib.sha256(b"other").hexdigest()
    assert client.post(verify, json={"oid": other, "size": len(data)}).status_code == 400
    assert (
        client.post(verify.replace(oid, other), json={"oid": other, "size": len(data)}).status_code
        == 403
    )


# --- a push whose body comes slowly, or never ends ----------------------------------------


class SlowPush:
    """A push whose body starts (the ref update line) and then waits: receive-pack is
    running on the hub, reading a pack that does not come."""

    def __init__(self, hub, main: str) -> None:  # type: ignore[no-untyped-def]
        parts = urlsplit(hub.url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        command = b"%s %s refs/heads/main\0report-status\n" % (main.encode(), b"1" * 40)
        head = (
            "POST /alice/demo.git/git-receive-pack HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\n"
            f"Authorization: {basic(hub.tokens['alice'])['Authorization']}\r\n"
            "Content-Type: application/x-git-receive-pack-request\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
        first = pkt(command) + b"0000" + b"PACK\0\0\0\2"
        self.sock.sendall(head + b"%x\r\n%s\r\n" % (len(first), first))

    def answer(self) -> bytes:
        """Everything the hub sends until it closes the connection."""
        received = b""
        while data := self.sock.recv(65536):
            received += data
        return received

    def close(self) -> None:
        self.sock.close()


def test_a_slow_push_holds_up_nothing_else(hub, demo, tmp_path):
    slow = SlowPush(hub, demo)
    try:
        api = hub.api()
        api.upload_file(path_or_fileobj=b"meanwhile\n", path_in_repo="m.txt", repo_id="alice/demo")
        meanwhile = api.list_repo_commits("alice/demo")[0].commit_id
        git = Git(tmp_path / "home", hub.url)
        git("clone", "-q", git.url("alice/demo"), str(tmp_path / "clone"))
        assert (tmp_path / "clone" / "m.txt").read_bytes() == b"meanwhile\n"
    finally:
        slow.close()
    api.upload_file(path_or_fileobj=b"after\n", path_in_repo="a.txt", repo_id="alice/demo")
    assert api.list_repo_commits("alice/demo")[1].commit_id == meanwhile


@pytest.fixture
def hub_with(hub, tmp_path):  # type: ignore[no-untyped-def]
    """hub_with(limits) -> another hub (same users) under those limits."""
    servers = []

    def start(limits: Limits):  # type: ignore[no-untyped-def]
        server = HubServer(tmp_path / f"hub{len(servers)}", hub.tokens, limits=limits).start()
        servers.append(server)
        return type(hub)(server.url, server.root)

    yield start
    for server in servers:
        server.stop()


def test_a_push_past_its_deadline_is_cut_off_and_changes_nothing(hub_with):
    small_hub = hub_with(Limits(git_seconds=0.5))
    main = _demo(small_hub)
    slow = SlowPush(small_hub, main)
    try:
        answer = slow.answer()
    finally:
        slow.close()
    assert answer.startswith(b"HTTP/1.1 200 ")  # git answers at once, then reads the pack
    assert b"Transfer-Encoding: chunked" in answer and not answer.endswith(b"0\r\n\r\n")
    api = small_hub.api()
    assert api.list_repo_refs("alice/demo").branches[0].target_commit == main
    api.upload_file(path_or_fileobj=b"x\n", path_in_repo="x.txt", repo_id="alice/demo")


def test_a_pack_over_the_size_cap_is_refused_by_git_in_its_own_words(hub_with, tmp_path):
    small_hub = hub_with(Limits(lfs_bytes=2 * MiB))
    small_hub.api().create_repo("alice/demo")
    git = Git(tmp_path / "home", small_hub.url)
    git.login(small_hub.tokens["alice"])
    work = tmp_path / "work"
    git("clone", "-q", git.url("alice/demo"), str(work))
    (work / "noise.dat").write_bytes(os.urandom(3 * MiB))
    git("add", "noise.dat", cwd=work)
    git("commit", "-q", "-m", "Noise", cwd=work)
    refused = git.fails("push", "origin", "main", cwd=work)
    assert "pack exceeds maximum allowed size" in refused


def test_packs_stream_through_the_hub_without_being_held_in_memory(hub, tmp_path):
    """Push then clone ~27 MiB of pack: what the hub's Python allocates at its peak stays a
    small fraction of it (the bytes go through in chunks)."""
    hub.api().create_repo("alice/big")
    git = Git(tmp_path / "home", hub.url)
    git.login(hub.tokens["alice"])
    work = tmp_path / "work"
    git("clone", "-q", git.url("alice/big"), str(work))
    for name in ("a", "b", "c"):
        (work / f"{name}.dat").write_bytes(os.urandom(9 * MiB))
    git("add", ".", cwd=work)
    git("commit", "-q", "-m", "Three large files", cwd=work)
    peaks = []
    tracemalloc.start()
    try:
        for command in (
            ["push", "-q", "origin", "main"],
            ["clone", "-q", git.url("alice/big"), str(tmp_path / "again")],
        ):
            tracemalloc.reset_peak()
            git(*command, cwd=work)
            peaks.append(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    assert (tmp_path / "again" / "b.dat").read_bytes() == (work / "b.dat").read_bytes()
    assert max(peaks) < 4 * MiB, peaks
