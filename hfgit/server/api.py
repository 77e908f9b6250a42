"""Account and repo endpoints: whoami, create/delete/info, refs, tags, branches, commits."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pygit2

from hfgit.server import trees
from hfgit.server.access import gated
from hfgit.server.auth import Caller, check_write
from hfgit.server.context import Context, repo_url, resolve
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_repo_id
from hfgit.server.problems import (
    bad_request,
    conflict,
    repo_not_found,
    unauthorized,
)
from hfgit.server.storage import DEFAULT_BRANCH

KINDS_BY_TYPE = {None: "model", "model": "model", "dataset": "dataset"}


def whoami(ctx: Context, request: Request) -> Response:
    caller = ctx.caller(request)
    if caller.name is None:
        raise unauthorized("Invalid user token: pass a token to identify yourself.")
    role = "write" if caller.can_write else "read"
    return json_response(
        {
            "type": "user",
            "id": caller.name,
            "name": caller.name,
            "fullname": caller.name,
            "orgs": [],
            "auth": {"type": "access_token", "accessToken": {"displayName": "hfgit", "role": role}},
        }
    )


def _repo_target(ctx: Context, request: Request) -> tuple[str, str, str, dict[str, Any]]:
    body = request.json_object(ctx.limits.json_bytes)
    kind = KINDS_BY_TYPE.get(body.get("type")) if isinstance(body.get("type"), str | None) else None
    if kind is None:
        raise bad_request(f"Unsupported repo type: {body.get('type')!r} (models and datasets only)")
    name, namespace = body.get("name"), body.get("organization")
    if not isinstance(name, str) or not isinstance(namespace, str | None):
        raise bad_request("'name' must be a string and 'organization' a string or null")
    if namespace is None:
        if "/" in name:
            namespace, _, name = name.partition("/")
        else:
            caller = ctx.caller(request)
            if caller.name is None:
                raise unauthorized()
            namespace = caller.name
    return kind, namespace, name, body


def create_repo(ctx: Context, request: Request) -> Response:
    kind, namespace, name, body = _repo_target(ctx, request)
    caller = ctx.caller(request)
    namespace = own_namespace(caller, namespace)
    check_write(caller, namespace)
    repo_id = check_repo_id(namespace, name)
    private = _requested_privacy(body)
    repo = ctx.storage.create(kind, repo_id, owner=namespace, private=private)
    if repo is None:  # the id, or one differing only in case, is taken
        existing = ctx.storage.open(kind, repo_id)
        url = repo_url(request, existing) if existing else f"{request.base_url}/{repo_id}"
        raise conflict(f"You already created this {kind} repo", body={"url": url})
    return json_response({"url": repo_url(request, repo), "name": repo_id, "id": repo_id})


def own_namespace(caller: Caller, namespace: str) -> str:
    """Namespaces ignore case: the caller's own, in the casing of their user name."""
    if caller.name is not None and namespace.lower() == caller.name.lower():
        return caller.name
    return namespace


def _requested_privacy(body: dict[str, Any]) -> bool:
    if "visibility" in body:
        if body["visibility"] not in ("private", "public", "protected"):
            raise bad_request("'visibility' must be 'private' or 'public'")
        return bool(body["visibility"] != "public")
    return bool(body.get("private", False))


def delete_repo(ctx: Context, request: Request) -> Response:
    kind, namespace, name, _ = _repo_target(ctx, request)
    caller = ctx.caller(request)
    repo_id = check_repo_id(namespace, name)
    repo = ctx.storage.open(kind, repo_id)
    check_write(caller, repo.owner if repo else own_namespace(caller, namespace))
    if repo is None or not ctx.storage.delete(kind, repo.repo_id):
        raise repo_not_found(repo_id)
    return json_response({"success": True})


