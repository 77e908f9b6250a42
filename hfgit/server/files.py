"""File endpoints: tree listing, paths-info and `/resolve` downloads (HEAD, GET, Range)."""

from __future__ import annotations

from typing import Any

import pygit2

from hfgit.server import trees
from hfgit.server.api import next_url
from hfgit.server.context import Context, resolve
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import FileRegion, Request, Response, Stream, json_response
from hfgit.server.naming import check_tree_path, is_number
from hfgit.server.problems import ApiError, bad_request, entry_not_found


def list_tree(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name)
    commit = resolve(repo, rev)
    folder = _lookup(commit, path)
    if not isinstance(folder, pygit2.Tree):
        raise entry_not_found(path, str(commit.id))
    prefix = f"{path.strip('/')}/" if path.strip("/") else ""
    listing = list(trees.children(folder, prefix, request.flag("recursive")))
    cursor = request.param("cursor", "0") or "0"
    if not is_number(cursor):
        raise bad_request("Invalid cursor")
    start, size = int(cursor), ctx.limits.page_size
    page = listing[start : start + size]
    entries = _entries(repo, commit, page, request.flag("expand"))
    more = start + size < len(listing)
    headers = (
        {"Link": f'<{next_url(request, cursor=str(start + size))}>; rel="next"'} if more else {}
    )
    return json_response(entries, headers=headers)


def paths_info(ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name)
    commit = resolve(repo, rev)
    if (request.headers.get("Content-Type") or "").startswith("application/json"):
        body = request.json_object(ctx.limits.json_bytes)
        paths, expand = body.get("paths", []), bool(body.get("expand"))
    else:
        form = request.form(ctx.limits.json_bytes)
        paths, expand = form.get("paths", []), form.get("expand", ["false"])[-1].lower() == "true"
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise bad_request("'paths' must be a list of strings")
    found = []
    for path in dict.fromkeys(paths):
        obj = _lookup(commit, path)
        if obj is not None and path.strip("/"):
            found.append((path.strip("/"), obj))
    return json_response(_entries(repo, commit, found, expand))


def _lookup(commit: pygit2.Commit, path: str) -> pygit2.Object | None:
    try:
        clean = check_tree_path(path)
    except ApiError:
        return None
    return trees.lookup(commit.tree, clean)


def _entries(
    repo: HubRepo, commit: pygit2.Commit, page: trees.Listing, expand: bool
) -> list[dict[str, Any]]:
    entries = [trees.entry(path, obj, repo.objects) for path, obj in page]
    if expand:
        last = trees.last_commits(repo.git, commit, [path for path, _ in page])
        for item in entries:
            changed = last.get(str(item["path"]))
            if changed is not None:
                item["lastCommit"] = trees.commit_summary(changed)
    return entries


def resolve_file(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name, content=True)
    commit = resolve(repo, rev)
    commit_id = str(commit.id)
    blob = _lookup(commit, path)
    if not isinstance(blob, pygit2.Blob):
        raise entry_not_found(path, commit_id)
    headers = {
        "X-Repo-Commit": commit_id,
        "Accept-Ranges": "bytes",
        "Content-Type": "application/octet-stream",
    }
    # A pointer whose object this repo may not use is plain text here (see `trees`).
    pointer = trees.pointer_of(blob, repo.objects)
    if pointer:
        oid, size = pointer
        headers.update(
            {"ETag": f'"{oid}"', "X-Linked-Etag": f'"{oid}"', "X-Linked-Size": str(size)}
        )
    else:
        size = blob.size
        headers["ETag"] = f'"{blob.id}"'
    byte_range = parse_range(request.headers.get("Range"), size)
    start, end = byte_range or (0, size - 1)
    body: bytes | FileRegion | Stream | None = blob.data[start : end + 1]
    if pointer:  # an LFS object, or a file uploaded over Xet (rebuilt from its chunks)
        body = ctx.storage.content(pointer[0], size, start, end - start + 1)
    if body is None:
        raise ApiError(
            404,
            f"The LFS content of {path} is missing on this server",
            code="EntryNotFound",
            headers={"X-Repo-Commit": commit_id},
        )
    if byte_range is None:
        return Response(200, headers, body)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(206, headers, body)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Inclusive (start, end) of a single `bytes=` range; None = send everything; 416 if unsatisfiable."""
    if not header or not header.strip().lower().startswith("bytes=") or "," in header:
        return None
    first, dash, last = header.strip()[6:].strip().partition("-")
    if (
        not dash
        or not (is_number(first) or is_number(last))
        or (first and not is_number(first))
        or (last and not is_number(last))
    ):
        return None
    if not first:
        start, end = max(0, size - int(last)), size - 1
        if int(last) == 0:
            start = size
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None
    if start >= size:
        raise ApiError(
            416,
            f"Range {header} not satisfiable: the file has {size} bytes",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, end
