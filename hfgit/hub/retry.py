"""Transient Hub faults, retried: exponential backoff with jitter, under one deadline.

Connection errors, timeouts, 429 (after its Retry-After) and 500/502/503/504 may pass on
their own. Two places retry them, each only where repeating is safe:

* `retrying_send` (under huggingface_hub's HTTP client, see `library.py`) replays a request
  whose repetition cannot do harm: reads (GET, HEAD and the POSTs that only ask: preupload,
  LFS batch, paths-info, validate-yaml), LFS uploads (PUT of a content-addressed object), and
  any request that never left (connect errors) or that the Hub turned away (429).
* Anything else that fails on the way, a commit, a tag or a branch whose answer was lost or
  came back 5xx, may or may not have happened. The client raises `Transient` and the Hub
  adapter looks at the Hub before it tries again (`call_with_retries` with `settled`).

LFS bodies streamed from files are not replayed by the HTTP client: httpx reads a file object
once, and holding a model file in memory to replay it is not an option. Such an upload that
fails is retried at the operation level instead: `create_commit` runs again, its LFS batch
request reports the objects the Hub already holds, and only the rest is sent again.

Waiting goes through `RetryPolicy.sleep` and `RetryPolicy.clock` (this module's `sleep` and
`clock` unless given), so that tests record the waits instead of sleeping.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from hfgit.effects import Sleep

ENV_DEADLINE = "HFGIT_RETRY_DEADLINE"
DEFAULT_DEADLINE = 60.0
CONNECT_TIMEOUT = 10.0  # seconds to connect, at most (the policy's timeout when shorter)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_NETWORK_ERRORS = {"TimeoutException", "NetworkError", "RemoteProtocolError"}
_NEVER_SENT = {"ConnectError", "ConnectTimeout", "PoolTimeout"}
_CHOSEN_OFFLINE = {"OfflineModeIsEnabled"}  # HF_HUB_OFFLINE=1: no request is even tried

# Replaced by tests that drive whole commands (monkeypatch) to record waits instead of waiting.
sleep: Sleep = time.sleep
clock: Callable[[], float] = time.monotonic

T = TypeVar("T")


class Transient(Exception):
    """A failure that may pass, left to the caller because repeating it blindly is unsafe."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class GaveUp(Exception):
    """Retried until the deadline: the last failure, and for how long it was tried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fault:
    reason: str
    retry_after: float | None = None


def default_deadline() -> float:
    """$HFGIT_RETRY_DEADLINE seconds, else 60."""
    try:
        return max(0.0, float(os.environ.get(ENV_DEADLINE, DEFAULT_DEADLINE)))
    except ValueError:
        return DEFAULT_DEADLINE


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry: backoff doubling from `first_delay` up to `max_delay`,
    each wait jittered into [half, full], and no new try starting after `deadline` seconds.
    `timeout`: seconds one request may go without progress (connecting: `connect_timeout`)."""

    deadline: float = field(default_factory=default_deadline)
    first_delay: float = 0.5
    max_delay: float = 8.0
    timeout: float = 60.0
    sleep: Sleep | None = None
    clock: Callable[[], float] | None = None
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @property
    def connect_timeout(self) -> float:
        return min(self.timeout, CONNECT_TIMEOUT)

    def now(self) -> float:
        return (self.clock or clock)()

    def pause(self, started: float, attempt: int, fault: Fault) -> None:
        """Wait before try number `attempt + 1`; GaveUp when that try would pass the deadline."""
        if fault.retry_after is not None:
            delay = fault.retry_after
        else:
            step = min(self.max_delay, self.first_delay * 2**attempt)
            delay = step / 2 + self.rng.uniform(0, step / 2)
        elapsed = self.now() - started
        if elapsed + delay > self.deadline:
            asked = f", asked to wait {delay:.0f} s more" if fault.retry_after is not None else ""
            raise GaveUp(
                f"{fault.reason} (retried for {elapsed:.0f} s{asked}; "
                f"the retry deadline is {self.deadline:g} s, ${ENV_DEADLINE})"
            )
        (self.sleep or sleep)(delay)


def call_with_retries(
    policy: RetryPolicy,
    call: Callable[[], T],
    settled: Callable[[], T | None] | None = None,
) -> T:
    """`call()`, tried again after transient faults until the policy's deadline.

    For a write, `settled()` looks at the Hub after a fault: a result means the write did
    happen (its answer was lost) and is returned as the call's; None means try it again."""
    started, attempt = policy.now(), 0
    look = False
    while True:
        try:
            if look and settled is not None:
                done = settled()
                if done is not None:
                    return done
            look = False
            return call()
        except Exception as e:
            fault = fault_of(e)
            if fault is None:
                raise
            look = look or settled is not None
            try:
                policy.pause(started, attempt, fault)
            except GaveUp as gave_up:
                raise gave_up from e
            attempt += 1


def fault_of(error: BaseException) -> Fault | None:
    """The transient fault behind `error` (looking through what it wraps), or None when the
    error is permanent or retries were already exhausted."""
    chain = list(causes(error))
    if any(isinstance(e, GaveUp) for e in chain):
        return None
    for e in chain:
        if isinstance(e, Transient):
            return Fault(e.reason, e.retry_after)
        status = _status(e)
        if status is not None:
            if status not in RETRY_STATUSES:
                return None
            response = getattr(e, "response", None)
            return Fault(_status_reason(response), retry_after(response))
        if may_pass(e):
            return Fault(reason_of(e))
    return None


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and what it wraps: explicit causes, else the exception being handled."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


def is_network_error(error: BaseException) -> bool:
    """A connection, timeout or protocol failure (httpx's, or the OS's)."""
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & _NETWORK_ERRORS) or isinstance(error, (ConnectionError, TimeoutError))


def may_pass(error: BaseException) -> bool:
    """A network failure worth trying again (offline mode, chosen by the user, is not)."""
    return is_network_error(error) and type(error).__name__ not in _CHOSEN_OFFLINE


def never_sent(error: BaseException) -> bool:
    """The request cannot have reached the server: no connection was made."""
    return type(error).__name__ in _NEVER_SENT


def reason_of(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def retry_after(response: object) -> float | None:
    """A response's Retry-After, in seconds (delta-seconds or an HTTP date)."""
    headers = getattr(response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _status_reason(response: object) -> str:
    status = getattr(response, "status_code", "?")
    phrase = getattr(response, "reason_phrase", "") or ""
    return f"{status} {phrase}".strip()
