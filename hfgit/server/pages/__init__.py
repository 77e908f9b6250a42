"""Web pages of the embedded hub: model cards, files, commits and metrics across versions.

Server-rendered HTML at the Hub's own URL shapes (`/{ns}/{name}`, `/tree/...`, `/blob/...`,
`/commits/...`) plus `/{ns}/{name}/versions`; read-only, no JavaScript. Who may see what is the
API's rule, with the caller taken from the sign-in cookie (`session.py`).
"""

from __future__ import annotations

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response
from hfgit.server.pages import handlers
from hfgit.server.problems import ApiError

SITE_PATHS = {
    ("GET", ""),
    ("GET", "login"),
    ("POST", "login"),
    ("POST", "logout"),
    ("GET", "style.css"),
}
REPO_ACTIONS = ("tree", "blob", "commits")


def is_site_path(request: Request) -> bool:
    segs = request.segments
    return len(segs) == 1 and (_method(request), segs[0]) in SITE_PATHS


def site(ctx: Context, request: Request) -> Response:
    """`/`, `/login`, `/logout`, `/style.css`."""
    action = request.segments[0]
    return _shown(lambda: handlers.SITE[(_method(request), action)](ctx, request))


def repo_page(ctx: Context, request: Request, kind: str, segs: list[str]) -> Response | None:
    """The page `segs` (after `datasets/`) names, or None when it names no page."""
    if _method(request) != "GET" or len(segs) < 2:
        return None
    ns, name, action, rest = segs[0], segs[1], segs[2:3], segs[3:]
    if not action:
        return _shown(lambda: handlers.card(ctx, request, kind, ns, name))
    if action == ["versions"] and not rest:
        return _shown(lambda: handlers.versions(ctx, request, kind, ns, name))
    if action[0] in REPO_ACTIONS:
        revision = rest[0] if rest else "main"
        path = "/".join(rest[1:])
        page = getattr(handlers, action[0])
        return _shown(lambda: page(ctx, request, kind, ns, name, revision, path))
    return None


def _method(request: Request) -> str:
    """HEAD is answered as GET: the connection sends the head alone, with the GET's length."""
    return "GET" if request.method == "HEAD" else request.method


def _shown(make: handlers.Page) -> Response:
    try:
        return make()
    except ApiError as error:
        return handlers.error_page(error)
