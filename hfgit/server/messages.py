"""Request and response objects the endpoints work with, independent of the HTTP server.

Request bodies are read on demand from the socket with a size cap (Content-Length or chunked);
responses carry bytes or a file region that the HTTP glue streams with `sendfile`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from hfgit.server.problems import ApiError, bad_request, too_large

JSON_LIMIT = 16 * 1024 * 1024


class Body:
    """The request body as a stream: exactly what the client sent, never more than `cap`."""

    def __init__(self, stream: io.BufferedIOBase, length: int | None, chunked: bool) -> None:
        self._stream = stream
        self.declared = length
        self._left = length or 0
        self._chunked = chunked
        self._chunk_left = 0
        self._done = not chunked and not length
        self.received = 0
        self.cap: int | None = None

    @property
    def finished(self) -> bool:
        return self._done

    def read(self, size: int) -> bytes:
        if self._done or size <= 0:
            return b""
        data = self._read_chunked(size) if self._chunked else self._read_plain(size)
        self.received += len(data)
        if self.cap is not None and self.received > self.cap:
            raise too_large(self.cap)
        return data

    def readline(self, limit: int) -> bytes:
        """One `\\n`-terminated line of at most `limit` bytes (413 if longer)."""
        parts: list[bytes] = []
        total = 0
        while True:
            piece = self._peek_line(limit + 1 - total)
            if not piece:
                break
            parts.append(piece)
            total += len(piece)
            if piece.endswith(b"\n"):
                break
            if total > limit:
                raise too_large(limit)
        return b"".join(parts)

    def read_all(self, cap: int) -> bytes:
        if self.declared is not None and self.declared > cap:
            raise too_large(cap)
        chunks, total = [], 0
        while chunk := self.read(1024 * 1024):
            total += len(chunk)
            if total > cap:
                raise too_large(cap)
            chunks.append(chunk)
        return b"".join(chunks)

    def _peek_line(self, limit: int) -> bytes:
        if self._done:
            return b""
        if self._chunked:
            if self._chunk_left == 0:
                self._next_chunk()
                if self._done:
                    return b""
            limit = min(limit, self._chunk_left)
        else:
            limit = min(limit, self._left)
        line = self._stream.readline(limit)
        if not line:
            raise bad_request("Request body ended early")
        self._consume(len(line))
        self.received += len(line)
        if self.cap is not None and self.received > self.cap:
            raise too_large(self.cap)
        return line

    def _read_plain(self, size: int) -> bytes:
        data = self._stream.read(min(size, self._left))
        if not data:
            raise bad_request("Request body ended early")
        self._consume(len(data))
        return data

    def _read_chunked(self, size: int) -> bytes:
        if self._chunk_left == 0:
            self._next_chunk()
            if self._done:
                return b""
        data = self._stream.read(min(size, self._chunk_left))
        if not data:
            raise bad_request("Request body ended early")
        self._consume(len(data))
        return data

    def _consume(self, count: int) -> None:
        if self._chunked:
            self._chunk_left -= count
            if self._chunk_left == 0:
                self._stream.readline(1024)  # CRLF after the chunk
        else:
            self._left -= count
            self._done = self._left == 0

    def _next_chunk(self) -> None:
        line = self._stream.readline(1024).split(b";")[0].strip()
        try:
            self._chunk_left = int(line, 16)
        except ValueError:
            raise bad_request("Malformed chunked request body") from None
        if self._chunk_left == 0:
            while self._stream.readline(1024).strip():  # trailers
                pass
            self._done = True


@dataclass
class Request:
    method: str
    segments: list[str]
    query: dict[str, list[str]]
    headers: Message
    body: Body
    base_url: str
    path: str

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() in ("1", "true", "yes")

    def json(self, cap: int = JSON_LIMIT) -> Any:
        raw = self.body.read_all(cap)
        try:
            return json.loads(raw) if raw.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Request body is not valid JSON") from None

    def json_object(self, cap: int = JSON_LIMIT) -> dict[str, Any]:
        data = self.json(cap)
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object")
        return data

    def form(self, cap: int = JSON_LIMIT) -> dict[str, list[str]]:
        raw = self.body.read_all(cap)
        try:
            return parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise bad_request("Form body is not valid UTF-8") from None


@dataclass
class FileRegion:
    """`length` bytes of a file starting at `offset`, sent without loading it in memory."""

    path: Path
    offset: int
    length: int


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | FileRegion = b""

    @property
    def length(self) -> int:
        return self.body.length if isinstance(self.body, FileRegion) else len(self.body)


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Response:
    body = json.dumps(data).encode()
    return Response(status, {"Content-Type": content_type, **(headers or {})}, body)


def error_response(error: ApiError) -> Response:
    headers = dict(error.headers)
    if error.code:
        headers["X-Error-Code"] = error.code
    headers.setdefault("X-Error-Message", _header_safe(error.message))
    return json_response({"error": error.message, **error.body}, error.status, headers)


Handler = Callable[[Request], Response]


def _header_safe(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)[:500]
