"""Signing in to the pages: a token kept in an HttpOnly, SameSite=Strict cookie.

The cookie is read by the pages only (the API still wants `Authorization`), so a page
visited from elsewhere cannot make the API act. Posts must come from the pages' own origin.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, unquote, urlsplit

from hfgit.server.auth import ANONYMOUS, Caller
from hfgit.server.context import Context
from hfgit.server.messages import Request
from hfgit.server.problems import ApiError, forbidden

COOKIE = "hfgit_token"
TOKEN_BYTES = 4096


def caller(ctx: Context, request: Request) -> Caller:
    """Who the cookie names; anonymous without one, or with a token no longer known."""
    token = presented(request)
    if not token:
        return ANONYMOUS
    try:
        return ctx.users.identify(f"Bearer {token}")
    except ApiError:
        return ANONYMOUS


def presented(request: Request) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("Cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return unquote(morsel.value) if morsel is not None and morsel.value else None


def check_origin(request: Request) -> None:
    """A POST must say it comes from these pages (browsers send `Origin` with every form)."""
    base = urlsplit(request.base_url)
    expected = f"{base.scheme}://{base.netloc}".lower()
    origin = (request.headers.get("Origin") or "").strip().lower()
    if origin != expected:
        raise forbidden("This form must be sent from the hub's own pages.")


def set_cookie(request: Request, token: str) -> str:
    return _cookie(request, quote(token, safe=""), "")


def clear_cookie(request: Request) -> str:
    return _cookie(request, "", "; Max-Age=0")


def _cookie(request: Request, value: str, extra: str) -> str:
    base = urlsplit(request.base_url)
    secure = "; Secure" if base.scheme == "https" else ""
    path = base.path.rstrip("/") or "/"
    return f"{COOKIE}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}{extra}"
