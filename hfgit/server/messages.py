"""Request and response objects the endpoints work with, independent of the HTTP server.

Request bodies are read on demand from the socket with a size cap (see `body.py`); JSON
bodies are checked for nesting and size before they are parsed. Responses carry bytes, a
file region that the HTTP glue streams with `sendfile`, or a `Stream` of unknown length (the
output of a CGI program) that it sends chunked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from hfgit.server.body import Body
from hfgit.server.problems import ApiError, bad_request
from hfgit.server.wire import Headers

__all__ = ["Body", "FileRegion", "Handler", "Headers", "Request", "Response", "Stream"]

JSON_LIMIT = 2 * 1024 * 1024
JSON_DEPTH = 64
JSON_CONTAINERS = 20_000
JSON_VALUES = 200_000
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


@dataclass
class Request:
    method: str
    segments: list[str]
    query: dict[str, list[str]]
    headers: Headers
    body: Body
    base_url: str
    path: str

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() in ("1", "true", "yes")

    def json(self, cap: int = JSON_LIMIT) -> Any:
        """The JSON body (`{}` when empty); 413 over `cap` bytes, 400 if malformed or deep."""
        raw = self.body.read_all(cap)
        return parse_json(raw) if raw.strip() else {}

    def json_object(self, cap: int = JSON_LIMIT) -> dict[str, Any]:
        data = self.json(cap)
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object")
        return data

    def form(self, cap: int = JSON_LIMIT) -> dict[str, list[str]]:
        raw = self.body.read_all(cap)
        try:
            return parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=JSON_VALUES)
        except UnicodeDecodeError:
            raise bad_request("Form body is not valid UTF-8") from None
        except ValueError:
            raise bad_request("Form body holds too many fields") from None


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body after checking, without parsing, that its nesting stays within
    `JSON_DEPTH` and it holds at most `JSON_CONTAINERS` arrays/objects and `JSON_VALUES`
    values: parsing cost and memory stay proportional to a small body."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("Request body is not valid UTF-8 JSON") from None
    shape = _JSON_STRING.sub("", text)  # brackets inside strings do not nest
    opens, closes = shape.count("[") + shape.count("{"), shape.count("]") + shape.count("}")
    if max(opens, closes) > JSON_CONTAINERS or shape.count(",") > JSON_VALUES:
        raise bad_request("Request body holds too many JSON values")
    depth = deepest = 0
    for bracket in _BRACKET.finditer(shape):
        depth += 1 if bracket[0] in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > JSON_DEPTH:
        raise bad_request(f"Request body is nested too deeply (limit: {JSON_DEPTH} levels)")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise bad_request("Request body is not valid JSON") from None


@dataclass
class FileRegion:
    """`length` bytes of a file starting at `offset`, sent without loading it in memory."""

    path: Path
    offset: int
    length: int


class Stream:
    """A body produced while it is sent: the HTTP glue sends each chunk it yields, then calls
    `close` (also when the client went away). Of a length known only at its end, it goes out
    chunked; one that knows its `length` ahead (a file rebuilt from stored pieces) goes out
    with that Content-Length and must yield exactly that many bytes.

    A stream may still be reading the request body while its chunks are sent; once `close`
    returns, it no longer does. Iteration raises `StreamBroken` when the body cannot be
    completed: the answer then ends without its last chunk (or short of its length, and the
    connection closes), so the client sees it cut off.
    """

    length: int | None = None

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def close(self) -> None:
        pass


class StreamBroken(Exception):
    """A streamed answer could not be completed (it is cut off, never ended as if whole)."""


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | FileRegion | Stream = b""

    @property
    def length(self) -> int | None:
        """Bytes in the body; None for a stream of unknown length (sent chunked)."""
        if isinstance(self.body, Stream):
            return self.body.length
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
