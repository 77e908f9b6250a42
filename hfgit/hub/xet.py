"""hf_xet, the library's Xet uploader, held to hfgit's retry policy, and what its uploads sent.

* Retries. hf_xet retries each request to the Xet storage (CAS) on its own schedule: 5 retries
  by default, each wait up to 6 minutes, 60 s to connect and 300 s of silence before a read
  fails; a Hub that dies right after handing out a write token keeps a push waiting for many
  minutes. Its documented settings are read from the environment when its session is made (at
  the first Xet transfer of the process), so `metered` sets them around an upload, from the
  `RetryPolicy`: n = deadline / max_delay retries (rounded up), each wait at most deadline / n
  (`HF_XET_CLIENT_RETRY_MAX_DURATION` caps one wait in hf_xet 1.6 and later, and bounded the
  whole series before), hfgit's connect and read timeouts. A setting the user made is theirs:
  it is left as it is, and nothing hfgit sets outlives the upload. A transfer that failed after
  retries bounded so was retried up to the deadline already (`XetMeter.gave_up`).
* Bytes sent. Xet sends only the chunks the storage lacks, so a file's size says little about
  what crossed the wire. hf_xet reports `total_transfer_bytes_completed` to the progress
  callback of each upload; the library passes one only to draw its progress bars.
  `_watch_sessions` is the one private touch here: huggingface_hub 2.x takes hf_xet's session
  from `utils._xet.get_xet_session` at every transfer (checked against 2.4.0), and that function
  is wrapped once, so that an upload made inside `metered` reports to its `XetMeter` as well as
  to the library's bars. Elsewhere (another caller, huggingface_hub 1.x, a library that moved
  it) transfers go on untouched and the meter says it saw nothing (`watched` False).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hfgit.hub.retry import ENV_DEADLINE, RetryPolicy, causes, fault_of

RETRIES = "HF_XET_CLIENT_RETRY_MAX_ATTEMPTS"
WAIT = "HF_XET_CLIENT_RETRY_MAX_DURATION"
CONNECT = "HF_XET_CLIENT_CONNECT_TIMEOUT"
READ = "HF_XET_CLIENT_READ_TIMEOUT"

_current: contextvars.ContextVar[XetMeter | None] = contextvars.ContextVar(
    "xet_meter", default=None
)
_lock = threading.Lock()
_depth = 0  # uploads inside `metered` right now, in any thread
_ours: dict[str, str] = {}  # what hfgit set in the environment for them
_watching: bool | None = None  # whether `_watch_sessions` is in place (None: not tried yet)


@dataclass
class _Transfer:
    started: float = field(default_factory=time.monotonic)
    sent: int = 0  # bytes hf_xet sent to the storage, by its last report
    handed: int = 0  # bytes of the files it was handed, by its last report


@dataclass
class XetMeter:
    """What the Xet uploads made inside `metered` did. `watched`: hf_xet's reports reach it;
    `bounded`: hf_xet's retries were held to the policy's deadline (the user set none of them)."""

    policy: RetryPolicy
    watched: bool = False
    bounded: bool = False
    transfers: list[_Transfer] = field(default_factory=list)
    failure: BaseException | None = None  # how a transfer failed
    failed_after: float = 0.0  # seconds into that transfer

    @property
    def sent(self) -> int:
        """Bytes sent to the Xet storage, over every transfer (a failed one's included)."""
        return sum(t.sent for t in self.transfers)

    @property
    def handed(self) -> int:
        """Bytes of the files the last transfer uploaded (the sizes of what went over Xet)."""
        return self.transfers[-1].handed if self.transfers else 0

    def gave_up(self, error: BaseException) -> str | None:
        """Why to stop, when `error` is a transient failure of a Xet transfer whose retries were
        bounded by the deadline already (trying the upload again would retry it twice)."""
        if not self.bounded or self.failure is None or fault_of(error) is None:
            return None
        if not any(e is self.failure for e in causes(error)):
            return None
        return (
            f"Xet upload failed: {_tidy(self.failure)} (retried by hf_xet for "
            f"{self.failed_after:.0f} s; the retry deadline is {self.policy.deadline:g} s, "
            f"${ENV_DEADLINE})"
        )

    def _failed(self, transfer: _Transfer, error: BaseException) -> None:
        self.failure = error
        self.failed_after = time.monotonic() - transfer.started


@contextlib.contextmanager
def metered(policy: RetryPolicy) -> Iterator[XetMeter]:
    """Xet uploads made inside (in this thread) retry within `policy` and report to the meter."""
    meter = XetMeter(policy, watched=_watch_sessions())
    token = _current.set(meter)
    try:
        with _settings(policy) as bounded:
            meter.bounded = bounded
            yield meter
    finally:
        _current.reset(token)


def settings(policy: RetryPolicy) -> dict[str, str]:
    """hf_xet's retry and timeout settings that keep its retries of one request within the
    policy's deadline, with the policy's connect and read timeouts."""
    retries = 0
    if policy.deadline > 0 and policy.max_delay > 0:
        retries = math.ceil(policy.deadline / policy.max_delay)
    wait = policy.deadline / retries if retries else 0.0
    return {
        RETRIES: str(retries),
        WAIT: _ms(wait),
        CONNECT: _ms(policy.connect_timeout),
        READ: _ms(policy.timeout),
    }


@contextlib.contextmanager
def _settings(policy: RetryPolicy) -> Iterator[bool]:
    """The environment hf_xet reads its settings from, set while uploads run: the names the
    user did not set, from the first upload to start until the last one ends. Yields whether
    hfgit set the retry ones."""
    global _depth
    with _lock:
        if _depth == 0:
            _ours.clear()
            for name, value in settings(policy).items():
                if name not in os.environ:
                    os.environ[name] = _ours[name] = value
        _depth += 1
        bounded = RETRIES in _ours and WAIT in _ours
    try:
        yield bounded
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for name, value in _ours.items():
                    if os.environ.get(name) == value:
                        del os.environ[name]
                _ours.clear()


def _watch_sessions() -> bool:
    """Wrap the function the library takes hf_xet's session from, once (see the module's
    docstring); True when it is in place."""
    global _watching
    with _lock:
        if _watching is None:
            _watching = False
            try:
                from huggingface_hub.utils import _xet
            except ImportError:
                return False
            library_session = getattr(_xet, "get_xet_session", None)
            if callable(library_session):
                _xet.get_xet_session = lambda: _Session(library_session())
                _watching = True
        return _watching


class _Session:
    """hf_xet's session as the library holds it; an upload begun under a meter reports to it."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def new_upload_commit(self, *args: Any, **kwargs: Any) -> Any:
        meter = _current.get()
        if meter is None:
            return self._session.new_upload_commit(*args, **kwargs)
        transfer = _Transfer()
        meter.transfers.append(transfer)
        theirs = kwargs.get("progress_callback")

        def report(group: Any, items: Any) -> None:
            transfer.sent = max(transfer.sent, _count(group, "total_transfer_bytes_completed"))
            transfer.handed = max(transfer.handed, _count(group, "total_bytes"))
            if theirs is not None:
                theirs(group, items)

        kwargs["progress_callback"] = report
        try:  # it fetches the write token and connects to the storage first
            commit = self._session.new_upload_commit(*args, **kwargs)
        except Exception as e:
            meter._failed(transfer, e)
            raise
        return _Commit(commit, meter, transfer)


class _Commit:
    """One upload commit of hf_xet (a context manager): its failure is told to the meter."""

    def __init__(self, commit: Any, meter: XetMeter, transfer: _Transfer) -> None:
        self._commit, self._meter, self._transfer = commit, meter, transfer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._commit, name)

    def __enter__(self) -> Any:
        return self._commit.__enter__()

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> Any:
        if error is not None:
            self._meter._failed(self._transfer, error)
        try:
            return self._commit.__exit__(kind, error, trace)
        except Exception as e:  # waiting for the uploads to finish: one of them failed
            self._meter._failed(self._transfer, e)
            raise


def _count(report: Any, name: str) -> int:
    value = getattr(report, name, 0)
    return value if isinstance(value, int) else 0


def _tidy(error: BaseException) -> str:
    """hf_xet's message on one line, without the 64-digit hashes its URLs carry."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return re.sub(r"[0-9a-f]{32,}", "…", line)


def _ms(seconds: float) -> str:
    return f"{max(0, round(seconds * 1000))}ms"
