"""The discussions API: list, read, open, comment, close/reopen, rename and merge.

`GET  /api/{type}s/{id}/discussions[?p=&type=&status=&author=]` pages of 50, newest first;
`POST /api/{type}s/{id}/discussions` `{title, description, pullRequest}` opens one (a pull
request starts as a draft on `refs/pr/N` at the head of `main`);
`GET  /api/{type}s/{id}/discussions/{num}[?diff=1]` its events (and a pull request's base,
conflicts and diff); `POST .../discussions/{num}/{comment|status|title|merge}`.
Permissions are in `access`, pull request mechanics in `pulls`.
"""

from __future__ import annotations

from typing import Any

from hfgit.server import access, pulls
from hfgit.server.context import Context, repo_url
from hfgit.server.discussionstore import Discussions, render, render_event, text
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import is_number
from hfgit.server.problems import ApiError, bad_request
from hfgit.server.storage import DEFAULT_BRANCH

PAGE = 50
STATUS_FILTERS = {"open": ("open", "draft"), "closed": ("closed", "merged")}
TYPE_FILTERS = {"discussion": False, "pull_request": True}


def handle(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rest: list[str]
) -> Response:
    """Dispatch `.../discussions[/{num}[/{action}]]`."""
    method = request.method
    if not rest:
        if method == "GET":
            return list_discussions(ctx, request, kind, ns, name)
        if method == "POST":
            return create(ctx, request, kind, ns, name)
    elif is_number(rest[0], 9) and int(rest[0]) > 0:
        num = int(rest[0])
        if len(rest) == 1 and method == "GET":
            return get(ctx, request, kind, ns, name, num)
        if len(rest) == 2 and method == "POST" and rest[1] in ACTIONS:
            return ACTIONS[rest[1]](ctx, request, kind, ns, name, num)
    raise ApiError(404, f"Not found: {method} {request.path}")


def list_discussions(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name)
    wanted_status = request.param("status") or "all"
    wanted_type = request.param("type") or "all"
    author = request.param("author")
    if wanted_status not in ("all", *STATUS_FILTERS) or wanted_type not in ("all", *TYPE_FILTERS):
        raise bad_request("'status' must be all/open/closed and 'type' all/discussion/pull_request")
    page = request.param("p") or "0"
    if not (page == "0" or is_number(page, 6)):
        raise bad_request("Query parameter 'p' must be a page number")
    items = Discussions(repo).load().items
    chosen = [
        item
        for item in reversed(items)
        if (wanted_status == "all" or item.get("status") in STATUS_FILTERS[wanted_status])
        and (wanted_type == "all" or bool(item.get("isPullRequest")) == TYPE_FILTERS[wanted_type])
        and (author is None or item.get("author") == author)
    ]
    start = int(page) * PAGE
    closed = sum(1 for item in items if item.get("status") in STATUS_FILTERS["closed"])
    return json_response(
        {
            "discussions": [render(repo, item) for item in chosen[start : start + PAGE]],
            "count": len(chosen),
            "start": start,
            "numClosedDiscussions": closed,
        }
    )


def get(ctx: Context, request: Request, kind: str, ns: str, name: str, num: int) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    item = Discussions(repo).load().get(num)
    diff = request.flag("diff") and access.may_read_content(repo, caller)  # a diff shows files
    return json_response(_details(request, repo, item, diff))


def create(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    author = access.check_participant(caller)
    body = request.json_object(ctx.limits.json_bytes)
    title = text(body.get("title"), "title")
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise bad_request("The description must be a string")
    pull_request = body.get("pullRequest", False)
    if not isinstance(pull_request, bool):
        raise bad_request("'pullRequest' must be true or false")
    base = f"refs/heads/{DEFAULT_BRANCH}"
    with repo.lock():
        store = Discussions(repo).load()
        item = store.open(author, title, description, pull_request, base if pull_request else None)
        if pull_request:
            head = repo.resolve(base)
            if head is None:
                raise ApiError(404, f"Invalid rev id: {DEFAULT_BRANCH}", code="RevisionNotFound")
            repo.git.references.create(f"refs/pr/{item['num']}", head.id, force=True)
        store.save()
    url = f"{repo_url(request, repo)}/discussions/{item['num']}"
    return json_response({"num": item["num"], "pullRequest": pull_request, "url": url})


def comment(ctx: Context, request: Request, kind: str, ns: str, name: str, num: int) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    author = access.check_participant(caller)
    body = request.json_object(ctx.limits.json_bytes)
    content = text(body.get("comment"), "comment")
    with repo.lock():
        store = Discussions(repo).load()
        event = store.event(store.get(num), author, "comment", {"raw": content})
        store.save()
    return json_response({"newMessage": render_event(event)})


def change_status(
    ctx: Context, request: Request, kind: str, ns: str, name: str, num: int
) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    body = request.json_object(ctx.limits.json_bytes)
    status = body.get("status")
    if status not in ("open", "closed"):
        raise bad_request("'status' must be 'open' or 'closed'")
    note = body.get("comment")
    with repo.lock():
        store = Discussions(repo).load()
        item = store.get(num)
        access.check_author_or_writer(caller, repo, item)
        if item.get("status") == "merged":
            raise bad_request(f"Pull request #{num} is merged: its status cannot change")
        answer: dict[str, Any] = {}
        if note:
            event = store.event(item, str(caller.name), "comment", {"raw": text(note, "comment")})
            answer["newMessage"] = render_event(event)
        item["status"] = status
        event = store.event(item, str(caller.name), "status-change", {"status": status})
        store.save()
    answer["newStatus"] = render_event(event)
    return json_response(answer)


def rename(ctx: Context, request: Request, kind: str, ns: str, name: str, num: int) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    new_title = text(request.json_object(ctx.limits.json_bytes).get("title"), "title")
    with repo.lock():
        store = Discussions(repo).load()
        item = store.get(num)
        access.check_author_or_writer(caller, repo, item)
        change = {"from": item.get("title"), "to": new_title}
        item["title"] = new_title
        event = store.event(item, str(caller.name), "title-change", change)
        store.save()
    return json_response({"newTitle": render_event(event)})


def merge(ctx: Context, request: Request, kind: str, ns: str, name: str, num: int) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    access.check_writer(caller, repo)
    note = request.json_object(ctx.limits.json_bytes).get("comment")
    with repo.lock():
        store = Discussions(repo).load()
        item = store.get(num)
        if not item.get("isPullRequest"):
            raise bad_request(f"Discussion #{num} is not a pull request")
        if item.get("status") in ("merged", "closed"):
            raise bad_request(f"Pull request #{num} is {item['status']}: it cannot be merged")
        merged = pulls.merge(repo, item, str(caller.name))
        if note:
            store.event(item, str(caller.name), "comment", {"raw": text(note, "comment")})
        item["status"], item["mergeCommitId"] = "merged", str(merged)
        store.event(item, str(caller.name), "status-change", {"status": "merged"})
        store.save()
    return json_response({"success": True, "mergeCommitId": str(merged)})


ACTIONS = {"comment": comment, "status": change_status, "title": rename, "merge": merge}


def _details(request: Request, repo: HubRepo, item: dict[str, Any], diff: bool) -> dict[str, Any]:
    answer = render(repo, item)
    answer["events"] = [render_event(event) for event in item.get("events", [])]
    answer["url"] = f"{repo_url(request, repo)}/discussions/{item.get('num')}"
    if item.get("isPullRequest"):
        answer.update(pulls.details(repo, item, diff))
    return answer
