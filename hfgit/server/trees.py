"""Read-side views of a commit: tree entries as the Hub describes them, last commits per path.

A blob is an LFS file only if it is a pointer *and* its object is one the repo may use
(`repoobjects`); any other blob, pointer text included, is a regular file served as it is.
Walks are iterative: no tree, however deep, can exhaust the stack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Iterator

import pygit2

from hfgit.server.lfs import MAX_POINTER_SIZE, parse_pointer

Listing = list[tuple[str, pygit2.Object]]


def hub_date(timestamp: int | float) -> str:
    """`YYYY-MM-DDTHH:MM:SS.000Z`: the client only parses dates with a trailing Z."""
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def lookup(tree: pygit2.Tree | None, path: str) -> pygit2.Object | None:
    """The blob or tree at `path` ('' = the tree itself), or None."""
    if tree is None:
        return None
    if not path:
        return tree
    try:
        return tree / path
    except (KeyError, TypeError, ValueError):
        return None


def pointer_of(blob: pygit2.Blob, objects: Container[str]) -> tuple[str, int] | None:
    """(sha256, size) if `blob` stands for LFS content this repo may serve, else None."""
    if blob.size > MAX_POINTER_SIZE:
        return None
    pointer = parse_pointer(blob.data)
    return pointer if pointer and pointer[0] in objects else None


def file_size(blob: pygit2.Blob, objects: Container[str]) -> int:
    pointer = pointer_of(blob, objects)
    return pointer[1] if pointer else blob.size


def entry(path: str, obj: pygit2.Object, objects: Container[str]) -> dict[str, object]:
    """A tree entry: `file` with size (+ `lfs` for pointers), or `directory`."""
    if not isinstance(obj, pygit2.Blob):
        return {"type": "directory", "oid": str(obj.id), "path": path}
    item: dict[str, object] = {"type": "file", "oid": str(obj.id), "size": obj.size, "path": path}
    pointer = pointer_of(obj, objects)
    if pointer:
        item["size"] = pointer[1]
        item["lfs"] = {"oid": pointer[0], "size": pointer[1], "pointerSize": obj.size}
    return item


def children(
    tree: pygit2.Tree, prefix: str, recursive: bool
) -> Iterator[tuple[str, pygit2.Object]]:
    """Entries under `tree` (path, object), each directory right before its contents."""
    stack: list[tuple[Iterator[pygit2.Object], str]] = [(iter(tree), prefix)]
    while stack:
        entries, base = stack[-1]
        obj = next(entries, None)
        if obj is None:
            stack.pop()
            continue
        if not isinstance(obj, pygit2.Blob | pygit2.Tree):
            continue  # submodules
        path = f"{base}{obj.name}"
        yield path, obj
        if recursive and isinstance(obj, pygit2.Tree):
            stack.append((iter(obj), f"{path}/"))


def files(tree: pygit2.Tree) -> Iterator[tuple[str, pygit2.Blob]]:
    for path, obj in children(tree, "", recursive=True):
        if isinstance(obj, pygit2.Blob):
            yield path, obj


def last_commits(
    git: pygit2.Repository, head: pygit2.Commit, paths: Iterable[str]
) -> dict[str, pygit2.Commit]:
    """For each path, the newest commit (first-parent history) that changed it."""
    pending = {p: _oid_at(head.tree, p) for p in paths}
    found: dict[str, pygit2.Commit] = {}
    walker = git.walk(head.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)
    walker.simplify_first_parent()
    for commit in walker:
        if not pending:
            break
        parent_tree = commit.parents[0].tree if commit.parents else None
        for path, oid in list(pending.items()):
            if _oid_at(parent_tree, path) != oid:
                found[path] = commit
                del pending[path]
    return found


def commit_summary(commit: pygit2.Commit) -> dict[str, str]:
    return {
        "id": str(commit.id),
        "title": title_of(commit.message),
        "date": hub_date(commit.commit_time),
    }


def title_of(message: str) -> str:
    return message.partition("\n\n")[0].strip()


def _oid_at(tree: pygit2.Tree | None, path: str) -> str | None:
    obj = lookup(tree, path)
    return str(obj.id) if obj is not None else None
