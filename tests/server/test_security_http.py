"""The embedded hub against hostile clients, over real sockets: request smuggling and framing,
slow clients, too many clients, costly bodies, URLs built from the Host header, and every
endpoint family of a private repo tried by an anonymous caller, another user and a bad token."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hubhttp import Client
from huggingface_hub import HfApi

from hfgit.server import ConnectionLimits, HubServer
from hfgit.server.body import Body
from hfgit.server.http import HubHTTPServer
from hfgit.server.messages import Response
from hfgit.server.problems import ApiError
from hfgit.server.wire import Wire

USERS = {"alice": "hf_aliceSecurityToken0123", "bob": "hf_bobSecurityToken0123"}


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):  # type: ignore[no-untyped-def]
        return json.loads(self.body)


class Raw:
    """A client socket: bytes go out exactly as written, answers are read as they come."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> RawResponse | None:
        """The next answer, or None when the server closes the connection before one."""
        while b"\r\n\r\n" not in self.buffer:
            data = self._recv()
            if not data:
                assert not self.buffer, f"connection closed mid-answer: {self.buffer[:200]!r}"
                return None
            self.buffer += data
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            data = self._recv()
            assert data, "connection closed mid-body"
            rest += data
        self.buffer = rest[length:]
        return RawResponse(int(status_line.split()[1]), headers, rest[:length])

    def closed_by_server(self) -> bool:
        """True once the server has closed the connection (EOF or reset), without answering."""
        return self.response() is None

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except ConnectionResetError:
            return b""

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(hub):  # type: ignore[no-untyped-def]
    connections: list[Raw] = []

    def connect(url: str | None = None) -> Raw:
        connections.append(Raw(url or hub.url))
        return connections[-1]

    yield connect
    for conn in connections:
        conn.close()


@pytest.fixture
def quick_hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A hub whose clients get half a second for a head, a silence in a body, or idling."""
    limits = ConnectionLimits(
        header_timeout=0.5, idle_timeout=0.5, body_timeout=0.5, linger=0.2, max_connections=2
    )
    server = HubServer(tmp_path / "quick", USERS, connections=limits)
    server.start()
    yield server
    server.stop()


def _assert_hub_error(response: RawResponse | None, status: int) -> None:
    assert response is not None
    assert response.status == status, response.body
    assert response.headers["x-error-message"]
    assert response.json()["error"]


def _smuggled(token: str) -> bytes:
    """A request hidden behind another: served only if the first one's framing is believed."""
    return f"GET /api/whoami-v2 HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {token}\r\n\r\n".encode()


POST = "POST /api/validate-yaml HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n"

FRAMING_ATTACKS = {
    "chunked-and-content-length": POST
    + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "gzip-chunked-and-content-length": POST
    + "Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "gzip-chunked": POST + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "chunked-twice": POST
    + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "identity": POST + "Transfer-Encoding: identity\r\n\r\n",
    "space-before-colon": POST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "folded-header": POST + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "content-length-twice": POST + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    "content-length-conflicting": POST + "Content-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
    "content-length-list": POST + "Content-Length: 2, 2\r\n\r\n{}",
    "content-length-signed": POST + "Content-Length: +2\r\n\r\n{}",
    "content-length-negative": POST + "Content-Length: -1\r\n\r\n{}",
    "content-length-hex": POST + "Content-Length: 0x2\r\n\r\n{}",
    "chunked-in-http-1.0": "POST /api/validate-yaml HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "no-host": "POST /api/validate-yaml HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
    "two-hosts": POST + "Host: other\r\nContent-Length: 2\r\n\r\n{}",
    "chunk-size-negative": CHUNKED + "-1\r\n{}\r\n0\r\n\r\n",
    "chunk-size-0x": CHUNKED + "0x2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-plus": CHUNKED + "+2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-underscore": CHUNKED + "0_2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-leading-space": CHUNKED + " 2\r\n{}\r\n0\r\n\r\n",
    "chunk-size-not-hex": CHUNKED + "zz\r\n{}\r\n0\r\n\r\n",
    "chunk-size-17-digits": CHUNKED + "00000000000000002\r\n{}\r\n0\r\n\r\n",
    "chunk-longer-than-its-size": CHUNKED + "2\r\n{}}\r\n0\r\n\r\n",
    "chunk-bare-lf": CHUNKED + "2\n{}\n0\n\n",
    "bad-trailer": CHUNKED + "2\r\n{}\r\n0\r\nno colon here\r\n\r\n",
}


