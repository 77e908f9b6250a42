"""What hubs killed mid-upload leave in their temp folders, and which of it a starting hub
removes. Each hub writes its temp files into folders of its own that it holds locked while it
lives (`tempdirs`), and several hubs may serve one root. Leftover states are built on disk or
left by SIGKILLing a real `git hf serve`; then a hub starts on the same root, over real HTTP.
A hub that starts beside a live one never removes the temp file of an upload that one is
receiving, however old the file looks, and removes a killed hub's at once."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hubhttp import Client
from xetparts import parts, send, write_token

from hfgit.server import HubServer, running_hub

TOKEN = "hf_aliceLeftovers0123456789"
USERS = {"alice": TOKEN}
REPO = "alice/leftovers"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
LONG_AGO = 0.0  # older than any grace: an age rule alone would remove these


class Served:
    """`git hf serve -v` on `root` in a subprocess: its URL (printed once its start sweep is
    done) and its log lines as they come."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "HFGIT_SERVE_USER": "alice", "HFGIT_SERVE_TOKEN": TOKEN}
        command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(root)]
        self.process = subprocess.Popen(
            [*command, "--port", "0", "-v"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self.log: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stderr,), daemon=True).start()
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://"), "the hub did not start"

    def _pump(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            self.log.put(line)

    def collected(self) -> str:
        """The report of the collection a served hub runs beside itself at start."""
        while not (line := self.log.get(timeout=60)).startswith("gc: "):
            pass
        return line

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextlib.contextmanager
def served(root: Path) -> Iterator[Served]:
    hub = Served(root)
    try:
        yield hub
    finally:
        hub.stop()


class InFlight:
    """A request whose body is half sent over a raw socket; `finish` sends the rest."""

    def __init__(self, url: str, method: str, target: str, headers: dict, body: bytes) -> None:
        address = urlsplit(url)
        self.sock = socket.create_connection((address.hostname, address.port), timeout=60)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {address.netloc}"]
        lines += [f"{k}: {v}" for k, v in {**headers, "Content-Length": len(body)}.items()]
        self.half = len(body) // 2
        self.rest = body[self.half :]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[: self.half])

    def finish(self) -> int:
        self.sock.sendall(self.rest)
        answer = http.client.HTTPResponse(self.sock)
        answer.begin()
        answer.read()
        self.sock.close()
        return answer.status


def begin_upload(kind: str, url: str, data: bytes) -> InFlight:
    """An upload of `data` to `url`, in flight: an LFS PUT, or the POST of a Xet xorb."""
    http = Client(url)
    if kind == "lfs":
        request = {"operation": "upload", "objects": [{"oid": _sha256(data), "size": len(data)}]}
        batch = http.post(f"/{REPO}.git/info/lfs/objects/batch", json=request, headers=BEARER)
        action = batch.json()["objects"][0]["actions"]["upload"]
        href = urlsplit(action["href"])
        target = f"{href.path}?{href.query}"
        return InFlight(url, "PUT", target, action.get("header", {}), data)
    token, cas = write_token(http, REPO, TOKEN)
    upload = parts(data)
    target = f"{urlsplit(cas).path}/v1/xorbs/default/{upload.xorb_hash}"
    return InFlight(url, "POST", target, {"Authorization": f"Bearer {token}"}, upload.xorb)


def temp_files(root: Path) -> set[Path]:
    """The temp files in the hubs' own folders (uploads in `lfs/tmp`, xorbs in `tmp`)."""
    found = set()
    for folder in (root / "tmp", root / "lfs" / "tmp"):
        found |= {p for p in folder.glob("owner-*/*") if p.name != "owner.lock"}
    return found


def new_temp_file(root: Path, known: set[Path]) -> Path:
    """The temp file an upload just started writing (waits for it to appear)."""
    deadline = time.monotonic() + 60
    while not (fresh := temp_files(root) - known) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fresh) == 1, fresh
    return fresh.pop()