def repo_info(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str | None
) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name)
    commit = resolve(repo, rev or DEFAULT_BRANCH)
    with_blobs = request.flag("blobs")
    siblings = [_sibling(repo, path, blob, with_blobs) for path, blob in trees.files(commit.tree)]
    info: dict[str, Any] = {
        "_id": repo.repo_id,
        "id": repo.repo_id,
        "author": repo.owner,
        "sha": str(commit.id),
        "lastModified": trees.hub_date(commit.commit_time),
        "createdAt": trees.hub_date(float(repo.meta.get("createdAt", commit.commit_time))),
        "private": repo.private,
        "disabled": False,
        "gated": gated(repo),
        "downloads": 0,
        "likes": 0,
        "tags": [],
        "siblings": siblings,
    }
    if kind == "model":
        info["modelId"] = repo.repo_id
    return json_response(info)


def _sibling(repo: HubRepo, path: str, blob: pygit2.Blob, with_blobs: bool) -> dict[str, Any]:
    if not with_blobs:
        return {"rfilename": path}
    item: dict[str, Any] = {
        "rfilename": path,
        "size": trees.file_size(blob, repo.objects),
        "blobId": str(blob.id),
    }
    pointer = trees.pointer_of(blob, repo.objects)
    if pointer:
        item["lfs"] = {"sha256": pointer[0], "size": pointer[1], "pointerSize": blob.size}
    return item


def list_commits(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str
) -> Response:
    """Commits from `rev`, newest first. Pages chain by a cursor (the next page's first commit),
    so each page costs the same however deep it is; `?p=N` is also understood."""
    repo, _ = ctx.repo(request, kind, ns, name)
    head = resolve(repo, rev)
    size = ctx.limits.commits_page_size
    formatted = request.param("expand[]") == "formatted"
    start, skip = head.id, _page_number(request) * size
    cursor = request.param("cursor")
    if cursor:
        start, skip = _cursor_commit(repo, cursor), 0
    items: list[dict[str, Any]] = []
    headers: dict[str, str] = {}
    for index, commit in enumerate(_first_parent_history(repo.git[start].peel(pygit2.Commit))):
        if index < skip:
            continue
        if len(items) == size:
            headers["Link"] = f'<{next_url(request, cursor=str(commit.id), p="0")}>; rel="next"'
            break
        items.append(_commit_item(commit, formatted))
    return json_response(items, headers=headers)


def _first_parent_history(commit: pygit2.Commit) -> Iterator[pygit2.Commit]:
    """A commit and its first-parent ancestors, newest first. Hub histories are linear (the
    commit API makes no merges), so this is the whole history, read one object per step."""
    current: pygit2.Commit | None = commit
    while current is not None:
        yield current
        current = current.parents[0] if current.parent_ids else None


def _cursor_commit(repo: Any, cursor: str) -> pygit2.Oid:
    if len(cursor) != 40 or any(c not in "0123456789abcdef" for c in cursor):
        raise bad_request("Query parameter 'cursor' must be a commit id")
    obj = repo.git.get(cursor)
    if not isinstance(obj, pygit2.Commit):
        raise bad_request("Query parameter 'cursor' is not a commit of this repository")
    return obj.id


def _commit_item(commit: pygit2.Commit, formatted: bool) -> dict[str, Any]:
    title = trees.title_of(commit.message)
    item: dict[str, Any] = {
        "id": str(commit.id),
        "authors": [{"user": commit.author.name}],
        "date": trees.hub_date(commit.commit_time),
        "title": title,
        "message": commit.message,
    }
    if formatted:
        item["formatted"] = {"title": html.escape(title), "message": html.escape(commit.message)}
    return item


def _page_number(request: Request) -> int:
    raw = request.param("p", "0") or "0"
    if not (raw.isascii() and raw.isdigit()):
        raise bad_request("Query parameter 'p' must be a page number")
    return int(raw)


def next_url(request: Request, **params: str) -> str:
    """Absolute URL of the same request with some query parameters replaced."""
    query = {k: v for k, v in request.query.items() if k not in params}
    query.update({k: [v] for k, v in params.items()})
    return f"{request.base_url}{request.path}?{urlencode(query, doseq=True)}"
