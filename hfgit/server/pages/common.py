"""What every page does: open the repository the caller may see, render a template with who
is signed in, build links under the hub's own path, read the page number, show an error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

from hfgit.server.access import check_content
from hfgit.server.auth import can_read
from hfgit.server.context import Context
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response
from hfgit.server.naming import check_repo_id
from hfgit.server.pages import session, view
from hfgit.server.problems import ApiError, bad_request, repo_not_found

Page = Callable[[], Response]
T = TypeVar("T")


def open_repo(
    ctx: Context, request: Request, kind: str, ns: str, name: str, content: bool = False
) -> HubRepo:
    """The repo if the signed-in caller may see it: a private one is "not found" otherwise."""
    who = session.caller(ctx, request)
    repo_id = check_repo_id(ns, name)
    repo = ctx.storage.open(kind, repo_id)
    if repo is None or not can_read(who, repo.owner, repo.private):
        raise repo_not_found(repo_id)
    if content:
        check_content(repo, who, request.base_url)
    return repo


def render(
    ctx: Context, request: Request, template: str, status: int = 200, **data: Any
) -> Response:
    who = session.caller(ctx, request)
    return view.page(template, status, who=who.name, root=root(request), **data)


def error_page(error: ApiError) -> Response:
    titles = {404: "Not found", 401: "Sign-in needed", 403: "Not allowed"}
    return view.page(
        "error.html",
        error.status,
        {"X-Error-Code": error.code} if error.code else None,
        title=titles.get(error.status, "Error"),
        message=error.message,
        who=None,
        root="",
    )


def root(request: Request) -> str:
    """The hub's own path (empty at the root of its host): every link starts with it."""
    return urlsplit(request.base_url).path.rstrip("/")


def repo_url(request: Request, repo: HubRepo) -> str:
    return f"{root(request)}/{repo.url_path}"


def repo_data(request: Request, repo: HubRepo, tab: str) -> dict[str, Any]:
    """What the repository's header needs: the repo, its link, the tab shown."""
    return {"repo": repo, "repo_url": repo_url(request, repo), "tab": tab}


def page_number(request: Request) -> int:
    raw = request.param("p") or "0"
    if not raw.isdigit() or len(raw) > 6:
        raise bad_request("'p' must be a page number")
    return int(raw)


def first(items: Iterable[T], count: int) -> Iterator[T]:
    """At most `count` of `items`, reading no further."""
    for index, item in enumerate(items):
        if index >= count:
            return
        yield item
