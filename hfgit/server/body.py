"""A request body, read on demand from the connection: exactly what the client framed.

Content-Length bodies and chunked bodies are read the same way; a chunk's size is checked
against the cap before any of its bytes are read, so no body is ever read past the cap. A
body that breaks its framing (or whose client goes silent) marks itself `broken`, and the
connection it came on is then closed whatever the endpoint did with the error.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Protocol

from hfgit.server.problems import ApiError, FramingError, too_large
from hfgit.server.wire import FIELD_LINE

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 1024 * 1024
MAX_CHUNK_LINE = 4096
MAX_TRAILERS = 8192
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?")


class Source(Protocol):
    """What a body reads from (the connection's `Wire`)."""

    def read(self, size: int) -> bytes: ...
    def line(self, limit: int) -> bytes: ...
    def until_newline(self, limit: int) -> bytes: ...


class Body:
    """The request body as a stream, never read beyond `cap` (set by the endpoint) or `limit`
    (the largest body this server takes at all)."""

    def __init__(
        self,
        source: Source | None,
        length: int | None,
        chunked: bool,
        *,
        limit: int | None = None,
        on_start: Callable[[], None] | None = None,
    ) -> None:
        self._source = source
        self.declared = length
        self._chunked = chunked
        self._left = length or 0  # unread bytes of the body (or of the current chunk)
        self._done = source is None or (not chunked and not length)
        self._on_start = on_start
        self.limit = limit
        self.cap: int | None = None
        self.received = 0
        self.broken = False

    @property
    def finished(self) -> bool:
        return self._done

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; b"" once the body is over."""
        if self._done or size <= 0:
            return b""
        with self._reading() as source:
            if not self._ready():
                return b""
            data = source.read(min(size, self._left))
            self._consume(data)
        return data

    def readline(self, limit: int) -> bytes:
        """One `\\n`-terminated line of at most `limit` bytes (413 if longer)."""
        parts: list[bytes] = []
        total = 0
        while not self._done:
            with self._reading() as source:
                if not self._ready():
                    break
                piece = source.until_newline(min(self._left, limit + 1 - total))
                self._consume(piece)
            parts.append(piece)
            total += len(piece)
            if piece.endswith(b"\n"):
                break
            if total > limit:
                raise too_large(limit)
        return b"".join(parts)

    def read_all(self, cap: int) -> bytes:
        """The whole body in memory: only for bodies capped small."""
        self._lower_cap(cap)
        chunks = []
        while chunk := self.read(CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)

    def spool(self, cap: int, directory: str | None = None) -> IO[bytes]:
        """The whole body in a temporary file (held in memory only up to 1 MiB), rewound.
        The caller closes it; the file is deleted when closed."""
        self._lower_cap(cap)
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=directory)  # noqa: SIM115 (returned open)
        try:
            while chunk := self.read(CHUNK):
                out.write(chunk)
            out.seek(0)
        except BaseException:
            out.close()
            raise
        return out

    def abandon(self) -> None:
        """Stop reading this body, wherever it is being read (a thread copying it to a
        program that ended, say): the connection it came on then ends after its answer."""
        self.broken = True
        stop = getattr(self._source, "stop_reading", None)
        if stop is not None:
            stop()

    def _lower_cap(self, cap: int) -> None:
        self.cap = cap if self.cap is None else min(cap, self.cap)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Source]:
        if self.broken or self._source is None:
            raise FramingError("The request body can no longer be read")
        if self._on_start is not None:
            start, self._on_start = self._on_start, None
            start()
        try:
            yield self._source
        except FramingError:
            self.broken = True
            raise
        except TimeoutError:
            self.broken = True
            raise ApiError(408, "Request body not received in time") from None
        except OSError:
            self.broken = True
            raise FramingError("Request body ended early") from None

    def _ready(self) -> bool:
        """Position on unread body bytes (False at the end), checking the caps first."""
        if self._chunked and self._left == 0:
            self._next_chunk()
            if self._done:
                return False
        for cap in (self.cap, self.limit):
            if cap is not None and self.received + self._left > cap:
                raise too_large(cap)
        return True

    def _consume(self, data: bytes) -> None:
        self.received += len(data)
        self._left -= len(data)
        if self._left == 0:
            if self._chunked:
                assert self._source is not None
                if self._source.line(0) != b"":
                    raise FramingError("Malformed chunked body: chunk data longer than its size")
            else:
                self._done = True

    def _next_chunk(self) -> None:
        assert self._source is not None
        match = _CHUNK_SIZE.fullmatch(self._source.line(MAX_CHUNK_LINE))
        if match is None:
            raise FramingError("Malformed chunked body: invalid chunk size")
        self._left = int(match[1], 16)
        if self._left == 0:
            self._read_trailers()
            self._done = True

    def _read_trailers(self) -> None:
        assert self._source is not None
        total = 0
        while line := self._source.line(MAX_TRAILERS):
            total += len(line)
            if total > MAX_TRAILERS or not FIELD_LINE.fullmatch(line):
                raise FramingError("Malformed chunked body: invalid trailer section")
