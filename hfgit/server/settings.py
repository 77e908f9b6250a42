"""Repo settings and access: visibility and gating, access checks, grants, moves.

`PUT  /api/{type}s/{id}/settings` `{"visibility"?: "public"|"private", "private"?: bool,
"gated"?: "auto"|"manual"|false}` (the owner);
`GET  /api/{type}s/{id}/auth-check[/write]`: 200 when the caller may read the repo's files
(or write to it), else the Hub's errors (`RepoNotFound`, `GatedRepo`, 401/403);
`POST /api/{type}s/{id}/user-access-request/grant` `{"user"}`: the owner lets a user read a
gated repo's files;
`POST /api/repos/move` `{"fromRepo", "toRepo", "type"}`: rename within the caller's own
namespace; the old id keeps answering (see `reponames`).
"""

from __future__ import annotations

import json
from typing import Any

from hfgit.server.access import GATED_MODES, check_content, granted
from hfgit.server.api import KINDS_BY_TYPE, own_namespace
from hfgit.server.auth import check_write
from hfgit.server.context import Context, repo_url
from hfgit.server.hubrepo import META_FILE, HubRepo
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_repo_id, is_valid_segment
from hfgit.server.problems import bad_request, conflict, repo_not_found

MAX_GRANTS = 10_000


def update_settings(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name, write=True)
    body = request.json_object(ctx.limits.json_bytes)
    changes: dict[str, Any] = {}
    if "visibility" in body:
        if body["visibility"] not in ("public", "private"):
            raise bad_request("'visibility' must be 'public' or 'private' for this repo type")
        changes["private"] = body["visibility"] == "private"
    elif "private" in body:
        if not isinstance(body["private"], bool):
            raise bad_request("'private' must be true or false")
        changes["private"] = body["private"]
    if "gated" in body:
        if body["gated"] is not False and body["gated"] not in GATED_MODES:
            raise bad_request("'gated' must be 'auto', 'manual' or false")
        changes["gated"] = body["gated"]
    if not changes:
        raise bad_request("Nothing to update: pass 'visibility' (or 'private') or 'gated'")
    with repo.lock():
        _reload_meta(repo)
        ctx.storage.update_meta(repo, **changes)
    return json_response({"success": True})


def auth_check(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rest: list[str]
) -> Response:
    if rest not in ([], ["write"]):
        raise repo_not_found(f"{ns}/{name}")
    repo, caller = ctx.repo(request, kind, ns, name, write=rest == ["write"])
    check_content(repo, caller, request.base_url)
    return json_response({"success": True})


def grant_access(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name, write=True)
    user = request.json_object(ctx.limits.json_bytes).get("user")
    if not isinstance(user, str) or not is_valid_segment(user):
        raise bad_request("'user' must be a user name")
    with repo.lock():
        _reload_meta(repo)
        users = granted(repo)
        if user in users:
            raise conflict(f"{user} already has access to {repo.repo_id}")
        if len(users) >= MAX_GRANTS:
            raise bad_request(f"{repo.repo_id} has too many access grants")
        ctx.storage.update_meta(repo, grantedUsers=[*users, user])
    return json_response({"success": True})


def move_repo(ctx: Context, request: Request) -> Response:
    body = request.json_object(ctx.limits.json_bytes)
    kind = KINDS_BY_TYPE.get(body.get("type")) if isinstance(body.get("type"), str) else None
    source, target = body.get("fromRepo"), body.get("toRepo")
    if kind is None:
        raise bad_request(f"Unsupported repo type: {body.get('type')!r} (models and datasets only)")
    if not isinstance(source, str) or not isinstance(target, str):
        raise bad_request("'fromRepo' and 'toRepo' must be repo ids (namespace/name)")
    caller = ctx.caller(request)
    repo, _ = ctx.repo(request, kind, *_split(source), write=True)
    namespace, name = _split(target)
    namespace = own_namespace(caller, namespace)
    check_write(caller, namespace)  # moves stay within namespaces the caller owns
    new_id = check_repo_id(namespace, name)
    if new_id == repo.repo_id:
        raise bad_request(f"{source} is already named {target}")
    moved = ctx.storage.move(repo, new_id)
    if moved is None:
        raise conflict(f"You already created this {kind} repo: {new_id}")
    return json_response({"success": True, "url": repo_url(request, moved)})


def _reload_meta(repo: HubRepo) -> None:
    """The metadata as stored now (call under the repo lock, before changing it)."""
    try:
        repo.meta = json.loads((repo.path / META_FILE).read_text())
    except (OSError, ValueError):
        raise repo_not_found(repo.repo_id) from None


def _split(repo_id: str) -> tuple[str, str]:
    namespace, slash, name = repo_id.partition("/")
    if not slash or "/" in name:
        raise repo_not_found(repo_id)
    return namespace, name
