"""One request answered by a CGI program (`git http-backend`): the request body streamed into
its stdin, its answer streamed back, all of it under a deadline.

A thread of its own feeds the program's stdin while the connection's thread sends what the
program writes, so neither waits on the other (git may report progress while a pack is still
arriving) and no body is ever held whole: one chunk each way at most. The program runs in a
process group of its own, killed with everything it started when the deadline passes, when
the request body fails (too large, cut off), or when the client goes away.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from hfgit.server.messages import Body, Stream, StreamBroken
from hfgit.server.problems import ApiError

log = logging.getLogger("hfgit.server")

CHUNK = 64 * 1024
MAX_HEAD = 64 * 1024
STDERR_TAIL = 2048
FEEDER_WAIT = 120.0  # seconds for the rest of a body to reach a program that ended
# Header fields of the program's answer that are passed on (framing is the server's own).
PASSED = ("content-type", "cache-control", "expires", "pragma", "last-modified")
_STATUS = re.compile(r"([1-5][0-9][0-9])(?: .*)?")


class CgiProcess(Stream):
    """A running CGI program: `head()` reads its status and header fields, iterating yields
    the rest of its output, `close()` ends it and waits for its threads."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        body: Body | None,
        *,
        deadline: float,
        cwd: Path,
        pass_fds: Sequence[int] = (),
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        self._body = body
        self._on_exit = on_exit
        self._expired = False
        self._body_error: ApiError | None = None
        self._rest = b""
        # The first bytes are read here, on the connection's thread: a `100 Continue` the
        # client waits for goes out before any answer can.
        first = body.read(CHUNK) if body is not None else b""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if first else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=dict(env),
            cwd=cwd,
            bufsize=0,
            start_new_session=True,
            pass_fds=tuple(pass_fds),
        )
        self._timer = threading.Timer(deadline, self._expire)
        self._timer.daemon = True
        self._timer.start()
        self._feeder: threading.Thread | None = None
        if first:
            self._feeder = threading.Thread(
                target=self._feed, args=(first,), name="hfgit-cgi-stdin", daemon=True
            )
            self._feeder.start()

    def head(self) -> tuple[int, dict[str, str]]:
        """The status and passed header fields the program answered with (500 if it ended,
        or ran out of time, before its header section was over)."""
        buffer = b""
        while True:
            end, separator = _head_end(buffer)
            if end >= 0:
                break
            data = self._read()
            if not data or len(buffer) > MAX_HEAD:
                self.close()
                raise ApiError(500, "git http-backend ended without an answer")
            buffer += data
        head, self._rest = buffer[:end], buffer[end + len(separator) :]
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "status":
                match = _STATUS.fullmatch(value)
                status = int(match[1]) if match else 500
            elif name in PASSED:
                headers[name.title()] = value
        return status, headers

    def __iter__(self) -> Iterator[bytes]:
        if self._rest:
            yield self._rest
            self._rest = b""
        while data := self._read():
            yield data
        self._process.wait()
        if self._expired:
            raise StreamBroken("git http-backend ran out of time and was stopped")
        if self._body_error is not None:
            raise StreamBroken(f"the request body failed: {self._body_error.message}")

    def close(self) -> None:
        """End the program (if still running) and wait for it and its stdin feeder."""
        self._timer.cancel()
        cut_off = self._expired or self._body_error is not None
        if self._process.poll() is None:
            cut_off = True  # the answer was abandoned (the client left)
            self._kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        if self._feeder is not None and self._body is not None:
            if cut_off:  # nobody needs the rest of the body: wake the feeder if it waits
                self._body.abandon()
            self._feeder.join(timeout=FEEDER_WAIT)
            if self._feeder.is_alive():  # a client sending slower than its timeout allows
                self._body.abandon()
                self._feeder.join()
        if self._process.returncode not in (0, None) and not self._expired:
            log.warning(
                "git http-backend exited with %s: %s",
                self._process.returncode,
                self._stderr_tail(),
            )
        self._stderr.close()
        if self._on_exit is not None:
            on_exit, self._on_exit = self._on_exit, None
            on_exit()

    def _read(self) -> bytes:
        assert self._process.stdout is not None
        try:
            return self._process.stdout.read(CHUNK) or b""
        except (OSError, ValueError):  # closed meanwhile
            return b""

    def _feed(self, first: bytes) -> None:
        """Copy the request body into the program's stdin; stop quietly if it stops reading
        (the connection drains or drops what is left)."""
        assert self._body is not None and self._process.stdin is not None
        stdin = self._process.stdin
        try:
            chunk = first
            while chunk:
                _write_all(stdin, chunk)
                chunk = self._body.read(CHUNK)
        except ApiError as error:  # too large, cut off, or too slow: the program must not
            self._body_error = error  # take a truncated body for a whole one
            self._kill()
        except OSError:
            pass  # the program closed its stdin
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _expire(self) -> None:
        self._expired = True
        self._kill()

    def _kill(self) -> None:
        if self._process.returncode is not None:
            return  # reaped: its process group id may belong to somebody else by now
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError):
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL))
            return self._stderr.read().decode("utf-8", "replace").strip()
        return ""


def _head_end(buffer: bytes) -> tuple[int, bytes]:
    """Where the header section ends (CGI programs end lines with CRLF or LF)."""
    found = [(buffer.find(s), s) for s in (b"\r\n\r\n", b"\n\n")]
    ends = [(end, s) for end, s in found if end >= 0]
    return min(ends) if ends else (-1, b"")


def _write_all(stream: object, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = stream.write(view)  # type: ignore[attr-defined]
        view = view[written or 0 :]