def commit_and_read(url: str, data: bytes, path: str) -> bytes:
    """Commit the uploaded `data` as `path` on the hub at `url`; the bytes it serves back."""
    lines = [
        {"key": "header", "value": {"summary": f"add {path}", "description": ""}},
        {
            "key": "lfsFile",
            "value": {"path": path, "algo": "sha256", "oid": _sha256(data), "size": len(data)},
        },
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    headers = {**BEARER, "Content-Type": "application/x-ndjson"}
    http = Client(url)
    committed = http.post(f"/api/models/{REPO}/commit/main", headers=headers, content=body)
    assert committed.status_code == 200, committed.text
    return http.get(f"/{REPO}/resolve/main/{path}").content


def create_repo(url: str) -> None:
    body = json.dumps({"name": REPO.split("/")[1], "organization": "alice", "type": "model"})
    answer = Client(url).post("/api/repos/create", headers=BEARER, content=body.encode())
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("kind", ["lfs", "xorb"])
def test_a_hub_starting_beside_an_upload_in_flight_keeps_it_and_clears_a_killed_hubs(
    tmp_path, kind
):
    root = tmp_path / "hub"
    data, lost = os.urandom(512 * 1024), os.urandom(512 * 1024)
    with running_hub(root, USERS) as url:
        create_repo(url)
        live = begin_upload(kind, url, data)
        live_temp = new_temp_file(root, set())
        with served(root) as killed:
            dead = begin_upload(kind, killed.url, lost)
            dead_temp = new_temp_file(root, {live_temp})
            killed.kill()
        dead.sock.close()
        for path in (live_temp, dead_temp):
            os.utime(path, (LONG_AGO, LONG_AGO))

        HubServer(root, USERS)  # another hub in this process: a Storage of its own
        with served(root) as later:  # and one in another process, with its collector
            later.collected()
            assert not dead_temp.exists() and not dead_temp.parent.exists()
            assert live_temp.exists()
            assert live.finish() == 200
            if kind == "xorb":
                token, cas = write_token(Client(url), REPO, TOKEN)
                assert send(Client(url), cas, token, parts(data))[1].status_code == 200
            assert commit_and_read(later.url, data, "w.bin") == data
        assert temp_files(root) == set()  # the finished upload took its temp file away


def test_a_starting_hub_clears_each_leftover_no_live_hub_can_own_and_keeps_the_rest(tmp_path):
    root = tmp_path / "hub"
    upload = parts(os.urandom(100_000))
    with running_hub(root, USERS) as url:
        create_repo(url)
        token, cas = write_token(Client(url), REPO, TOKEN)
        assert all(a.status_code == 200 for a in send(Client(url), cas, token, upload))
    fanned = root / "xet" / "xorbs" / upload.xorb_hash[:2] / upload.xorb_hash[2:4]
    records = root / "xet" / "files" / upload.sha256[:2] / upload.sha256[2:4]
    gone = [
        _file(root / "tmp" / "owner-k1ll3d" / "xorb-a1b2", b"half a xorb"),  # a killed hub's
        _file(root / "tmp" / "owner-k1ll3d" / "repo-c3d4" / "repo.git" / "HEAD", b"ref"),
        _file(root / "lfs" / "tmp" / "owner-k1ll3d" / "3f2a9c-e5f6", b"half an upload"),
        _file(root / "lfs" / "tmp" / "owner-n0l0ck" / "3f2a9c-a7b8", b"its lock went first"),
        _file(root / "tmp" / ".dead-s0rt3d" / "shard-c9d0", b"a sweep cut short"),
        _file(root / "tmp" / "xorb-0ld", b"from a hub before owner folders", age=LONG_AGO),
        _file(root / "lfs" / "tmp" / ".new-0ld" / "owner.lock", b"", age=LONG_AGO),
        _file(root / "xet" / ".instance.k3j2", b""),  # removed under the lock its writer holds
        _file(fanned / f".{upload.xorb_hash}.chunks.x1y2.tmp", b"\x00" * 7, age=LONG_AGO),
    ]
    for owner in (root / "tmp" / "owner-k1ll3d", root / "lfs" / "tmp" / "owner-k1ll3d"):
        _file(owner / "owner.lock", b"")  # held by no one: its hub has ended
    kept = [
        _file(root / "tmp" / ".new-m4k1ng" / "owner.lock", b""),  # a hub making its folder
        _file(root / "lfs" / "tmp" / "f00d-recent", b"maybe a hub before owner folders"),
        _file(records / f".{upload.sha256}.a1b2.tmp", b"{}"),  # an atomic write under way
    ]

    with served(root) as hub:
        assert hub.collected().endswith(" and 1 stale temp file(s); 1 repo(s) checked\n")
        assert [p for p in gone if p.exists()] == []
        assert not (root / "tmp" / "owner-k1ll3d").exists()
        assert all(p.exists() for p in kept)
        assert cas.endswith((root / "xet" / "instance").read_text().strip())
        assert commit_and_read(hub.url, upload.data, "x.bin") == upload.data


def test_a_hub_that_stops_takes_its_temp_folders_with_it(tmp_path):
    root = tmp_path / "hub"
    with served(root) as hub:
        owned = list((root / "tmp").glob("owner-*")) + list((root / "lfs" / "tmp").glob("owner-*"))
        assert len(owned) == 2
        assert Client(hub.url).get("/api/whoami-v2", headers=BEARER).status_code == 200  # serving
        hub.stop()
    assert list((root / "tmp").iterdir()) == [] and list((root / "lfs" / "tmp").iterdir()) == []


def _file(path: Path, content: bytes, age: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if age is not None:
        os.utime(path, (age, age))
        os.utime(path.parent, (age, age))
    return path


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
