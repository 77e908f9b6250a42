"""Long work that Ctrl-C stops at once, even in the middle of an upload.

The client's upload of a large file blocks in a socket write that Ctrl-C cannot break, so the
work runs in a thread and the main thread waits for it, where Ctrl-C lands at once. The first
Ctrl-C asks the work to stop at its next safe point (`effects.Cancel`) and gives it a moment
to get there; then the caller reports how far it got and the command ends (exit 130). A second
Ctrl-C ends it at once. Work still running then (an upload in flight) is left behind:
`cli.main` ends the process without waiting for it, and the Hub discards the half upload.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from hfgit.commands.output import warn
from hfgit.effects import Cancel

GRACE = 1.5  # seconds the work has, after Ctrl-C, to reach a point where it can stop
ENV_GRACE = "HFGIT_STOP_GRACE"  # another grace, in seconds (tests)
POLL = 0.1

T = TypeVar("T")

_left_running = threading.Event()  # set when work was abandoned in its thread


def left_running() -> bool:
    """True when interrupted work still runs in a thread: the process must not wait for it."""
    return _left_running.is_set()


def run(work: Callable[[Cancel], T], report: Callable[[bool], None]) -> T:
    """`work(cancel)` in a thread; on Ctrl-C, `report(still_running)`, then KeyboardInterrupt."""
    cancel = Cancel()
    result: list[T] = []
    failure: list[BaseException] = []
    finished = threading.Event()  # not Thread.join: Ctrl-C during a join marks a running
    context = contextvars.copy_context()  # thread as ended (CPython 3.11, bpo-45274)

    def target() -> None:
        try:
            result.append(context.run(work, cancel))  # with the command's --endpoint, --token
        except BaseException as e:  # handed to the main thread
            failure.append(e)
        finally:
            finished.set()

    threading.Thread(target=target, name="hfgit-work", daemon=True).start()
    try:
        while not finished.wait(POLL):
            pass
    except KeyboardInterrupt:
        cancel.set()
        warn("stopping at the next safe point (Ctrl-C again to quit at once)")
        _wait(finished, _grace())
        if not finished.is_set():
            _left_running.set()
        report(not finished.is_set())
        raise KeyboardInterrupt from None
    if failure:
        raise failure[0]
    return result[0]


def _grace() -> float:
    try:
        return float(os.environ.get(ENV_GRACE, GRACE))
    except ValueError:
        return GRACE


def _wait(finished: threading.Event, seconds: float) -> None:
    """Up to `seconds` for the work to end; a second Ctrl-C stops waiting."""
    deadline = time.monotonic() + seconds
    try:
        while not finished.is_set() and time.monotonic() < deadline:
            finished.wait(POLL)
    except KeyboardInterrupt:
        return
