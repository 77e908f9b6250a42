"""hf_xet, the library's Xet uploader: hfgit's uploads held to its retry policy, and what they
sent.

* Retries. hf_xet retries each request to the Xet storage (CAS) on its own schedule: 5 retries
  by default, each wait up to 6 minutes, 60 s to connect and 300 s of silence before a read
  fails, so a Hub that dies right after handing out a write token keeps a push waiting for many
  minutes. hfgit's uploads go through a session of its own, made (hf_xet's public API) with the
  settings hf_xet reads from the environment, and, for each one the user did not set
  (`HF_XET_CLIENT_RETRY_MAX_ATTEMPTS`, `_RETRY_MAX_DURATION`, `_CONNECT_TIMEOUT`,
  `_READ_TIMEOUT`), the `RetryPolicy`'s: n = deadline / max_delay retries (rounded up), each
  wait at most deadline / n (`_RETRY_MAX_DURATION` caps one wait in hf_xet 1.6 and later, and
  the whole series before), its connect and read timeouts. So the user's environment wins, and
  the session the library keeps for everything else is left as it is. A transfer that failed
  after retries bounded so was retried up to the deadline already (`XetMeter.gave_up`).
* Bytes sent. Xet sends only the chunks the storage lacks, so a file's size says little about
  what crossed the wire. hf_xet reports `total_transfer_bytes_completed` to the progress
  callback of each upload; the library passes one only to draw its progress bars, and keeps the
  final report to itself.
* The one private touch: huggingface_hub 2.x takes hf_xet's session from
  `utils._xet.get_xet_session` at every transfer (checked against 2.4.0). `_route_sessions`
  wraps that function once: inside `metered` it answers hfgit's session, whose uploads report
  to the meter as well as to the library's bars; outside, the library's own. Where it is not
  found (huggingface_hub 1.x, a library that moved it) uploads go on as the library makes them
  (`routed` False): hf_xet's own retries, and no measure of what was sent.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hfgit.hub.retry import ENV_DEADLINE, RetryPolicy, causes, fault_of

# hf_xet's settings hfgit sets: its config key, and the environment variable it reads it from
RETRIES = ("client.retry_max_attempts", "HF_XET_CLIENT_RETRY_MAX_ATTEMPTS")
WAIT = ("client.retry_max_duration", "HF_XET_CLIENT_RETRY_MAX_DURATION")
CONNECT = ("client.connect_timeout", "HF_XET_CLIENT_CONNECT_TIMEOUT")
READ = ("client.read_timeout", "HF_XET_CLIENT_READ_TIMEOUT")

_current: contextvars.ContextVar[XetMeter | None] = contextvars.ContextVar(
    "xet_meter", default=None
)
_lock = threading.Lock()
_routed: bool | None = None  # whether `_route_sessions` is in place (None: not tried yet)
_session: tuple[int, dict[str, Any], Any] | None = None  # hfgit's: pid, its settings, session


@dataclass
class _Transfer:
    started: float = field(default_factory=time.monotonic)
    sent: int = 0  # bytes hf_xet sent to the storage, by its last report
    handed: int = 0  # bytes of the files it was handed, by its last report


@dataclass
class XetMeter:
    """What the Xet uploads made inside `metered` did. `routed`: they went through hfgit's
    session (its settings, its reports); `bounded`: that session's retries are held to the
    policy's deadline (the user set none of them)."""

    policy: RetryPolicy
    routed: bool = False
    bounded: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)  # config key -> hfgit's value
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
    """Xet uploads made inside (in this thread) go through hfgit's session, with the policy's
    retries, and report to the meter."""
    overrides = {
        key: value for (key, name), value in settings(policy).items() if name not in os.environ
    }
    routed = _route_sessions()
    bounded = routed and RETRIES[0] in overrides and WAIT[0] in overrides
    meter = XetMeter(policy, routed=routed, bounded=bounded, overrides=overrides)
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def settings(policy: RetryPolicy) -> dict[tuple[str, str], Any]:
    """hf_xet's retry and timeout settings that keep its retries of one request within the
    policy's deadline, with the policy's connect and read timeouts."""
    retries = 0
    if policy.deadline > 0 and policy.max_delay > 0:
        retries = math.ceil(policy.deadline / policy.max_delay)
    wait = policy.deadline / retries if retries else 0.0
    return {
        RETRIES: retries,
        WAIT: _ms(wait),
        CONNECT: _ms(policy.connect_timeout),
        READ: _ms(policy.timeout),
    }


def config(overrides: dict[str, Any]) -> Any:
    """The config of hfgit's session: hf_xet's own (its defaults, the user's environment), with
    `overrides` (config key -> value)."""
    read = _hf_xet().XetConfig()
    return read.with_config(overrides) if overrides else read


def _session_for(meter: XetMeter) -> Any:
    """hfgit's session, made at first use and again when the settings change (or after a fork)."""
    global _session
    with _lock:
        if _session is None or _session[:2] != (os.getpid(), meter.overrides):
            made = _hf_xet().XetSession(config=config(meter.overrides))
            _session = (os.getpid(), dict(meter.overrides), made)
        return _session[2]


def _hf_xet() -> Any:
    import hf_xet  # type: ignore[import-untyped]  # ships no type information

    return hf_xet


def _route_sessions() -> bool:
    """Wrap the function the library takes hf_xet's session from, once (see the module's
    docstring); True when it is in place."""
    global _routed
    with _lock:
        if _routed is None:
            _routed = False
            try:
                from huggingface_hub.utils import _xet
            except ImportError:
                return False
            library_session = getattr(_xet, "get_xet_session", None)
            if callable(library_session):
                _xet.get_xet_session = _routing(library_session)
                _routed = True
        return _routed


def _routing(library_session: Callable[[], Any]) -> Callable[[], Any]:
    def get_xet_session() -> Any:
        meter = _current.get()
        if meter is None:
            return library_session()
        return _Session(_session_for(meter), meter)

    return get_xet_session


class _Session:
    """hfgit's session for the uploads under `meter`: they report to it."""

    def __init__(self, session: Any, meter: XetMeter) -> None:
        self._session, self._meter = session, meter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def new_upload_commit(self, *args: Any, **kwargs: Any) -> Any:
        meter, transfer = self._meter, _Transfer()
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
