"""A fault-injecting HTTP/1.1 proxy for tests, in front of one upstream (the embedded hub).

Real sockets and threads on 127.0.0.1: the client under test talks to `proxy.url` exactly as
it would to the hub, and the proxy forwards each request, or does not, as told.

    from faultproxy import Fault, FaultProxy, Rule

    with FaultProxy(hub.url, seed=7) as proxy:
        proxy.set_rates(error=0.15, drop=0.10)                      # random, seeded
        proxy.add_rule(Rule(Fault.DROP, method="POST", path="/commit/", times=1))
        ...point the client at proxy.url...
        proxy.counters["drop"], proxy.counters["forwarded"]         # what happened
        [e for e in proxy.events if e.fault == "drop"]              # to whom

Faults (`Fault`), named by what the server saw:

    ERROR       answer `status` (default 503) at once; the request never reaches the server
    RATE_LIMIT  answer 429 with `Retry-After: retry_after`; never reaches the server
    DROP        forward; the server does the work; its answer is read and thrown away, and
                the client's connection is closed without a byte ("answer lost")
    TRUNCATE    forward; send the status line, headers and half the body, then close
    CUT         read half of the request body, then close; the server never sees it
    STALL       hold the request `stall_seconds` (or until release_stalls() or close), then
                forward

API:

    FaultProxy(upstream, *, seed=0, host="127.0.0.1", port=0, rewrite_urls=True)
        .url            http://host:port of the proxy
        .start() / .close(), or use it as a context manager (close releases stalls)
        .set_rates(error=, rate_limit=, drop=, truncate=, cut=, stall=,
                   status=503, retry_after=1.0, stall_seconds=5.0)
                        probabilities of a random fault per request (sum <= 1), drawn
                        from one RNG seeded with `seed`; all zero by default
        .add_rule(Rule) -> Rule, .clear_rules()
        .release_stalls()
                        forward the stalled requests at once, and stall no more
                        rules are checked first, in the order added; the first that matches
                        decides; a rule with `times=N` matches its first N requests only
        .counters       collections.Counter: "requests", "forwarded" (reached the server),
                        and one count per fault name ("error", "rate_limit", "drop", ...)
        .events         list of Event(method, path, fault, authorization), in arrival order;
                        fault is "" for a request passed through untouched
        .reset()        clear counters and events

    Rule(fault, method=None, path=None, times=None, status=503, retry_after=1.0,
         stall_seconds=5.0)
        method: exact HTTP method, or None for any; path: a regex searched in the raw
        request path (query included), or None for any; `.hits` counts its matches.

With `rewrite_urls` the upstream's origin is replaced by the proxy's in response bodies and in
Location/Link headers, so that URLs the server hands out (LFS upload hrefs) also go through
the proxy. When the upstream cannot be reached the proxy answers 502, as a gateway would.
With concurrent requests (parallel uploads) the order of random draws follows arrival order,
so a seed fixes the fault rates and, for sequential clients, the exact sequence.
"""

from __future__ import annotations

import contextlib
import enum
import http.client
import random
import re
import socket
import socketserver
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urlparse

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}
MAX_LINE = 65536


class Fault(str, enum.Enum):
    ERROR = "error"
    RATE_LIMIT = "rate_limit"
    DROP = "drop"
    TRUNCATE = "truncate"
    CUT = "cut"
    STALL = "stall"


@dataclass
class Rule:
    fault: Fault
    method: str | None = None
    path: str | None = None
    times: int | None = None
    status: int = 503
    retry_after: float = 1.0
    stall_seconds: float = 5.0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class Event:
    method: str
    path: str
    fault: str
    authorization: str | None


@dataclass
class _Rates:
    error: float = 0.0
    rate_limit: float = 0.0
    drop: float = 0.0
    truncate: float = 0.0
    cut: float = 0.0
    stall: float = 0.0
    status: int = 503
    retry_after: float = 1.0
    stall_seconds: float = 5.0


@dataclass
class _Request:
    method: str
    path: str
    version: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


