"""Read-side views of a commit: tree entries as the Hub describes them, last commits per path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

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


def pointer_of(blob: pygit2.Blob) -> tuple[str, int] | None:
    return parse_pointer(blob.data) if blob.size <= MAX_POINTER_SIZE else None


def file_size(blob: pygit2.Blob) -> int:
    pointer = pointer_of(blob)
    return pointer[1] if pointer else blob.size


def entry(path: str, obj: pygit2.Object) -> dict[str, object]:
    """A tree entry: `file` with size (+ `lfs` for pointers), or `directory`."""
    if not isinstance(obj, pygit2.Blob):
        return {"type": "directory", "oid": str(obj.id), "path": path}
    item: dict[str, object] = {"type": "file", "oid": str(obj.id), "size": obj.size, "path": path}
    pointer = pointer_of(obj)
    if pointer:
        item["size"] = pointer[1]
        item["lfs"] = {"oid": pointer[0], "size": pointer[1], "pointerSize": obj.size}
    return item


def children(
    tree: pygit2.Tree, prefix: str, recursive: bool
) -> Iterator[tuple[str, pygit2.Object]]:
    """Entries under `tree` (path, object), directories before their contents."""
    for obj in tree:
        if not isinstance(obj, pygit2.Blob | pygit2.Tree):
            continue  # submodules
        path = f"{prefix}{obj.name}"
        yield path, obj
        if recursive and isinstance(obj, pygit2.Tree):
            yield from children(obj, f"{path}/", recursive)


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
