"""HTTP glue: stdlib threading server, raw-path parsing, streaming of answers.

Routing happens on the RAW path: it is split on `/` first and each segment percent-decoded
afterwards, so a `%2F`-encoded revision such as `refs%2Fpr%2F1` stays one segment.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from hfgit.server.messages import Body, FileRegion, Handler, Request, Response, error_response
from hfgit.server.problems import ApiError, bad_request

log = logging.getLogger("hfgit.server")
DRAIN_LIMIT = 16 * 1024 * 1024


class HubHTTPServer(ThreadingHTTPServer):
    """One thread per connection; remembers open connections so `stop` can cut them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Handler) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    @property
    def authority(self) -> str:
        """`host:port` this server listens on (IPv6 hosts in brackets)."""
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def close_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hfgit-hub"
    timeout = 300
    server: HubHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without this, Nagle's algorithm meets the
        # client's delayed ACK and every keep-alive request waits ~40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _handle(self) -> None:
        request_id = uuid.uuid4().hex
        request: Request | None = None
        try:
            request = self._parse()
            response = self.server.app(request)
        except ApiError as error:
            response = error_response(error)
        except Exception:
            log.exception("internal error on %s %s", self.command, self.path)
            response = error_response(ApiError(500, "Internal server error"))
        self._send(response, request, request_id)

    def _parse(self) -> Request:
        raw_path, _, raw_query = self.path.partition("?")
        if not raw_path.startswith("/"):
            raise bad_request("Request target must be an absolute path")
        try:
            segments = [unquote(s, errors="strict") for s in raw_path.split("/")[1:]]
        except UnicodeDecodeError:
            raise bad_request("Path is not valid UTF-8") from None
        if segments and segments[-1] == "" and len(segments) > 1:
            segments.pop()
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length_header = self.headers.get("Content-Length")
        try:
            length = int(length_header) if length_header else None
        except ValueError:
            raise bad_request("Invalid Content-Length") from None
        if length is not None and length < 0:
            raise bad_request("Invalid Content-Length")
        host = self.headers.get("Host") or self.server.authority
        return Request(
            method=self.command,
            segments=segments,
            query=parse_qs(raw_query, keep_blank_values=True),
            headers=self.headers,
            body=Body(self.rfile, length, chunked),
            base_url=f"http://{host}",
            path=raw_path,
        )

    def _send(self, response: Response, request: Request | None, request_id: str) -> None:
        if request is None or not _drain(request):
            self.close_connection = True  # unread body: the connection can't be reused
        try:
            self.send_response(response.status)
            headers = {"X-Request-Id": request_id, **response.headers}
            headers["Content-Length"] = str(response.length)
            if self.close_connection:
                headers["Connection"] = "close"
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self._write_body(response.body)
        except OSError:  # client gone, or a file vanished mid-answer: drop the connection
            self.close_connection = True

    def _write_body(self, body: bytes | FileRegion) -> None:
        if isinstance(body, bytes):
            self.wfile.write(body)
            return
        with open(body.path, "rb") as handle:
            if body.length:
                self.connection.sendfile(handle, body.offset, body.length)


def _drain(request: Request, limit: int = DRAIN_LIMIT) -> bool:
    """Read what is left of a (small) unread body so the connection stays usable."""
    body = request.body
    try:
        while not body.finished and limit > 0:
            body.cap = None
            limit -= len(body.read(min(limit, 1024 * 1024)))
    except (ApiError, OSError):
        return False
    return body.finished


def bind(host: str, port: int, app: Handler) -> HubHTTPServer:
    """Bind a server (port 0 = any free port); raises OSError if the address is taken."""
    return HubHTTPServer((host, port), app)
