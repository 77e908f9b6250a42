"""Signing in and out of the pages: the form, and the cookie set or cleared (`session.py`)."""

from __future__ import annotations

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response
from hfgit.server.pages import session
from hfgit.server.pages.common import render, root
from hfgit.server.problems import ApiError


def login_form(ctx: Context, request: Request) -> Response:
    return render(ctx, request, "login.html", title="Sign in", problem=None)


def login(ctx: Context, request: Request) -> Response:
    session.check_origin(request)
    form = request.form(session.TOKEN_BYTES)
    token = (form.get("token") or [""])[-1].strip()
    try:
        found = ctx.users.identify(f"Bearer {token}") if token else None
    except ApiError:
        found = None
    if found is None or found.name is None:
        problem = "That token is not known to this hub."
        return render(ctx, request, "login.html", 401, title="Sign in", problem=problem)
    headers = {"Location": f"{root(request)}/", "Set-Cookie": session.set_cookie(request, token)}
    return Response(303, headers, b"")


def logout(ctx: Context, request: Request) -> Response:
    session.check_origin(request)
    headers = {"Location": f"{root(request)}/", "Set-Cookie": session.clear_cookie(request)}
    return Response(303, headers, b"")
