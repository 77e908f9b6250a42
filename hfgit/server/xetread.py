"""Reading a file registered over Xet: only the chunks a byte range touches are read from
their xorbs (one record at a time, by offset, from the chunk index), decompressed and checked
against their hash; a damaged store raises rather than yields wrong bytes.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from dataclasses import replace

from hfgit.server.messages import Stream, StreamBroken
from hfgit.server.xethash import XetFormatError
from hfgit.server.xetstore import READ, Term, XetFile, XetStore
from hfgit.server.xorbformat import XorbChunk, read_chunk


def pieces(
    store: XetStore, found: XetFile, start: int = 0, length: int | None = None
) -> Iterator[bytes]:
    """The bytes [start, start+length) of a registered file, chunk by chunk (only the
    chunks the range touches are read). XetFormatError or OSError if storage is damaged."""
    end = found.size if length is None else min(found.size, start + length)
    offsets = [0]
    for term in found.terms:
        offsets.append(offsets[-1] + term.size)
    first = max(0, bisect.bisect_right(offsets, start) - 1)
    position = offsets[first]
    with _Xorbs(store) as xorbs:
        for term in found.terms[first:]:
            if position >= end:
                return
            for chunk in xorbs.range(term):
                chunk_end = position + chunk.size
                if chunk_end > start and position < end:
                    raw = xorbs.read(term.xorb, chunk)
                    yield raw[max(0, start - position) : end - position]
                position = chunk_end
                if position >= end:
                    return


class _Xorbs:
    """Open xorb files while one file is read (one kept open at a time)."""

    def __init__(self, store: XetStore) -> None:
        self.store = store
        self._name: str | None = None
        self._fd: int | None = None

    def __enter__(self) -> _Xorbs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def range(self, term: Term) -> list[XorbChunk]:
        chunks = self.store.chunks(term.xorb)
        if chunks is None or not 0 <= term.start < term.end <= len(chunks):
            raise XetFormatError(f"xorb {term.xorb} is missing or shorter than a term needs")
        return chunks[term.start : term.end]

    def read(self, xorb: str, chunk: XorbChunk) -> bytes:
        if self._name != xorb:
            self.__exit__()
            self._fd = os.open(self.store.xorb_path(xorb), os.O_RDONLY)
            self._name = xorb
        assert self._fd is not None
        record = os.pread(self._fd, 8 + chunk.stored_size, chunk.offset)
        return read_chunk(record, replace(chunk, offset=0))


class XetRange(Stream):
    """A byte range of a registered file as a response body, merged into ~1 MiB pieces;
    a damaged store cuts the answer off (StreamBroken) rather than sending wrong bytes."""

    def __init__(self, store: XetStore, found: XetFile, start: int, length: int) -> None:
        self._pieces = pieces(store, found, start, length)
        self.length = length

    def __iter__(self) -> Iterator[bytes]:
        buffered: list[bytes] = []
        size = 0
        try:
            for piece in self._pieces:
                buffered.append(piece)
                size += len(piece)
                if size >= READ:
                    yield b"".join(buffered)
                    buffered, size = [], 0
        except (XetFormatError, OSError) as e:
            raise StreamBroken(f"stored Xet data is damaged: {e}") from None
        if buffered:
            yield b"".join(buffered)

    def close(self) -> None:
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()
