"""Refs endpoints: list refs, create/delete tags (annotated or lightweight) and branches."""

from __future__ import annotations

from typing import Any

import pygit2

from hfgit.server.context import Context, resolve
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_ref_name
from hfgit.server.problems import bad_request, conflict, forbidden, revision_not_found
from hfgit.server.storage import DEFAULT_BRANCH, signature


def list_refs(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name)
    groups: dict[str, list[dict[str, str]]] = {"branches": [], "tags": [], "pullRequests": []}
    prefixes = {"refs/heads/": "branches", "refs/tags/": "tags", "refs/pr/": "pullRequests"}
    # one pass over the refs, each read once (a lookup by name reads it three times)
    for ref in sorted(repo.git.references.iterator(), key=lambda r: r.name):
        ref_name = ref.name
        for prefix, group in prefixes.items():
            if ref_name.startswith(prefix):
                target = _commit_of(ref)
                if target is not None:
                    short = ref_name[len(prefix) :] if group != "pullRequests" else ref_name
                    groups[group].append(
                        {"name": short, "ref": ref_name, "targetCommit": str(target.id)}
                    )
    answer: dict[str, Any] = {
        "branches": groups["branches"],
        "converts": [],
        "tags": groups["tags"],
    }
    if request.flag("include_prs"):
        answer["pullRequests"] = groups["pullRequests"]
    return json_response(answer)


def _commit_of(ref: pygit2.Reference) -> pygit2.Commit | None:
    """The commit a ref points at through any tags; None for a tree or a blob."""
    try:
        target = ref.peel()  # the first object that is not a tag
    except (pygit2.GitError, KeyError, ValueError):
        return None
    return target if isinstance(target, pygit2.Commit) else None


def create_tag(ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name, write=True)
    body = request.json_object(ctx.limits.json_bytes)
    target = resolve(repo, rev)  # as on the Hub: an unknown revision first, then the name
    tag = check_ref_name(body.get("tag"), "tag")
    message = body.get("message")
    if message is not None and not isinstance(message, str):
        raise bad_request("'message' must be a string")
    ref_name = f"refs/tags/{tag}"
    with repo.lock():
        if ref_name in repo.git.references:
            raise conflict(f"Reference {ref_name} already exists")
        if message:
            sig = signature(caller.name or repo.owner)
            repo.git.create_tag(tag, target.id, pygit2.enums.ObjectType.COMMIT, sig, message)
        else:
            repo.git.references.create(ref_name, target.id)
    return json_response({"name": tag, "ref": ref_name, "targetCommit": str(target.id)})


def delete_ref(
    ctx: Context, request: Request, kind: str, ns: str, name: str, ref: str, group: str
) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name, write=True)
    ref_name = f"refs/{group}/{ref}"
    if group == "heads" and ref == DEFAULT_BRANCH:
        raise forbidden(f"Cannot delete {ref_name}: it is the default branch")
    with repo.lock():
        if not _valid_ref(ref_name) or ref_name not in repo.git.references:
            raise revision_not_found(ref)
        repo.git.references.delete(ref_name)
    return json_response({"success": True})


def create_branch(
    ctx: Context, request: Request, kind: str, ns: str, name: str, branch: str
) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name, write=True)
    check_ref_name(branch)
    body = request.json_object(ctx.limits.json_bytes)
    start = body.get("startingPoint") or DEFAULT_BRANCH
    if not isinstance(start, str):
        raise bad_request("'startingPoint' must be a string")
    target = resolve(repo, start)
    ref_name = f"refs/heads/{branch}"
    with repo.lock():
        if ref_name in repo.git.references:
            raise conflict(f"Reference {ref_name} already exists")
        repo.git.references.create(ref_name, target.id)
    return json_response({"name": branch, "ref": ref_name, "targetCommit": str(target.id)})


def _valid_ref(name: str) -> bool:
    return pygit2.reference_is_valid_name(name)
