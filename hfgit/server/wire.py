"""The HTTP/1.1 wire: a client socket read under timeouts, and request heads parsed strictly.

Where one request ends and the next begins is decided here (RFC 9112), and every doubt is an
error: a request that a proxy in front of the hub could frame differently is refused with a
400 and its connection closed, so that nothing hidden in a body is ever read as a request.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hfgit.server.problems import FramingError

RECV_SIZE = 256 * 1024
BODY_RECV_SIZE = 1024 * 1024  # a body read asks for this much at most from one recv
MAX_FIELDS = 100

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
# A field value: visible characters, spaces, tabs and obs-text; no other control character.
FIELD_LINE = re.compile(rb"(" + _TOKEN + rb"):[ \t]*((?:[^\x00-\x1f\x7f]|\t)*?)[ \t]*")
_LENGTH = re.compile(r"[0-9]{1,18}")
_HOST = re.compile(r"[A-Za-z0-9.\-_~%!$&'()*+,;=:\[\]]*")
SINGLE_FIELDS = ("content-length", "host", "authorization")


class ConnectionEnded(ConnectionError):
    """The client closed its side of the connection."""


class Headers:
    """Header fields of a request: names compared case-insensitively, values in arrival order."""

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields = list(fields)

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        return next((v for n, v in self._fields if n.lower() == wanted), default)

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [v for n, v in self._fields if n.lower() == wanted]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._fields)


@dataclass(frozen=True)
class Head:
    """A parsed request line and header section, with the body framing it announces."""

    method: str
    target: str
    headers: Headers
    length: int | None
    chunked: bool
    keep_alive: bool
    expect_continue: bool


def parse_head(raw: bytes) -> Head:
    """The request head without its final empty line; FramingError for anything ambiguous."""
    request_line, *lines = raw.split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(request_line)
    if match is None:
        raise FramingError("Malformed request line")
    method, target, major, minor = (g.decode("ascii") for g in match.groups())
    if major != "1":
        raise FramingError("Only HTTP/1.x is supported", status=505)
    if len(lines) > MAX_FIELDS:
        raise FramingError(f"Too many header fields (limit: {MAX_FIELDS})", status=431)
    headers = Headers(_field(line) for line in lines)
    legacy = minor == "0"
    for name in SINGLE_FIELDS:
        if len(headers.get_all(name)) > 1:
            raise FramingError(f"More than one {name.title()} header")
    _check_host(headers, legacy)
    length, chunked = _framing(headers, legacy)
    options = {t.strip().lower() for t in ",".join(headers.get_all("Connection")).split(",")}
    expect = (headers.get("Expect") or "").strip().lower()
    return Head(
        method=method,
        target=target,
        headers=headers,
        length=length,
        chunked=chunked,
        keep_alive=not legacy and "close" not in options,
        expect_continue=not legacy and expect == "100-continue",
    )


def _field(line: bytes) -> tuple[str, str]:
    match = FIELD_LINE.fullmatch(line)
    if match is None:
        raise FramingError("Malformed header field (or obsolete line folding)")
    return match[1].decode("ascii"), match[2].decode("latin-1")


def _check_host(headers: Headers, legacy: bool) -> None:
    host = headers.get("Host")
    if host is None and not legacy:
        raise FramingError("An HTTP/1.1 request needs a Host header")
    if host is not None and not _HOST.fullmatch(host):
        raise FramingError("Invalid Host header")


def _framing(headers: Headers, legacy: bool) -> tuple[int | None, bool]:
    """(Content-Length, chunked) as RFC 9112 section 6 allows them, and nothing else."""
    codings = headers.get_all("Transfer-Encoding")
    lengths = headers.get_all("Content-Length")
    if codings:
        if legacy:
            raise FramingError("Transfer-Encoding is not allowed in an HTTP/1.0 request")
        if lengths:
            raise FramingError("A request may not carry both Transfer-Encoding and Content-Length")
        if [c.strip().lower() for c in ",".join(codings).split(",")] != ["chunked"]:
            raise FramingError("Transfer-Encoding must be exactly 'chunked'")
        return None, True
    if not lengths:
        return None, False
    if not _LENGTH.fullmatch(lengths[0]):
        raise FramingError("Invalid Content-Length")
    return int(lengths[0]), False


class Wire:
    """Buffered reads from one client socket, where every wait is bounded.

    `timeout` is the longest silence allowed inside a body or while an answer is sent; the
    head of a request has a deadline of its own, whatever pace its bytes come at.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout
        self._buffer = bytearray()

    def head(self, limit: int, first_byte: float, window: float) -> bytes | None:
        """The next request head, or None if the client leaves (or stays silent for
        `first_byte` seconds) before sending a byte of it. Once it has begun, the whole
        head must arrive within `window` seconds (408 otherwise) and `limit` bytes (431)."""
        try:
            if not self._buffer:
                self._fill(first_byte)
        except (TimeoutError, ConnectionEnded):
            return None
        deadline = time.monotonic() + window
        start = 0
        while True:
            while self._buffer.startswith(b"\r\n"):  # blank lines before a request are ignored
                del self._buffer[:2]
                start = 0
            end = self._buffer.find(b"\r\n\r\n", start)
            if end >= 0:
                break
            if len(self._buffer) > limit:
                raise FramingError(f"Request head too large (limit: {limit} bytes)", status=431)
            start = max(0, len(self._buffer) - 3)
            try:
                self._fill(deadline - time.monotonic())
            except TimeoutError:
                raise FramingError("Request head not received in time", status=408) from None
        if end > limit:
            raise FramingError(f"Request head too large (limit: {limit} bytes)", status=431)
        head = bytes(self._buffer[:end])
        del self._buffer[: end + 4]
        return head

    def read(self, size: int) -> bytes:
        """Between 1 and `size` bytes."""
        if not self._buffer:  # straight from the socket: a body is not copied through the buffer
            return self._receive(self.timeout, min(size, BODY_RECV_SIZE))
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def line(self, limit: int) -> bytes:
        """A CRLF-terminated line of at most `limit` bytes, without its CRLF."""
        start = 0
        while (end := self._buffer.find(b"\n", start)) < 0:
            if len(self._buffer) > limit + 1:
                raise FramingError("Malformed chunked body: line too long")
            start = len(self._buffer)
            self._fill(self.timeout)
        if end > limit + 1 or end == 0 or self._buffer[end - 1] != 0x0D:
            raise FramingError("Malformed chunked body: lines must end with CRLF")
        line = bytes(self._buffer[: end - 1])
        del self._buffer[: end + 1]
        return line

    def until_newline(self, limit: int) -> bytes:
        """Bytes up to and including the first `\\n`, or `limit` bytes if none comes sooner."""
        start = 0
        while True:
            end = self._buffer.find(b"\n", start, limit)
            if end >= 0:
                size = end + 1
                break
            if len(self._buffer) >= limit:
                size = limit
                break
            start = len(self._buffer)
            self._fill(self.timeout)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def stop_reading(self) -> None:
        """End reads from this client at once: a read blocked in another thread returns
        (with the end of the stream), and so does every later one."""
        with contextlib.suppress(OSError):  # already closed
            self.sock.shutdown(socket.SHUT_RD)

    def _fill(self, timeout: float) -> None:
        self._buffer += self._receive(timeout, RECV_SIZE)

    def _receive(self, timeout: float, size: int) -> bytes:
        if timeout <= 0:
            raise TimeoutError("timed out")
        self.sock.settimeout(timeout)
        data = self.sock.recv(size)
        if not data:
            raise ConnectionEnded("the client closed the connection")
        return data