@pytest.mark.parametrize("attack", FRAMING_ATTACKS.values(), ids=FRAMING_ATTACKS.keys())
def test_ambiguous_framing_gets_400_and_the_request_behind_it_is_never_served(hub, raw, attack):
    conn = raw()
    conn.send(attack.encode() + _smuggled(hub.tokens["alice"]))
    answer = conn.response()
    _assert_hub_error(answer, 400)
    assert answer is not None and answer.headers["connection"] == "close"
    assert conn.closed_by_server()


def test_a_well_framed_pipelined_request_is_served(hub, raw):
    """The counterpart of the framing attacks: the request behind a sound one is answered."""
    conn = raw()
    body = b'{"content":"hi"}'
    chunked_body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    conn.send(CHUNKED.encode() + chunked_body + _smuggled(hub.tokens["alice"]))
    first, second = conn.response(), conn.response()
    assert first is not None and first.status == 200
    assert second is not None and second.json()["name"] == "alice"


def test_a_negative_chunk_size_is_refused_without_waiting_for_the_rest(hub, raw):
    conn = raw()
    conn.send(CHUNKED.encode() + b"-1\r\n" + b"x" * 65536)  # and the socket stays open
    _assert_hub_error(conn.response(), 400)


def test_a_chunk_larger_than_the_cap_is_refused_before_its_bytes_are_read(hub, raw):
    conn = raw()
    conn.send(CHUNKED.encode() + b"7fffffffffffffff\r\n" + b"x" * 65536)
    _assert_hub_error(conn.response(), 413)
    assert conn.closed_by_server()


def test_a_head_too_large_gets_431_and_is_closed(hub, raw):
    conn = raw()
    conn.send(b"GET /api/whoami-v2 HTTP/1.1\r\nHost: hub\r\n" + b"X-Pad: y\r\n" * 10_000 + b"\r\n")
    _assert_hub_error(conn.response(), 431)
    assert conn.closed_by_server()


