"""One client connection: requests read, answered and framed in turn while it is kept alive.

A request whose framing is in doubt, a head that misses its deadline or a body that stops
arriving ends the connection after one error answer; a body the endpoint did not read is
drained (if small) so that the connection can carry the next request. A streamed answer (a
CGI's output) goes out chunked while its endpoint may still read the request body; whether
the connection can go on is decided once both are over.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
import uuid
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote

from hfgit.server.messages import Body, Request, Response, Stream, StreamBroken, error_response
from hfgit.server.problems import ApiError, FramingError, bad_request
from hfgit.server.wire import Head, Wire, parse_head

if TYPE_CHECKING:
    from hfgit.server.http import HubHTTPServer

log = logging.getLogger("hfgit.server")
DRAIN_LIMIT = 16 * 1024 * 1024
# What a refused upload may still send while its answer is on the way: read and dropped in
# 64 KiB pieces within the linger deadline, so a client still writing sees the answer, not a reset.
LINGER_LIMIT = 256 * 1024 * 1024


class Connection:
    """One client connection: requests answered in turn while it is kept alive."""

    def __init__(self, server: HubHTTPServer, conn: socket.socket, peer: str) -> None:
        self.server = server
        self.conn = conn
        self.peer = peer
        self.wire = Wire(conn, server.limits.body_timeout)

    def run(self) -> None:
        try:
            # Headers and body leave in separate writes; without this, Nagle's algorithm meets
            # the client's delayed ACK and every keep-alive request waits ~40 ms.
            self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            limits = self.server.limits
            wait = limits.header_timeout
            while self._serve_one(wait):
                wait = limits.idle_timeout
        except OSError:
            pass  # the client left, or stopped reading
        except Exception:
            log.exception("connection from %s failed", self.peer)
        finally:
            self.server.forget(self.conn)
            with contextlib.suppress(OSError):
                self.conn.close()

    def _serve_one(self, wait: float) -> bool:
        """Answer one request; True if the connection may carry another."""
        limits = self.server.limits
        request_id = uuid.uuid4().hex
        try:
            raw = self.wire.head(limits.max_head_bytes, wait, limits.header_timeout)
            if raw is None:
                return False
            head = parse_head(raw)
        except FramingError as error:
            self._send(error_response(error), request_id, "GET", close=True)
            linger_close(self.conn, limits.linger)
            return False
        body = Body(
            self.wire,
            head.length,
            head.chunked,
            limit=self.server.body_limit,
            on_start=self._continue if head.expect_continue else None,
        )
        response = self._answer(head, body)
        if isinstance(response.body, Stream):
            whole = self._send_stream(response, request_id, head)
            keep = whole and head.keep_alive and not body.broken and _drain(body)
        else:
            keep = head.keep_alive and not body.broken and _drain(body)
            self._send(response, request_id, head.method, close=not keep)
        log.debug(
            '%s "%s %s" %d', self.peer, head.method, head.target.partition("?")[0], response.status
        )
        if not keep and (body.broken or not body.finished):
            linger_close(self.conn, limits.linger)
        return keep

    def _answer(self, head: Head, body: Body) -> Response:
        try:
            return self.server.app(self._request(head, body))
        except ApiError as error:
            return error_response(error)
        except Exception:
            log.exception("internal error on %s %s", head.method, head.target.partition("?")[0])
            return error_response(ApiError(500, "Internal server error"))

    def _request(self, head: Head, body: Body) -> Request:
        raw_path, _, raw_query = head.target.partition("?")
        if not raw_path.startswith("/"):
            raise bad_request("Request target must be an absolute path")
        try:
            segments = [unquote(s, errors="strict") for s in raw_path.split("/")[1:]]
        except UnicodeDecodeError:
            raise bad_request("Path is not valid UTF-8") from None
        if segments and segments[-1] == "" and len(segments) > 1:
            segments.pop()
        try:
            query = parse_qs(raw_query, keep_blank_values=True, max_num_fields=1000)
        except ValueError:
            raise bad_request("Too many query parameters") from None
        return Request(
            method=head.method,
            segments=segments,
            query=query,
            headers=head.headers,
            body=body,
            base_url=self.server.base_url(head.headers),
            path=raw_path,
        )

    def _continue(self) -> None:
        self.wire.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _send(self, response: Response, request_id: str, method: str, close: bool) -> None:
        self.wire.send(encode_head(response, request_id, close))
        if method == "HEAD":
            return
        body = response.body
        assert not isinstance(body, Stream)
        if isinstance(body, bytes):
            self.wire.send(body)
            return
        with open(body.path, "rb") as handle:
            if body.length:
                self.conn.settimeout(self.server.limits.body_timeout)
                self.conn.sendfile(handle, body.offset, body.length)

    def _send_stream(self, response: Response, request_id: str, head: Head) -> bool:
        """Send a streamed answer (chunked unless its length is known); False if it broke off
        (then without its last chunk, or short of its length, so that the client cannot take
        it for whole) and the connection must end."""
        stream = response.body
        assert isinstance(stream, Stream)
        sized = stream.length is not None
        try:
            self.wire.send(encode_head(response, request_id, close=not head.keep_alive))
            if head.method == "HEAD":
                return True
            for chunk in stream:
                if chunk:
                    self.wire.send(chunk if sized else b"%X\r\n%b\r\n" % (len(chunk), chunk))
        except StreamBroken as error:
            log.warning("%s %s cut off: %s", head.method, head.target.partition("?")[0], error)
            return False
        finally:
            stream.close()
        if not sized:
            self.wire.send(b"0\r\n\r\n")
        return True


def encode_head(response: Response, request_id: str, close: bool) -> bytes:
    """Status line and header fields; values are stripped of anything that could end a line."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    headers = {
        "Date": formatdate(usegmt=True),
        "Server": "hfgit-hub",
        "X-Request-Id": request_id,
        **response.headers,
    }
    length = response.length
    if length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)
    if close:
        headers["Connection"] = "close"
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {_field_value(value)}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def linger_close(conn: socket.socket, seconds: float) -> None:
    """Close after an answer without discarding it: stop sending, then read and drop what
    the client is still sending for a moment, so that the close is not a reset that loses
    the answer on the way."""
    deadline = time.monotonic() + seconds
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
        budget = LINGER_LIMIT
        while budget > 0 and (left := deadline - time.monotonic()) > 0:
            conn.settimeout(left)
            data = conn.recv(64 * 1024)
            if not data:
                break
            budget -= len(data)
    with contextlib.suppress(OSError):
        conn.close()


def _drain(body: Body, limit: int = DRAIN_LIMIT) -> bool:
    """Read what is left of a (small) unread body so the connection stays usable."""
    body.cap = None
    if not body.finished and (body.declared or 0) - body.received > limit:
        return False
    try:
        while not body.finished and limit > 0:
            limit -= len(body.read(min(limit, 1024 * 1024)))
    except (ApiError, OSError):
        return False
    return body.finished


def _field_value(value: object) -> str:
    return str(value).replace("\r", " ").replace("\n", " ")
