"""Preupload and the NDJSON commit endpoint.

A commit body is read line by line from the socket (capped); blobs go into the object
database as they arrive, then, under the repo lock, the parent is checked, the new tree and
commit are written, and only then is the branch ref moved.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import pygit2

from hfgit.server import trees
from hfgit.server.context import Context, repo_url, resolve
from hfgit.server.gitattributes import lfs_rules, upload_mode
from hfgit.server.lfs import format_pointer
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_file_path, check_folder_path, check_sha256
from hfgit.server.problems import (
    STALE_PARENT,
    ApiError,
    bad_request,
    revision_not_found,
    too_large,
    unprocessable,
)
from hfgit.server.storage import HubRepo, signature
from hfgit.server.treeedit import FileTable


def preupload(ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str) -> Response:
    repo, _ = ctx.repo(request, kind, ns, name, write=True)
    commit = resolve(repo, rev)
    files = request.json_object(ctx.limits.json_bytes).get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise bad_request("'files' must be a list of objects")
    attributes = trees.lookup(commit.tree, ".gitattributes")
    rules = (
        lfs_rules(attributes.data.decode("utf-8", "replace"))
        if isinstance(attributes, pygit2.Blob)
        else []
    )
    answers = []
    for item in files:
        path = check_file_path(item.get("path"))
        size = item.get("size")
        if not isinstance(size, int) or size < 0:
            raise bad_request(f"'size' of {path} must be a non-negative integer")
        mode = upload_mode(rules, path, size, _b64(item.get("sample", ""), path))
        oid = _current_oid(commit.tree, path, mode)
        answers.append({"path": path, "uploadMode": mode, "shouldIgnore": False, "oid": oid})
    return json_response({"files": answers, "commitOid": str(commit.id)})


def _current_oid(tree: pygit2.Tree, path: str, mode: str) -> str | None:
    """What the client compares its file to: git blob sha1 (regular) or sha256 (lfs)."""
    blob = trees.lookup(tree, path)
    if not isinstance(blob, pygit2.Blob):
        return None
    pointer = trees.pointer_of(blob)
    if mode == "lfs":
        return pointer[0] if pointer else None
    return None if pointer else str(blob.id)


@dataclass
class CommitRequest:
    summary: str
    description: str
    parent: str | None
    ops: list[tuple[str, str, pygit2.Oid | None]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return f"{self.summary}\n\n{self.description}" if self.description else self.summary


def commit(ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name, write=True)
    base_ref = repo.branch_ref(rev)
    if base_ref is None:
        raise revision_not_found(rev)
    cap = ctx.limits.commit_bytes
    if (request.body.declared or 0) > cap:
        raise too_large(cap)
    request.body.cap = cap
    wanted = _read_commit(ctx, request, repo)
    with repo.lock():
        head = repo.ref_target(base_ref)
        if head is None:
            raise revision_not_found(rev)
        if wanted.parent and not head.startswith(wanted.parent.lower()):
            raise ApiError(412, STALE_PARENT)
        target_ref, pr_number = base_ref, None
        if request.flag("create_pr"):
            pr_number = _next_pr_number(repo)
            target_ref = f"refs/pr/{pr_number}"
        parent = repo.git[head]
        table = FileTable.from_tree(parent.tree)
        for op, path, oid in wanted.ops:
            table.apply(op, path, oid)
        sig = signature(caller.name or repo.owner)
        new = repo.git.create_commit(
            None, sig, sig, wanted.message, table.write(repo.git), [parent.id]
        )
        repo.git.references.create(target_ref, new, force=True)
    url = repo_url(request, repo)
    return json_response(
        {
            "success": True,
            "commitOid": str(new),
            "commitUrl": f"{url}/commit/{new}",
            "commitMessage": wanted.message,
            "hookOutput": "",
            "pullRequestUrl": f"{url}/discussions/{pr_number}" if pr_number else None,
        }
    )


def _next_pr_number(repo: HubRepo) -> int:
    numbers = [
        int(n.rsplit("/", 1)[1])
        for n in repo.git.references
        if n.startswith("refs/pr/") and n.rsplit("/", 1)[1].isdigit()
    ]
    return max(numbers, default=0) + 1


def _read_commit(ctx: Context, request: Request, repo: HubRepo) -> CommitRequest:
    wanted: CommitRequest | None = None
    while line := request.body.readline(ctx.limits.commit_line_bytes):
        if not line.strip():
            continue
        key, value = _parse_line(line)
        if wanted is None:
            if key != "header":
                raise bad_request("The first line of a commit must be its header")
            wanted = _header(value)
        elif key == "file":
            wanted.ops.append(
                ("add", check_file_path(value.get("path")), _regular_blob(repo, value))
            )
        elif key == "lfsFile":
            wanted.ops.append(
                ("add", check_file_path(value.get("path")), _lfs_blob(ctx, repo, value))
            )
        elif key == "deletedFile":
            wanted.ops.append(("delete", check_file_path(value.get("path")), None))
        elif key == "deletedFolder":
            wanted.ops.append(("delete_folder", check_folder_path(value.get("path")), None))
        else:
            raise bad_request(f"Unknown commit operation: {key!r}")
    if wanted is None:
        raise bad_request("Empty commit: a header line is required")
    return wanted


def _parse_line(line: bytes) -> tuple[str, dict[str, Any]]:
    try:
        item = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Commit body must be NDJSON: one JSON object per line") from None
    if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
        raise bad_request("Each commit line must be {'key': ..., 'value': {...}}")
    return str(item.get("key")), item["value"]


def _header(value: dict[str, Any]) -> CommitRequest:
    summary, description = value.get("summary"), value.get("description") or ""
    parent = value.get("parentCommit")
    if not isinstance(summary, str) or not summary.strip() or not isinstance(description, str):
        raise bad_request(
            "The commit header needs a non-empty 'summary' and a string 'description'"
        )
    if parent is not None and not (
        isinstance(parent, str) and 4 <= len(parent) <= 40 and _is_hex(parent)
    ):
        raise bad_request("'parentCommit' must be a commit id")
    return CommitRequest(summary, description, parent)


def _regular_blob(repo: HubRepo, value: dict[str, Any]) -> pygit2.Oid:
    content, encoding = value.get("content"), value.get("encoding", "base64")
    if not isinstance(content, str) or encoding not in ("base64", "utf-8"):
        raise bad_request("A file needs a string 'content' with encoding 'base64' or 'utf-8'")
    data = content.encode() if encoding == "utf-8" else _b64(content, value.get("path"))
    return repo.git.create_blob(data)


def _lfs_blob(ctx: Context, repo: HubRepo, value: dict[str, Any]) -> pygit2.Oid:
    oid, size = check_sha256(value.get("oid")), value.get("size")
    if value.get("algo", "sha256") != "sha256":
        raise bad_request("Only sha256 LFS objects are supported")
    stored = ctx.storage.lfs.size(oid)
    if stored is None:
        raise unprocessable(f"LFS object {oid} was never uploaded; upload it before committing")
    if size is not None and size != stored:
        raise unprocessable(f"LFS object {oid} has {stored} bytes, not {size}")
    return repo.git.create_blob(format_pointer(oid, stored))


def _b64(content: object, path: object) -> bytes:
    if not isinstance(content, str):
        raise bad_request(f"Content of {path} must be a base64 string")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"Content of {path} is not valid base64") from None


def _is_hex(value: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in value)
