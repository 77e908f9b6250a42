"""One function per page: read what it shows (a bounded amount), render its template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pygit2

from hfgit.server.access import check_content
from hfgit.server.auth import can_read
from hfgit.server.context import Context, resolve
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response
from hfgit.server.misc import load_bounded
from hfgit.server.naming import check_repo_id
from hfgit.server.pages import charts, history, session, stages, view
from hfgit.server.problems import ApiError, bad_request, entry_not_found, repo_not_found
from hfgit.server.storage import DEFAULT_BRANCH
from hfgit.server.trees import children, lookup, pointer_of

Page = Callable[[], Response]

CARD_BYTES = 512 * 1024  # a larger README is linked, not rendered
TEXT_BYTES = 256 * 1024  # a larger text file is offered as a download only
LISTED_REPOS = 500  # repositories looked at for the front page
CARD_FIELDS = (
    "license",
    "base_model",
    "datasets",
    "language",
    "library_name",
    "pipeline_tag",
    "tags",
)
STYLESHEET = (Path(__file__).parent / "static" / "style.css").read_bytes()


# --- site ---------------------------------------------------------------------------------


def index(ctx: Context, request: Request) -> Response:
    who = session.caller(ctx, request)
    rows = []
    for repo in _first(ctx.storage.repos(), LISTED_REPOS):
        if not can_read(who, repo.owner, repo.private):
            continue
        head = repo.resolve(DEFAULT_BRANCH)
        latest = history.latest_version(repo)
        headline = next(iter(sorted(latest.metrics.items())), None) if latest else None
        rows.append(
            {
                "repo": repo,
                "url": _repo_url(request, repo),
                "time": head.commit_time if head else 0,
                "updated": history.entry(head).date if head else "",
                "latest": latest,
                "headline": headline,
            }
        )
    rows.sort(key=lambda row: row["time"], reverse=True)
    return _render(ctx, request, "index.html", rows=rows, title="Repositories")


def login_form(ctx: Context, request: Request) -> Response:
    return _render(ctx, request, "login.html", title="Sign in", problem=None)


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
        return _render(ctx, request, "login.html", 401, title="Sign in", problem=problem)
    headers = {"Location": f"{_root(request)}/", "Set-Cookie": session.set_cookie(request, token)}
    return Response(303, headers, b"")


def logout(ctx: Context, request: Request) -> Response:
    session.check_origin(request)
    headers = {"Location": f"{_root(request)}/", "Set-Cookie": session.clear_cookie(request)}
    return Response(303, headers, b"")


def stylesheet(ctx: Context, request: Request) -> Response:
    headers = {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"}
    return Response(200, headers, STYLESHEET)


SITE: dict[tuple[str, str], Callable[[Context, Request], Response]] = {
    ("GET", ""): index,
    ("GET", "login"): login_form,
    ("POST", "login"): login,
    ("POST", "logout"): logout,
    ("GET", "style.css"): stylesheet,
}


# --- one repository -----------------------------------------------------------------------


def card(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo = _repo(ctx, request, kind, ns, name)
    head = resolve(repo, DEFAULT_BRANCH)
    text, too_big = _readme(repo, head)
    meta, body, problem = _split_card(text)
    latest = history.latest_version(repo)
    return _render(
        ctx,
        request,
        "card.html",
        stages=stages.stages(repo, history.version_tags(repo)),
        **_repo_data(request, repo, "card"),
        title=repo.repo_id,
        fields=_card_fields(meta),
        body=view.markdown(body) if body else None,
        problem=problem,
        too_big=too_big,
        latest=latest,
        head=history.entry(head),
        clone_url=f"{request.base_url}/{repo.url_path}",
    )


def tree(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo = _repo(ctx, request, kind, ns, name, content=True)
    commit = resolve(repo, rev)
    folder = lookup(commit.tree, path)
    if not isinstance(folder, pygit2.Tree):
        raise entry_not_found(path, str(commit.id))
    prefix = f"{path}/" if path else ""
    listed = list(_first(children(folder, prefix, recursive=False), ctx.limits.page_size + 1))
    rows = [_tree_row(request, repo, rev, item_path, obj) for item_path, obj in listed]
    rows.sort(key=lambda row: (not row["folder"], row["name"].lower()))
    return _render(
        ctx,
        request,
        "tree.html",
        **_repo_data(request, repo, "files"),
        title=f"{repo.repo_id} at {rev}",
        rev=rev,
        path=path,
        crumbs=_crumbs(request, repo, rev, path),
        rows=rows[: ctx.limits.page_size],
        truncated=len(rows) > ctx.limits.page_size,
        commit=history.entry(commit),
    )


def blob(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo = _repo(ctx, request, kind, ns, name, content=True)
    commit = resolve(repo, rev)
    found = lookup(commit.tree, path) if path else None
    if not isinstance(found, pygit2.Blob):
        raise entry_not_found(path, str(commit.id))
    pointer = pointer_of(found, repo.objects)
    text = None
    if pointer is None and found.size <= TEXT_BYTES:
        text = _text(found.data)
    return _render(
        ctx,
        request,
        "blob.html",
        **_repo_data(request, repo, "files"),
        title=f"{path} in {repo.repo_id}",
        rev=rev,
        path=path,
        crumbs=_crumbs(request, repo, rev, path),
        size=pointer[1] if pointer else found.size,
        lfs=pointer[0] if pointer else None,
        text=text,
        download=_resolve_url(request, repo, rev, path),
        commit=history.entry(commit),
    )


def commits(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo = _repo(ctx, request, kind, ns, name)
    head = resolve(repo, "/".join(p for p in (rev, path) if p))
    size = ctx.limits.commits_page_size
    number = _page_number(request)
    shown = list(history.history(repo, head, number * size, size + 1))
    return _render(
        ctx,
        request,
        "commits.html",
        **_repo_data(request, repo, "commits"),
        title=f"Commits of {repo.repo_id}",
        rev=rev,
        entries=shown[:size],
        page=number,
        more=len(shown) > size,
    )


def versions(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo = _repo(ctx, request, kind, ns, name)
    tags = history.version_tags(repo)
    size = history.VERSIONS_PAGE
    number = _page_number(request)
    end = max(len(tags) - number * size, 0)
    shown = history.versions(repo, tags[max(end - size, 0) : end])
    asked = [request.param("a"), request.param("b")]
    pair = [a or d for a, d in zip(asked, ([""] * 2 + tags)[-2:], strict=True)]
    wanted = all(asked) and all(t in tags for t in pair)
    compared = history.versions(repo, pair) if wanted else []
    return _render(
        ctx,
        request,
        "versions.html",
        **_repo_data(request, repo, "versions"),
        title=f"Versions of {repo.repo_id}",
        entries=list(reversed(shown)),
        charts=charts.charts(shown),
        chart=charts,
        tags=tags[-size * 10 :],
        pair=pair,
        compared=_comparison(compared) if len(compared) == 2 else None,
        stages=stages.stages(repo, tags),
        max_branches=stages.MAX_BRANCHES,
        page=number,
        more=end > size,
        total=len(tags),
    )


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


# --- helpers ------------------------------------------------------------------------------


def _repo(
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


def _render(
    ctx: Context, request: Request, template: str, status: int = 200, **data: Any
) -> Response:
    who = session.caller(ctx, request)
    return view.page(template, status, who=who.name, root=_root(request), **data)


def _root(request: Request) -> str:
    return urlsplit(request.base_url).path.rstrip("/")


def _repo_url(request: Request, repo: HubRepo) -> str:
    return f"{_root(request)}/{repo.url_path}"


def _repo_data(request: Request, repo: HubRepo, tab: str) -> dict[str, Any]:
    return {"repo": repo, "repo_url": _repo_url(request, repo), "tab": tab}


def _resolve_url(request: Request, repo: HubRepo, rev: str, path: str) -> str:
    return f"{_repo_url(request, repo)}/resolve/{quote(rev, safe='')}/{quote(path)}"


def _tree_row(
    request: Request, repo: HubRepo, rev: str, path: str, obj: pygit2.Object
) -> dict[str, Any]:
    base = _repo_url(request, repo)
    folder = isinstance(obj, pygit2.Tree)
    row: dict[str, Any] = {"name": path.rpartition("/")[2], "folder": folder}
    action = "tree" if folder else "blob"
    row["url"] = f"{base}/{action}/{quote(rev, safe='')}/{quote(path)}"
    if isinstance(obj, pygit2.Blob):
        pointer = pointer_of(obj, repo.objects)
        row["size"] = pointer[1] if pointer else obj.size
        row["lfs"] = pointer is not None
        row["download"] = _resolve_url(request, repo, rev, path)
    return row


def _crumbs(request: Request, repo: HubRepo, rev: str, path: str) -> list[tuple[str, str]]:
    base = f"{_repo_url(request, repo)}/tree/{quote(rev, safe='')}"
    crumbs = [(repo.repo_id.partition("/")[2], base)]
    parts = [p for p in path.split("/") if p]
    for index, part in enumerate(parts):
        crumbs.append((part, f"{base}/{quote('/'.join(parts[: index + 1]))}"))
    return crumbs


def _readme(repo: HubRepo, head: pygit2.Commit) -> tuple[str, bool]:
    found = lookup(head.tree, "README.md")
    if not isinstance(found, pygit2.Blob) or pointer_of(found, repo.objects):
        return "", False
    if found.size > CARD_BYTES:
        return "", True
    return found.data.decode("utf-8", "replace"), False


def _split_card(text: str) -> tuple[dict[str, Any], str, str | None]:
    """(front matter, markdown body, why the front matter could not be read)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text, None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        return {}, text, "The metadata block is not closed by a '---' line."
    body = "\n".join(lines[end + 1 :])
    try:
        data = load_bounded("\n".join(lines[1:end]))
    except ValueError:
        return {}, body, "The metadata block is not valid YAML."
    return (data if isinstance(data, dict) else {}), body, None


def _card_fields(meta: dict[str, Any]) -> list[tuple[str, str]]:
    fields = []
    for key in CARD_FIELDS:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if isinstance(v, str | int | float))
        if isinstance(value, str | int | float) and str(value):
            fields.append((key.replace("_", " "), str(value)))
    return fields


def _text(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _comparison(pair: list[history.Entry]) -> dict[str, Any]:
    a, b = pair
    metrics = sorted(set(a.metrics) | set(b.metrics))
    params = sorted(set(a.params) | set(b.params))
    return {
        "a": a,
        "b": b,
        "metrics": [(m, a.metrics.get(m), b.metrics.get(m)) for m in metrics],
        "params": [(p, a.params.get(p), b.params.get(p)) for p in params],
    }


def _page_number(request: Request) -> int:
    raw = request.param("p") or "0"
    if not raw.isdigit() or len(raw) > 6:
        raise bad_request("'p' must be a page number")
    return int(raw)


def _first(items: Any, count: int) -> Any:
    for index, item in enumerate(items):
        if index >= count:
            return
        yield item
