"""Header-logging listeners and the user's git credential setup, for the token policy tests."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ACCEPTED = "hf_listenerAccepts0123456789"


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None


@dataclass
class Listener:
    """An HTTP server that logs every request's Authorization header. It answers whoami for
    the `accepted` token (401 otherwise) and 404 RepoNotFound to everything else."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    accepted: str = ACCEPTED

    @property
    def authorizations(self) -> set[str | None]:
        return {s.authorization for s in self.seen}


def serve(listener: Listener) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            auth = self.headers.get("Authorization")
            listener.seen.append(Seen(self.command, self.path, auth))
            if self.path.startswith("/api/whoami-v2"):
                if auth == f"Bearer {listener.accepted}":
                    self._json(200, {"type": "user", "name": "alice", "orgs": []})
                else:
                    self._json(401, {"error": "Invalid credentials in Authorization header"})
                return
            self._json(404, {"error": "Repository not found"}, code="RepoNotFound")

        def _json(self, status: int, body: dict[str, Any], code: str | None = None) -> None:
            data = json.dumps(body).encode()
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if code:
                self.send_header("X-Error-Code", code)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    listener.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def git_config(*args: str) -> None:
    subprocess.run(["git", "config", "--global", *args], check=True)


def credential_store(tmp_path: Path) -> Path:
    """Use a real `git credential-store --file` helper for this test's user."""
    store = tmp_path / "git-credentials"
    git_config("credential.helper", f"store --file={store}")
    return store


def approve(url: str, token: str) -> None:
    """Put a token for `url`'s host into git's credential helpers, as git itself would."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    text = f"protocol={parsed.scheme}\nhost={parsed.netloc}\nusername=alice\npassword={token}\n\n"
    subprocess.run(["git", "credential", "approve"], input=text, text=True, check=True)
