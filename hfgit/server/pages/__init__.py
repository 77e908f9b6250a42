"""Web pages of the embedded hub: model cards, files, commits and metrics across versions.

Server-rendered HTML at the Hub's own URL shapes (`/{ns}/{name}`, `/tree/...`, `/blob/...`,
`/commits/...`) plus `/{ns}/{name}/versions`; read-only, no JavaScript. Who may see what is the
API's rule, with the caller taken from the sign-in cookie (`session.py`).

This module is the pages' route table. The pages themselves: `frontpage.py` (the list of
repositories, the stylesheet), `account.py` (signing in and out), `handlers.py` (a
repository's card, commits and versions), `browse.py` (its files); `common.py` holds what
they share.
"""

from __future__ import annotations

from collections.abc import Callable

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response
from hfgit.server.pages import account, browse, frontpage, handlers
from hfgit.server.pages.common import Page, error_page
from hfgit.server.problems import ApiError

SITE: dict[tuple[str, str], Callable[[Context, Request], Response]] = {
    ("GET", ""): frontpage.index,
    ("GET", "login"): account.login_form,
    ("POST", "login"): account.login,
    ("POST", "logout"): account.logout,
    ("GET", "style.css"): frontpage.stylesheet,
}
RevisionPage = Callable[[Context, Request, str, str, str, str, str], Response]
REPO_PAGES: dict[str, RevisionPage] = {
    "tree": browse.tree,
    "blob": browse.blob,
    "commits": handlers.commits,
}


def is_site_path(request: Request) -> bool:
    segs = request.segments
    return len(segs) == 1 and (_method(request), segs[0]) in SITE


def site(ctx: Context, request: Request) -> Response:
    """`/`, `/login`, `/logout`, `/style.css`."""
    action = request.segments[0]
    return _shown(lambda: SITE[(_method(request), action)](ctx, request))


def repo_page(ctx: Context, request: Request, kind: str, segs: list[str]) -> Response | None:
    """The page `segs` (after `datasets/`) names, or None when it names no page."""
    if _method(request) != "GET" or len(segs) < 2:
        return None
    ns, name, action, rest = segs[0], segs[1], segs[2:3], segs[3:]
    if not action:
        return _shown(lambda: handlers.card(ctx, request, kind, ns, name))
    if action == ["versions"] and not rest:
        return _shown(lambda: handlers.versions(ctx, request, kind, ns, name))
    if action[0] in REPO_PAGES:
        revision = rest[0] if rest else "main"
        path = "/".join(rest[1:])
        page = REPO_PAGES[action[0]]
        return _shown(lambda: page(ctx, request, kind, ns, name, revision, path))
    return None


def _method(request: Request) -> str:
    """HEAD is answered as GET: the connection sends the head alone, with the GET's length."""
    return "GET" if request.method == "HEAD" else request.method


def _shown(make: Page) -> Response:
    try:
        return make()
    except ApiError as error:
        return error_page(error)
