"""Capture what the real Xet client sends: a minimal Hub + CAS stand-in that records bodies.

`CaptureServer` answers just enough of the Hub and CAS protocols for `HfApi.upload_file` /
`create_commit` with Xet on to succeed, and keeps every xorb, shard and commit it receives:

    with CaptureServer() as server:
        upload_in_subprocess(server.url, {"weights.bin": path}, tmp_path)
    server.xorbs   # {xorb hash hex from the URL: body}
    server.shards  # [v1 shard bodies]

Answers: preupload marks every file `lfs`; `xet-write-token` gives a token as JSON and as
`X-Xet-*` headers with `casUrl` pointing back here (under a fresh id, so the client's shard
cache of one capture never serves another); global dedupe and xorb grants answer 404 (the
client then uploads every xorb plainly); v2 shards answer 404, v1 shards are recorded.

The client runs in a child process (`upload_in_subprocess`, or `capture` for bytes in memory)
so its process-wide Xet session and caches live in a temp dir and never leak into other tests.

`fixtures/xet/` holds one capture made with hf_xet 1.8.0 (`record_fixture`), so the format
tests have the real client's bytes even where hf_xet cannot be installed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import struct
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

TOKEN = "xet-capture-token"
_API = re.compile(
    r"/api/(models|datasets|spaces)/([^/]+/[^/]+)/(preupload|xet-write-token|commit)/"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            body = b"".join(parts)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body

    def _route(self) -> None:
        body = self._body() if self.command == "POST" else b""
        owner = self.server.owner
        path = self.path.split("?")[0]
        owner.requests.append((self.command, path))
        cas = f"/cas/{owner.instance}"
        if m := _API.match(path):
            getattr(self, "_" + m.group(3).replace("-", "_"))(body, m.group(2))
        elif path.startswith(f"{cas}/v1/xorbs/default/"):
            owner.xorbs[path.rsplit("/", 1)[1]] = body
            self._json({"was_inserted": True})
        elif path == f"{cas}/v1/shards":
            owner.shards.append(body)
            self._json({"result": 1})
        elif path == f"{cas}/v1/telemetry":
            self._json({})
        else:  # global dedupe, xorb grants, v2 shards: "not here" makes the client fall back
            self._json({"error": "not found"}, status=404)

    def _preupload(self, body: bytes, repo: str) -> None:
        files = json.loads(body)["files"]
        self._json(
            {
                "files": [
                    {"path": f["path"], "uploadMode": "lfs", "shouldIgnore": False} for f in files
                ]
            }
        )

    def _xet_write_token(self, body: bytes, repo: str) -> None:
        owner = self.server.owner
        info = {
            "accessToken": TOKEN,
            "exp": 4102444800,
            "casUrl": f"{owner.url}/cas/{owner.instance}",
        }
        headers = {
            "X-Xet-Access-Token": info["accessToken"],
            "X-Xet-Token-Expiration": str(info["exp"]),
            "X-Xet-Cas-Url": info["casUrl"],
        }
        self._json(info, headers=headers)

    def _commit(self, body: bytes, repo: str) -> None:
        self.server.owner.commits.append(
            [json.loads(line) for line in body.splitlines() if line.strip()]
        )
        oid = "0" * 40
        self._json({"commitUrl": f"{self.server.owner.url}/{repo}/commit/{oid}", "commitOid": oid})

    def _json(
        self, payload: object, status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: CaptureServer


class CaptureServer:
    """The stand-in on 127.0.0.1; bodies it received in `xorbs`, `shards`, `commits`."""

    def __init__(self) -> None:
        self.instance = uuid.uuid4().hex
        self.xorbs: dict[str, bytes] = {}
        self.shards: list[bytes] = []
        self.commits: list[list[dict]] = []
        self.requests: list[tuple[str, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CaptureServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


_CLIENT = """
import json, sys
from huggingface_hub import CommitOperationAdd, HfApi
endpoint, repo_id, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ops = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=path) for name, path in files.items()]
HfApi(endpoint=endpoint).create_commit(repo_id, ops, commit_message="capture")
"""


def upload_in_subprocess(
    endpoint: str,
    files: dict[str, Path],
    home: Path,
    *,
    repo_id: str = "alice/demo",
    token: str = "hf_capture",
    timeout: float = 300,
) -> None:
    """Upload `files` (name in repo -> local path) in one commit with the stock client, Xet on.

    Works against any Hub-compatible endpoint (the embedded hub too). The child gets its own
    HF_HOME and HF_XET_CACHE under `home` (reuse `home` to keep the client's shard cache between
    uploads); raises with the child's stderr if the upload fails.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env |= {
        "HF_HOME": str(home / "hf"),
        "HF_XET_CACHE": str(home / "xet"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_TOKEN": token,
    }
    payload = json.dumps({name: str(path) for name, path in files.items()})
    result = subprocess.run(
        [sys.executable, "-c", _CLIENT, endpoint, repo_id, payload],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Xet upload failed:\n{result.stderr[-4000:]}")


def capture(files: dict[str, bytes], home: Path) -> CaptureServer:
    """Upload `files` (name in repo -> content) in one commit; the server with what it got."""
    paths = {}
    for index, (name, content) in enumerate(files.items()):
        paths[name] = home / "upload" / f"{index}.bin"
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        paths[name].write_bytes(content)
    with CaptureServer() as server:
        upload_in_subprocess(server.url, paths, home)
    return server


FIXTURE = Path(__file__).parent / "fixtures" / "xet"


def fixture_sources() -> dict[str, bytes]:
    """The files behind `fixtures/xet/`: one chunk of text, a log that LZ4 compresses, and
    float32 weights that compress best byte-grouped. Integer arithmetic only, so the bytes
    are the same on every platform."""
    log = "".join(
        f"step {i} loss {(i * 7919) % 10007 / 10007:.4f} lr 0.0003\n" for i in range(4000)
    )
    weights = [((i * 2654435761) % 4099 - 2048) / 2**20 for i in range(50000)]
    return {
        "hello.txt": b"hello xet\n",
        "train.log": log.encode(),
        "weights.bin": struct.pack(f"<{len(weights)}f", *weights),
    }


def record_fixture(home: Path, directory: Path = FIXTURE) -> None:
    """Capture `fixture_sources()` with the installed client into `directory`."""
    server = capture(fixture_sources(), home)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.xorb"):
        old.unlink()
    for name, body in server.xorbs.items():
        (directory / f"{name}.xorb").write_bytes(body)
    (directory / "upload.shard").write_bytes(server.shards[0])