class FaultProxy:
    """See the module docstring."""

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        rewrite_urls: bool = True,
    ) -> None:
        parsed = urlparse(upstream)
        self.upstream = upstream.rstrip("/")
        self._upstream_addr = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.rewrite_urls = rewrite_urls
        self.counters: Counter[str] = Counter()
        self.events: list[Event] = []
        self._rules: list[Rule] = []
        self._rates = _Rates()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._unstall = threading.Event()  # set: stalls end (closing, or release_stalls)
        self._connections: set[socket.socket] = set()
        self._server = _Server((host, port), _handler(self))
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- control -------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._unstall.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_rates(self, **rates: float) -> None:
        with self._lock:
            self._rates = _Rates(**rates)

    def add_rule(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def release_stalls(self) -> None:
        """Forward every stalled request now, and stall no more (rules and rates stay)."""
        self._unstall.set()

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()
            self.events.clear()

    # -- per request ---------------------------------------------------------------------
    def _decide(self, request: _Request) -> Rule | None:
        """The fault for this request (as a Rule), or None to pass it through."""
        with self._lock:
            self.counters["requests"] += 1
            for rule in self._rules:
                if rule.matches(request.method, request.path):
                    rule.hits += 1
                    chosen: Rule | None = rule
                    break
            else:
                chosen = self._draw()
            name = chosen.fault.value if chosen else ""
            if chosen:
                self.counters[name] += 1
            self.events.append(
                Event(request.method, request.path, name, request.header("authorization"))
            )
        return chosen

    def _draw(self) -> Rule | None:
        rates = self._rates
        roll = self._rng.random()
        for fault in Fault:
            roll -= getattr(rates, fault.value)
            if roll < 0:
                return Rule(
                    fault,
                    status=rates.status,
                    retry_after=rates.retry_after,
                    stall_seconds=rates.stall_seconds,
                )
        return None

    def _forward(
        self, upstream: http.client.HTTPConnection, request: _Request, body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in request.headers if k.lower() not in HOP_BY_HOP}
        if body or request.method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        try:
            upstream.request(request.method, request.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            upstream.close()
            return 502, "Bad Gateway", [("Content-Type", "text/plain")], b"upstream unreachable"
        with self._lock:
            self.counters["forwarded"] += 1
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        if request.method == "HEAD":
            length = response.getheader("Content-Length")
            if length is not None:
                kept.append(("Content-Length", length))
        if self.rewrite_urls:
            data = data.replace(self.upstream.encode(), self.url.encode())
            kept = [
                (
                    k,
                    v.replace(self.upstream, self.url)
                    if k.lower() in ("location", "link", "x-xet-cas-url")
                    else v,
                )
                for k, v in kept
            ]
        return response.status, response.reason, kept, data


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _handler(proxy: FaultProxy) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            with proxy._lock:
                proxy._connections.add(conn)
            upstream = http.client.HTTPConnection(*proxy._upstream_addr, timeout=120)
            reader = conn.makefile("rb")
            try:
                while not proxy._closing.is_set() and _serve_one(proxy, conn, reader, upstream):
                    pass
            except (OSError, ValueError):
                pass
            finally:
                upstream.close()
                with contextlib.suppress(OSError):
                    reader.close()
                with proxy._lock:
                    proxy._connections.discard(conn)

    return Handler


def _serve_one(
    proxy: FaultProxy,
    conn: socket.socket,
    reader: BinaryIO,
    upstream: http.client.HTTPConnection,
) -> bool:
    """Handle one request on a client connection; False when the connection is done."""
    request = _read_head(reader)
    if request is None:
        return False
    rule = proxy._decide(request)
    fault = rule.fault if rule else None
    if fault is Fault.CUT:
        _read_body(reader, request, limit_half=True)
        return False
    body = _read_body(reader, request)
    if fault is Fault.ERROR:
        assert rule is not None
        _send(conn, request, rule.status, "Injected Fault", [], b'{"error":"injected fault"}')
        return _keep_alive(request)
    if fault is Fault.RATE_LIMIT:
        assert rule is not None
        retry = [("Retry-After", f"{rule.retry_after:g}")]
        _send(conn, request, 429, "Too Many Requests", retry, b'{"error":"rate limited"}')
        return _keep_alive(request)
    if fault is Fault.STALL:
        assert rule is not None
        proxy._unstall.wait(rule.stall_seconds)
    status, reason, headers, data = proxy._forward(upstream, request, body)
    if fault is Fault.DROP:
        return False
    if fault is Fault.TRUNCATE:
        _send(conn, request, status, reason, headers, data, cut_at=len(data) // 2)
        return False
    _send(conn, request, status, reason, headers, data)
    return _keep_alive(request)


def _read_head(reader: BinaryIO) -> _Request | None:
    line = reader.readline(MAX_LINE)
    if not line.strip():
        return None
    method, path, version = line.decode("latin-1").strip().split(" ", 2)
    request = _Request(method, path, version)
    while True:
        raw = reader.readline(MAX_LINE)
        if raw in (b"\r\n", b"\n", b""):
            return request
        name, _, value = raw.decode("latin-1").partition(":")
        request.headers.append((name.strip(), value.strip()))


def _read_body(reader: BinaryIO, request: _Request, limit_half: bool = False) -> bytes:
    if (request.header("transfer-encoding") or "").lower() == "chunked":
        chunks = []
        while True:
            size = int(reader.readline(MAX_LINE).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while reader.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(reader.read(size))
            reader.readline(MAX_LINE)
            if limit_half:
                return b"".join(chunks)
    length = int(request.header("content-length") or 0)
    return reader.read(length // 2 if limit_half else length)


def _send(
    conn: socket.socket,
    request: _Request,
    status: int,
    reason: str,
    headers: list[tuple[str, str]],
    body: bytes,
    cut_at: int | None = None,
) -> None:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if request.method != "HEAD":
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: keep-alive" if _keep_alive(request) else "Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    payload = b"" if request.method == "HEAD" else body
    conn.sendall(head + (payload if cut_at is None else payload[:cut_at]))


def _keep_alive(request: _Request) -> bool:
    return (request.header("connection") or "").lower() != "close"