def test_expect_100_continue_is_answered_before_the_body_is_sent(hub, raw):
    conn = raw()
    body = b'{"content":"hi"}'
    conn.send((POST + f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
    interim = conn.response()
    assert interim is not None and interim.status == 100
    conn.send(body)
    final = conn.response()
    assert final is not None and final.status == 200


# --- slow and idle clients ----------------------------------------------------------------


def test_a_head_sent_byte_by_byte_is_cut_at_its_deadline(quick_hub, raw):
    """Each byte arrives well within any per-read timeout; the head as a whole has a deadline."""
    conn = raw(quick_hub.url)
    conn.send(b"GET /api/whoami-v2 HTTP/1.1\r\nHost: hub\r\n")
    for _ in range(200):  # 200 x 0.1 s would take 20 s; the deadline is 0.5 s
        try:
            conn.send(b"X")
        except OSError:
            break
        if select.select([conn.sock], [], [], 0.1)[0]:
            break
    else:
        pytest.fail("the server let a head trickle in for 20 s")
    answer = conn.response()
    assert answer is None or answer.status == 408


def test_a_client_that_connects_and_says_nothing_is_disconnected(quick_hub, raw):
    assert raw(quick_hub.url).closed_by_server()


def test_an_idle_kept_alive_connection_is_closed(quick_hub, raw):
    conn = raw(quick_hub.url)
    conn.send(b"GET /api/agent-harnesses HTTP/1.1\r\nHost: hub\r\n\r\n")
    answer = conn.response()
    assert answer is not None and answer.status == 200 and "connection" not in answer.headers
    assert conn.closed_by_server()


def test_a_body_that_stops_arriving_gets_408(quick_hub, raw):
    conn = raw(quick_hub.url)
    conn.send((POST + "Content-Length: 100\r\n\r\n").encode() + b'{"content": "')
    _assert_hub_error(conn.response(), 408)
    assert conn.closed_by_server()


# --- too many clients ---------------------------------------------------------------------


def test_connections_over_the_cap_get_a_prompt_503_and_are_closed(tmp_path, raw):
    limits = ConnectionLimits(max_connections=2, header_timeout=30, idle_timeout=30, linger=0.2)
    server = HubServer(tmp_path / "capped", USERS, connections=limits).start()
    try:
        held = [raw(server.url) for _ in range(2)]
        for conn in held:  # answered, so surely admitted; now idling in keep-alive
            conn.send(b"GET /api/agent-harnesses HTTP/1.1\r\nHost: hub\r\n\r\n")
            assert conn.response().status == 200  # type: ignore[union-attr]
        excess = raw(server.url)
        excess.send(b"GET /api/agent-harnesses HTTP/1.1\r\nHost: hub\r\n\r\n")
        answer = excess.response()
        _assert_hub_error(answer, 503)
        assert answer is not None and answer.headers["retry-after"]
        assert excess.closed_by_server()
        held[0].close()
        assert _eventually(lambda: Client(server.url).get("/api/agent-harnesses").status_code)
    finally:
        server.stop()


def _eventually(status, attempts: int = 100) -> bool:  # type: ignore[no-untyped-def]
    """True once `status()` answers 200 (a closed slot is freed by another thread)."""
    for _ in range(attempts):
        if status() == 200:
            return True
        time.sleep(0.05)
    return False


class _Exhausted:
    """A listening socket in a process that has run out of file descriptors."""

    def __init__(self, log: list[object]) -> None:
        self.log = log

    def accept(self):  # type: ignore[no-untyped-def]
        self.log.append("accept")
        raise OSError(errno.EMFILE, "Too many open files")


def test_the_accept_loop_pauses_after_each_failed_accept_and_then_serves_again(raw):
    log: list[object] = []
    server = HubHTTPServer(
        ("127.0.0.1", 0), lambda r: Response(), ConnectionLimits(accept_backoff=7)
    )
    listening, server.socket = server.socket, _Exhausted(log)  # type: ignore[assignment]
    server.pause = lambda seconds: log.append(("pause", seconds))
    try:
        server.accept()
        server.accept()
        assert log == ["accept", ("pause", 7), "accept", ("pause", 7)]
        server.socket = listening
        conn = raw(f"http://{server.authority}")
        conn.send(b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n")
        select.select([listening], [], [], 10)
        server.accept()
        assert conn.response().status == 200  # type: ignore[union-attr]
    finally:
        server.close_connections()
        server.server_close()


LOW_FD_SERVE = (
    "import resource, sys; from hfgit.cli import main; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (48, resource.getrlimit(resource.RLIMIT_NOFILE)[1])); "
    "sys.exit(main(sys.argv[1:]))"
)


def test_a_server_out_of_file_descriptors_pauses_and_serves_again(tmp_path):
    command = [sys.executable, "-c", LOW_FD_SERVE, "serve", "--root", str(tmp_path), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    flood: list[socket.socket] = []
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        parts = urlsplit(url)
        flood = [socket.create_connection((parts.hostname, parts.port)) for _ in range(100)]
        time.sleep(1)  # the server meets EMFILE on every accept while these stay open
        for conn in flood:
            conn.close()
        assert _eventually(lambda: Client(url, timeout=5).get("/api/agent-harnesses").status_code)
    finally:
        for conn in flood:
            conn.close()
        err = _stop(process)
    assert 1 <= err.count("cannot accept a connection") < 50  # paused, never spinning


# --- costly bodies ------------------------------------------------------------------------


def test_validate_yaml_refuses_a_body_over_its_cap(hub, http):
    readme = "---\nlicense: mit\n---\n" + "x" * (600 * 1024)
    response = http.post("/api/validate-yaml", json={"content": readme, "repoType": "model"})
    assert response.status_code == 413 and response.headers["X-Error-Message"]
    assert response.json()["error"]


@pytest.mark.parametrize(
    "front_matter",
    [
        "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(
            f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
            for p, c in zip("abcdefghi", "bcdefghij", strict=True)
        ),
        "a: " + "[" * 1000 + "]" * 1000,
        "\n".join(f"k{i}: [v, w]" for i in range(8000)),
        "d: 2020-13-45",
        "? [a]\n: b",
    ],
    ids=["alias-bomb", "deep", "many-nodes", "bad-date", "unhashable-key"],
)
def test_hostile_yaml_front_matter_gets_400_with_the_hub_error_shape(hub, http, front_matter):
    readme = f"---\n{front_matter}\n---\nbody"
    response = http.post("/api/validate-yaml", json={"content": readme, "repoType": "model"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] and response.headers["X-Error-Message"]


JSON_BODIES = {
    "nested-100k": b"[" * 100_000 + b"]" * 100_000,
    "objects-nested": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "many-arrays": b"[" + b"[]," * 300_000 + b"[]]",
    "many-values": b"[" + b"1," * 600_000 + b"1]",
    "not-utf8": b'{"name": "\xff"}',
    "truncated": b'{"name": ',
    "a-number": b"5",
}


@pytest.mark.parametrize("body", JSON_BODIES.values(), ids=JSON_BODIES.keys())
@pytest.mark.parametrize(
    "target",
    [
        ("POST", "/api/repos/create"),
        ("DELETE", "/api/repos/delete"),
        ("POST", "/api/validate-yaml"),
        ("POST", "/api/models/alice/demo/preupload/main"),
        ("POST", "/api/models/alice/demo/paths-info/main"),
        ("POST", "/api/models/alice/demo/tag/main"),
        ("POST", "/api/models/alice/demo/branch/dev"),
        ("POST", "/alice/demo.git/info/lfs/objects/batch"),
        ("POST", "/lfs/verify"),
    ],
    ids=lambda t: t[1].rsplit("/", 2)[-2] if "demo" in t[1] else t[1],
)
def test_malformed_json_bodies_get_a_4xx_in_the_hub_error_shape(
    hub, repo_id, http, auth, target, body
):
    method, path = target
    headers = {**auth(), "Content-Type": "application/json"}
    response = http.request(method, path, content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert response.headers["X-Error-Message"] and response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "organization": "alice", "type": []},
        {"name": "\ud800", "organization": "alice"},
        {"name": "x", "organization": "alice", "visibility": {}},
        {"name": ["x"], "organization": "alice"},
    ],
)
def test_wrongly_typed_repo_fields_get_400(hub, http, auth, body):
    response = http.post("/api/repos/create", json=body, headers=auth())
    assert response.status_code == 400 and response.headers["X-Error-Message"]


class _Chunks:
    """The source side of a chunked body held in memory."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int) -> bytes:
        out, self.data = self.data[:size], self.data[size:]
        return out

    def line(self, limit: int) -> bytes:
        line, _, self.data = self.data.partition(b"\r\n")
        return line

    def until_newline(self, limit: int) -> bytes:
        end = self.data.find(b"\n", 0, limit)
        return self.read(end + 1 if end >= 0 else limit)


def _chunked(payload: bytes, size: int = 100_000) -> bytes:
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_a_spooled_body_is_whole_rewound_and_capped(tmp_path):
    payload = bytes(range(256)) * 12_000  # 3 MB: past what is kept in memory
    with Body(_chunks := _Chunks(_chunked(payload)), None, True).spool(
        4_000_000, str(tmp_path)
    ) as f:
        assert f.read() == payload
    assert _chunks.data == b""
    with pytest.raises(ApiError) as refused:
        Body(_Chunks(_chunked(payload)), None, True).spool(1_000_000)
    assert refused.value.status == 413


def test_wire_reads_never_wait_past_their_timeout():
    left, right = socket.socketpair()
    try:
        wire = Wire(left, timeout=0.05)
        with pytest.raises(TimeoutError):
            wire.read(10)
        right.sendall(b"abc")
        assert wire.read(10) == b"abc"
    finally:
        left.close()
        right.close()


# --- URLs ---------------------------------------------------------------------------------


def _create_demo(url: str, token: str, headers: dict[str, str] | None = None) -> str:
    """Create alice/demo by hand (a client would check the URL it gets); returns that URL."""
    created = Client(url).post(
        "/api/repos/create",
        json={"name": "demo", "organization": "alice"},
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
    )
    return str(created.json()["url"])


def _upload_href(url: str, token: str, headers: dict[str, str]) -> str:
    oid = hashlib.sha256(b"payload").hexdigest()
    request = {"operation": "upload", "objects": [{"oid": oid, "size": 7}]}
    answer = Client(url).post(
        "/alice/demo.git/info/lfs/objects/batch",
        json=request,
        headers={"Authorization": f"Bearer {token}", **headers},
    )
    return str(answer.json()["objects"][0]["actions"]["upload"]["href"])


FORGED_HOST = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}


def test_urls_handed_out_never_come_from_the_host_header(hub):
    token = hub.tokens["alice"]
    assert _create_demo(hub.url, token, FORGED_HOST) == f"{hub.url}/alice/demo"
    assert _upload_href(hub.url, token, FORGED_HOST).startswith(f"{hub.url}/lfs/upload/")


def test_urls_start_with_the_configured_public_url(tmp_path):
    server = HubServer(tmp_path / "h", USERS, public_url="https://hub.example/hf/").start()
    try:
        token = USERS["alice"]
        assert _create_demo(server.url, token, FORGED_HOST) == "https://hub.example/hf/alice/demo"
        href = _upload_href(server.url, token, FORGED_HOST)
        assert href.startswith("https://hub.example/hf/lfs/upload/")
    finally:
        server.stop()


def _upload_href_of(server: HubServer, headers: dict[str, str]) -> str:
    return _upload_href(server.url, USERS["alice"], headers)


def test_forwarded_headers_count_only_behind_a_trusted_proxy(tmp_path):
    server = HubServer(tmp_path / "h", USERS, trust_proxy=True).start()
    try:
        _create_demo(server.url, USERS["alice"])
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example:8443"}
        assert _upload_href_of(server, proxied).startswith("https://hub.example:8443/lfs/")
        forged = {"X-Forwarded-Host": "evil.example/@x", "X-Forwarded-Proto": "gopher"}
        assert _upload_href_of(server, forged).startswith(f"{server.url}/lfs/")
    finally:
        server.stop()


# --- auth and privacy on every endpoint family ---------------------------------------------

NDJSON = b'{"key": "header", "value": {"summary": "x", "description": ""}}\n'
ENDPOINTS = [
    ("GET", "/api/{api}/alice/secret", None),
    ("GET", "/api/{api}/alice/secret/revision/main", None),
    ("GET", "/api/{api}/alice/secret/refs", None),
    ("GET", "/api/{api}/alice/secret/commits/main", None),
    ("GET", "/api/{api}/alice/secret/tree/main", None),
    ("POST", "/api/{api}/alice/secret/paths-info/main", {"paths": ["s.txt"]}),
    ("GET", "/{prefix}alice/secret/resolve/main/s.txt", None),
    ("HEAD", "/{prefix}alice/secret/resolve/main/s.txt", None),
    ("POST", "/api/{api}/alice/secret/preupload/main", {"files": [{"path": "a", "size": 1}]}),
    ("POST", "/api/{api}/alice/secret/commit/main", NDJSON),
    ("POST", "/api/{api}/alice/secret/tag/main", {"tag": "v2"}),
    ("DELETE", "/api/{api}/alice/secret/tag/v1", None),
    ("POST", "/api/{api}/alice/secret/branch/feature", {}),
    ("DELETE", "/api/{api}/alice/secret/branch/dev", None),
    (
        "POST",
        "/{prefix}alice/secret.git/info/lfs/objects/batch",
        {"operation": "upload", "objects": []},
    ),
    ("GET", "/api/{api}/alice/secret/xet-write-token/main", None),
    ("GET", "/api/{api}/alice/secret/xet-read-token/main", None),
    ("GET", "/{prefix}alice/secret/info/refs?service=git-upload-pack", None),
    ("GET", "/{prefix}alice/secret.git/info/refs?service=git-receive-pack", None),
    ("POST", "/{prefix}alice/secret/git-upload-pack", b"0000"),
    ("POST", "/{prefix}alice/secret.git/git-receive-pack", b"0000"),
]
# git and git-lfs send credentials only once asked: anonymous callers get a Basic challenge
CHALLENGED = ("/info/lfs/objects/batch", "/info/refs", "/git-upload-pack", "/git-receive-pack")


@pytest.fixture(params=["model", "dataset"])
def secret(request, hub) -> str:  # type: ignore[no-untyped-def]
    """A private repo of alice with a file, a tag and a branch; returns its kind."""
    api, kind = hub.api(), request.param
    api.create_repo("alice/secret", private=True, repo_type=kind)
    api.upload_file(
        path_or_fileobj=b"s", path_in_repo="s.txt", repo_id="alice/secret", repo_type=kind
    )
    api.create_tag("alice/secret", tag="v1", repo_type=kind)
    api.create_branch("alice/secret", branch="dev", repo_type=kind)
    return kind


def _authorization(hub, caller: str) -> str | None:  # type: ignore[no-untyped-def]
    alice = hub.tokens["alice"]
    return {
        "anonymous": None,
        "another-user": f"Bearer {hub.tokens['bob']}",
        "wrong-token": "Bearer hf_wrongToken0123456789",
        "token-digest-as-token": f"Bearer sha256:{hashlib.sha256(alice.encode()).hexdigest()}",
        "not-bearer": f"Basic {alice}",
    }[caller]


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("anonymous", 404, "RepoNotFound"),
        ("another-user", 404, "RepoNotFound"),
        ("wrong-token", 401, None),
        ("token-digest-as-token", 401, None),
        ("not-bearer", 401, None),
    ],
)
def test_a_private_repo_is_invisible_on_every_endpoint(hub, secret, caller, status, code):
    authorization = _authorization(hub, caller)
    refs_before = hub.api().list_repo_refs("alice/secret", repo_type=secret)
    api, prefix = ("models", "") if secret == "model" else ("datasets", "datasets/")
    client = Client(hub.url)
    wrong = []
    for method, template, body in ENDPOINTS:
        path = template.format(api=api, prefix=prefix)
        headers = {"Authorization": authorization} if authorization else {}
        content = body if isinstance(body, bytes) else None
        response = client.request(
            method, path, headers=headers, json=None if content else body, content=content
        )
        seen = (response.status_code, response.headers.get("X-Error-Code"))
        expected = (status, code)
        if path.partition("?")[0].endswith(CHALLENGED) and caller == "anonymous":
            expected = (401, code)
            seen += (response.headers.get("WWW-Authenticate", "").split()[:1] == ["Basic"],)
            expected += (True,)
        if seen != expected:
            wrong.append(f"{method} {path}: {seen}")
    assert wrong == []
    assert hub.api().list_repo_refs("alice/secret", repo_type=secret) == refs_before


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("bob", 403)])
def test_repos_of_others_cannot_be_created_or_deleted(hub, http, secret, user, status):
    headers = {"Authorization": f"Bearer {hub.tokens[user]}"} if user else {}
    target = {"name": "secret", "organization": "alice", "type": secret}
    assert (
        http.request("DELETE", "/api/repos/delete", json=target, headers=headers).status_code
        == status
    )
    target["name"] = "new"
    assert http.post("/api/repos/create", json=target, headers=headers).status_code == status
    assert hub.api().repo_info("alice/secret", repo_type=secret).private


# --- the Xet token endpoints ---------------------------------------------------------------


@pytest.mark.parametrize("api", ["models", "datasets"])
@pytest.mark.parametrize("token", ["xet-write-token", "xet-read-token"])
def test_xet_token_endpoints_answer_the_owner_with_a_token_and_its_cas(hub, http, auth, api, token):
    kind = "model" if api == "models" else "dataset"
    hub.api().create_repo("alice/x", repo_type=kind)
    response = http.get(f"/api/{api}/alice/x/{token}/main", headers=auth())
    assert response.status_code == 200
    body = response.json()
    assert response.headers["X-Xet-Access-Token"] == body["accessToken"]
    assert response.headers["X-Xet-Cas-Url"] == body["casUrl"]
    assert body["casUrl"].startswith(f"{hub.url}/api/cas/")


# --- git hf serve: where tokens come from, what it warns about ----------------------------


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--port", "0", *args]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _stop(process: subprocess.Popen[str]) -> str:
    """Stop a `git hf serve` process; what it wrote to stderr."""
    process.terminate()
    _, err = process.communicate(timeout=30)
    return err


def test_serve_takes_tokens_from_a_users_file_and_the_environment(tmp_path):
    tokens = {name: f"hf_{name}ServeToken0123" for name in ("alice", "bob", "carol", "dave")}
    users = tmp_path / "users"
    users.write_text(
        "# user token\n"
        f"alice {tokens['alice']}\n"
        f"bob sha256:{hashlib.sha256(tokens['bob'].encode()).hexdigest()}\n"
        f"\ncarol {tokens['carol']} read\n"
    )
    users.chmod(0o600)
    env = {"HFGIT_SERVE_USER": "dave", "HFGIT_SERVE_TOKEN": tokens["dave"]}
    process = _serve("--root", str(tmp_path / "root"), "--users-file", str(users), "-v", env=env)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        roles = {
            name: HfApi(endpoint=url, token=token).whoami()["auth"]["accessToken"]["role"]
            for name, token in tokens.items()
        }
        assert roles == {"alice": "write", "bob": "write", "carol": "read", "dave": "write"}
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
    finally:
        err = _stop(process)
    assert not any(token in command_line or token in err for token in tokens.values())
    assert "warning" not in err
    assert f"on {url}" in err and "HF_HUB_DISABLE_XET" not in err


def test_serve_warns_about_tokens_in_ps_and_plain_http_beyond_loopback(tmp_path):
    process = _serve(
        "--root", str(tmp_path), "--host", "0.0.0.0", "--user", "a", "--token", "hf_x1"
    )
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("http://")
    finally:
        err = _stop(process)
    assert "--token is visible to every local user (ps)" in err
    assert "put a TLS proxy in front" in err and "--public-url" in err
    assert "hf_x1" not in err


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("file", ["--root", "{tmp}/file"], "not a directory"),
        ("file", ["--root", "{tmp}/file/below"], "cannot use"),
        ("users", ["--root", "{tmp}/r", "--users-file", "{tmp}/users"], "users:2"),
        ("none", ["--root", "{tmp}/r", "--users-file", "{tmp}/missing"], "missing"),
        ("none", ["--root", "{tmp}/r", "--public-url", "ftp://x"], "public URL"),
    ],
    ids=["root-is-a-file", "root-below-a-file", "bad-users-line", "no-users-file", "bad-url"],
)
def test_serve_refuses_unusable_settings_in_one_line(tmp_path, setup, args, message):
    (tmp_path / "file").write_text("x")
    (tmp_path / "users").write_text("alice hf_fine0123\nbob\n")
    argv = [a.format(tmp=tmp_path) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "hfgit.cli", "serve", "--port", "0", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_needs_both_user_and_token_from_the_environment(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HFGIT_SERVE_TOKEN": "hf_lonely0123"},
    )
    assert result.returncode == 1 and "HFGIT_SERVE_USER" in result.stderr
    assert "hf_lonely0123" not in result.stderr
