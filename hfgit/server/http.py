"""HTTP glue: the accept loop, one thread per connection (capped), and the public URL.

Routing happens on the RAW path: it is split on `/` first and each segment percent-decoded
afterwards (`connection.py`), so a `%2F`-encoded revision such as `refs%2Fpr%2F1` stays one
segment. Framing and timeouts are in `wire.py`; bodies in `body.py`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import selectors
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from hfgit.server.connection import Connection, encode_head, linger_close
from hfgit.server.messages import Handler, Headers, error_response
from hfgit.server.problems import unavailable

log = logging.getLogger("hfgit.server")
REJECTING_AT_ONCE = 16
_FORWARDED_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@dataclass(frozen=True)
class ConnectionLimits:
    """How many clients at once, and how long each may take (seconds)."""

    max_connections: int = 64
    header_timeout: float = 20.0  # the request line and headers, from their first byte
    idle_timeout: float = 60.0  # between two requests on a kept-alive connection
    body_timeout: float = 60.0  # longest silence inside a body, or while an answer is sent
    accept_backoff: float = 0.5  # pause after accept() fails, e.g. out of file descriptors
    linger: float = 1.0  # reading (and dropping) unread input before closing after an error
    max_head_bytes: int = 64 * 1024


def check_public_url(url: str) -> str:
    """`url` without its trailing slash; ValueError unless it is an http(s) base URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{url!r} is not an http:// or https:// base URL")
    return url.rstrip("/")


class HubHTTPServer:
    """Listens on `address`; answers each connection on its own thread, at most
    `limits.max_connections` at once (the excess get a prompt 503)."""

    def __init__(
        self,
        address: tuple[str, int],
        app: Handler,
        limits: ConnectionLimits | None = None,
        *,
        public_url: str | None = None,
        trust_proxy: bool = False,
        body_limit: int | None = None,
    ) -> None:
        self.app = app
        self.limits = limits or ConnectionLimits()
        self.trust_proxy = trust_proxy
        self.body_limit = body_limit
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
            self.socket.listen(128)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self.public_url = public_url.rstrip("/") if public_url else f"http://{self.authority}"
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self._rejecting = 0
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self.pause: Callable[[float], object] = self._stopping.wait

    @property
    def authority(self) -> str:
        """`host:port` this server listens on (IPv6 hosts in brackets)."""
        host, port = self.server_address[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    if selector.select(poll_interval):
                        self.accept()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop the accept loop (from another thread) and wait for it to end."""
        self._stopping.set()
        self._stopped.wait(timeout=5)

    def close_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def server_close(self) -> None:
        self._stopping.set()
        self.socket.close()

    def accept(self) -> None:
        """Take one waiting connection; when accept() fails for lack of resources, pause
        before the next try instead of spinning on a listening socket that stays readable."""
        try:
            conn, peer = self.socket.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError as error:  # out of file descriptors or memory, mostly
            log.warning("cannot accept a connection (%s); pausing", error.strerror or error)
            self.pause(self.limits.accept_backoff)
            return
        with self.connections_lock:
            admitted = len(self.connections) < self.limits.max_connections
            if admitted:
                self.connections.add(conn)
        if admitted:
            handler = Connection(self, conn, str(peer[0]))
            threading.Thread(target=handler.run, name="hfgit-hub-conn", daemon=True).start()
        else:
            self._reject(conn)

    def base_url(self, headers: Headers) -> str:
        """The base of URLs handed out for a request: the public URL, or, behind a trusted
        proxy, the scheme and host it forwarded. Never the request's own `Host`."""
        if not self.trust_proxy:
            return self.public_url
        base = urlsplit(self.public_url)
        proto = _first(headers.get("X-Forwarded-Proto")).lower()
        host = _first(headers.get("X-Forwarded-Host"))
        scheme = proto if proto in ("http", "https") else base.scheme
        netloc = host if host and _FORWARDED_HOST.fullmatch(host) else base.netloc
        return f"{scheme}://{netloc}{base.path}"

    def forget(self, conn: socket.socket) -> None:
        with self.connections_lock:
            self.connections.discard(conn)

    def _reject(self, conn: socket.socket) -> None:
        """Answer 503 to a connection over the cap: on a short-lived thread that lingers so
        the answer is not lost, or, when many are being turned away, at once."""
        with self.connections_lock:
            spare = self._rejecting < REJECTING_AT_ONCE
            if spare:
                self._rejecting += 1
        if spare:
            threading.Thread(target=self._answer_busy, args=(conn,), daemon=True).start()
            return
        with contextlib.suppress(OSError):
            conn.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                conn.recv(64 * 1024)  # what already came, so that closing does not reset
            conn.send(self._busy_answer())
        conn.close()

    def _answer_busy(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(self.limits.linger)
            conn.sendall(self._busy_answer())
            linger_close(conn, self.limits.linger)
        except OSError:
            conn.close()
        finally:
            with self.connections_lock:
                self._rejecting -= 1

    def _busy_answer(self) -> bytes:
        busy = unavailable(
            f"The hub is serving its maximum of {self.limits.max_connections} connections; "
            "retry shortly"
        )
        response = error_response(busy)
        assert isinstance(response.body, bytes)
        return encode_head(response, uuid.uuid4().hex, close=True) + response.body


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def bind(host: str, port: int, app: Handler, **options: object) -> HubHTTPServer:
    """Bind a server (port 0 = any free port); raises OSError if the address is taken."""
    return HubHTTPServer((host, port), app, **options)  # type: ignore[arg-type]
