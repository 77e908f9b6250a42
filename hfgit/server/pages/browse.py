"""A revision's files: a folder's listing (`tree`) and one file (`blob`), with downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pygit2

from hfgit.server.context import Context, resolve
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response
from hfgit.server.pages import history
from hfgit.server.pages.common import first, open_repo, render, repo_data, repo_url
from hfgit.server.problems import entry_not_found
from hfgit.server.trees import children, lookup, pointer_of

TEXT_BYTES = 256 * 1024  # a larger text file is offered as a download only


def tree(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo = open_repo(ctx, request, kind, ns, name, content=True)
    commit = resolve(repo, rev)
    folder = lookup(commit.tree, path)
    if not isinstance(folder, pygit2.Tree):
        raise entry_not_found(path, str(commit.id))
    prefix = f"{path}/" if path else ""
    listed = list(first(children(folder, prefix, recursive=False), ctx.limits.page_size + 1))
    rows = [_row(request, repo, rev, item_path, obj) for item_path, obj in listed]
    rows.sort(key=lambda row: (not row["folder"], row["name"].lower()))
    return render(
        ctx,
        request,
        "tree.html",
        **repo_data(request, repo, "files"),
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
    repo = open_repo(ctx, request, kind, ns, name, content=True)
    commit = resolve(repo, rev)
    found = lookup(commit.tree, path) if path else None
    if not isinstance(found, pygit2.Blob):
        raise entry_not_found(path, str(commit.id))
    pointer = pointer_of(found, repo.objects)
    text = None
    if pointer is None and found.size <= TEXT_BYTES:
        text = _text(found.data)
    return render(
        ctx,
        request,
        "blob.html",
        **repo_data(request, repo, "files"),
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


def _resolve_url(request: Request, repo: HubRepo, rev: str, path: str) -> str:
    return f"{repo_url(request, repo)}/resolve/{quote(rev, safe='')}/{quote(path)}"


def _row(
    request: Request, repo: HubRepo, rev: str, path: str, obj: pygit2.Object
) -> dict[str, Any]:
    base = repo_url(request, repo)
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
    base = f"{repo_url(request, repo)}/tree/{quote(rev, safe='')}"
    crumbs = [(repo.repo_id.partition("/")[2], base)]
    parts = [p for p in path.split("/") if p]
    for index, part in enumerate(parts):
        crumbs.append((part, f"{base}/{quote('/'.join(parts[: index + 1]))}"))
    return crumbs


def _text(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
