"""Plain JSON reads of the Hub (refs, commit pages) over the standard library's HTTP client.

`git hf log` and `git hf status` only read a repository's refs and commit listings. Importing
huggingface_hub and building its HTTP client costs more than the reads themselves, so these
GETs are first tried here, with the same headers the library would send (the chosen token, or
none), over one kept-alive connection per host. A 200 with a JSON body is the answer. A 429
or 5xx (with its Retry-After), a refused, reset or stalled connection are `Transient`, which
the caller retries under its policy (`retry.py`), as the library's client would. Another
4xx (a repository not found, a token refused) is `Refused`, with the answer, which the caller
reads as the library would have (`session.py`), without asking again. Anything else, a
redirect, a TLS failure, an answer that is not JSON, a proxy to go through, offline mode, is
`None`: the caller sends the same request through the library,
where faults are retried and errors are read as the library reads them (`errors.py`). A
redirect is never followed here, so a token never goes to another host.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import ssl
import sys
import urllib.parse
from datetime import datetime
from typing import Any

from hfgit import __version__
from hfgit.errors import HubError
from hfgit.hub.retry import RETRY_STATUSES, Transient, reason_of, retry_after

_OFFLINE = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_TRUE = {"1", "ON", "YES", "TRUE"}
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class Refused(Exception):
    """A 4xx answer other than 429: the Hub's word on this request (a repository not found, a
    token refused), which asking again through the library would only repeat."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().__init__(status)
        self.status, self.headers, self.body = status, headers, body


class Page:
    """One answer: its JSON body and the address of the next page (Link: rel="next")."""

    def __init__(self, data: Any, next_url: str | None) -> None:
        self.data = data
        self.next_url = next_url


# Idle kept-alive connections per (scheme, host, port): a read takes one (or opens one) and
# gives it back when the server keeps it open, so reads made at once each have their own.
_connections: dict[tuple[str, str, int | None], list[http.client.HTTPConnection]] = {}


def offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set: the library refuses every request."""
    return any((os.environ.get(name) or "").upper() in _TRUE for name in _OFFLINE)


def headers(token: str | bool) -> dict[str, str]:
    """What the library sends with a read: who asks, and the token when one was chosen."""
    out = {"user-agent": f"hfgit/{__version__}; python/{platform.python_version()}"}
    if isinstance(token, str) and token:
        out["authorization"] = f"Bearer {token}"
    return out


def get_page(url: str, token: str | bool, timeout: float) -> Page | None:
    """GET `url`: its JSON and next page; None when the answer is not a plain 200;
    `Transient` when the Hub answered 429 or 5xx, or could not be reached."""
    parts = urllib.parse.urlsplit(url)
    if offline() or parts.scheme not in ("http", "https") or _proxied(parts):
        return None
    key = (parts.scheme, parts.hostname or "", parts.port)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in (1, 2):
        idle = _connections.setdefault(key, [])
        taken = _take(idle)
        kept = taken is not None
        connection = taken or _connect(parts, timeout)
        connection.timeout = timeout  # this call's policy, also on a kept connection
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        try:
            connection.request("GET", target, headers=headers(token))
            response = connection.getresponse()
            body = response.read()
        except ssl.SSLError:
            connection.close()
            return None  # the library's own TLS set-up decides
        except (OSError, http.client.HTTPException) as e:
            connection.close()
            if kept and attempt == 1 and isinstance(e, _CLOSED_MEANWHILE):
                continue  # the Hub closed the kept connection: a new one, at once
            raise Transient(reason_of(e)) from None
        if response.will_close:
            connection.close()
        else:
            idle.append(connection)
        break
    if response.status in RETRY_STATUSES:
        reason = f"{response.status} {response.reason or ''}".strip()
        raise Transient(reason, retry_after(response))
    if 400 <= response.status < 500:
        raise Refused(response.status, response.getheaders(), body)
    if response.status != 200:
        return None
    try:
        data = json.loads(body)
    except ValueError:  # not JSON
        return None
    found = _NEXT.search(response.headers.get("Link") or "")
    return Page(data, _same_origin(url, found.group(1)) if found else None)


def _take(idle: list[http.client.HTTPConnection]) -> http.client.HTTPConnection | None:
    try:
        return idle.pop()
    except IndexError:  # another thread took the last one meanwhile
        return None


def _same_origin(url: str, link: str) -> str:
    """The next page's address, which must be on the host the token was meant for."""
    target = urllib.parse.urljoin(url, link)
    here, there = urllib.parse.urlsplit(url), urllib.parse.urlsplit(target)
    if (here.scheme, here.hostname, here.port) != (there.scheme, there.hostname, there.port):
        raise HubError(
            f"the Hub at {here.scheme}://{here.netloc} sent a next-page link to another host "
            f"({there.scheme}://{there.netloc}): not following it with your token"
        )
    return target


_CLOSED_MEANWHILE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    http.client.CannotSendRequest,
)


def _connect(parts: urllib.parse.SplitResult, timeout: float) -> http.client.HTTPConnection:
    host, port = parts.hostname or "", parts.port
    if parts.scheme == "http":
        return http.client.HTTPConnection(host, port, timeout=timeout)
    # the system's certificates (and SSL_CERT_FILE / SSL_CERT_DIR), loaded once
    return http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls())


_tls_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    global _tls_context
    if _tls_context is None:
        _tls_context = ssl.create_default_context()
    return _tls_context


def _proxied(parts: urllib.parse.SplitResult) -> bool:
    """A proxy is set for this URL (the library's client goes through it)."""
    if sys.platform not in ("darwin", "win32") and not any(
        name.lower().endswith("_proxy") and value for name, value in os.environ.items()
    ):
        return False  # no proxy variable: nothing else sets one here (urllib.request not loaded)
    import urllib.request

    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.netloc)


def parse_date(text: str) -> datetime | None:
    """An ISO 8601 date with its zone, or None when it is not one Python reads as such."""
    try:
        date = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return date if date.tzinfo is not None else None
