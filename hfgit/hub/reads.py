"""Plain JSON reads of the Hub (refs, commit pages) over the standard library's HTTP client.

`git hf log` and `git hf status` only read a repository's refs and commit listings. Importing
huggingface_hub and building its HTTP client costs more than the reads themselves, so these
GETs are first tried here, with the same headers the library would send (the chosen token, or
none). A 200 with a JSON body is the answer. A 429 or 5xx (with its Retry-After), a refused,
reset or stalled connection are `Transient`, which the caller retries under its policy
(`retry.py`), as the library's client would. Anything else, another status, a redirect, a
TLS failure, an answer that is not JSON, offline mode, is `None`:
the caller sends the same request through the library, where faults are retried and errors
are read as the library reads them (`errors.py`). A redirect is never followed here, so a
token never goes to another host.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import ssl
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from hfgit import __version__
from hfgit.hub.retry import RETRY_STATUSES, Transient, reason_of, retry_after

_OFFLINE = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_TRUE = {"1", "ON", "YES", "TRUE"}
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class Page:
    """One answer: its JSON body and the address of the next page (Link: rel="next")."""

    def __init__(self, data: Any, next_url: str | None) -> None:
        self.data = data
        self.next_url = next_url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx surfaces as an HTTPError: the library takes the request over


_opener: urllib.request.OpenerDirector | None = None


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
    `Transient` when the Hub answered 429 or 5xx."""
    if offline():
        return None
    request = urllib.request.Request(url, headers=headers(token), method="GET")
    try:
        with _open(request, timeout) as response:
            if response.status != 200:
                return None
            data = json.loads(response.read())
            link = response.headers.get("Link") or ""
    except urllib.error.HTTPError as e:
        with e:
            if e.code in RETRY_STATUSES:
                raise Transient(f"{e.code} {e.reason or ''}".strip(), retry_after(e)) from None
        return None
    except ValueError:  # not JSON
        return None
    except (OSError, http.client.HTTPException) as e:
        cause = e.reason if isinstance(e, urllib.error.URLError) else e
        if not isinstance(cause, BaseException) or isinstance(cause, ssl.SSLError):
            return None  # the library's own TLS set-up decides
        raise Transient(reason_of(cause)) from None
    found = _NEXT.search(link)
    return Page(data, found.group(1) if found else None)


def parse_date(text: str) -> datetime | None:
    """An ISO 8601 date with its zone, or None when it is not one Python reads as such."""
    try:
        date = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return date if date.tzinfo is not None else None


def _open(request: urllib.request.Request, timeout: float) -> Any:
    global _opener
    if _opener is None:  # https: the system's certificates, loaded at the first connection
        _opener = urllib.request.build_opener(_NoRedirect())
    return _opener.open(request, timeout=timeout)
