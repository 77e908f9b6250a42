"""Reading a commit's NDJSON body: one bounded line at a time, into a `CommitRequest`.

Regular files go into the object database as their line arrives, so the body is never held
whole: one line is at most a 10 MB file in base64 (larger files must go through LFS), and a
line is a flat `{"key": ..., "value": {...}}` object, nothing deeper.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import pygit2

from hfgit.server.gitattributes import MAX_BYTES as MAX_GITATTRIBUTES_BYTES
from hfgit.server.lfs import MAX_POINTER_SIZE, parse_pointer
from hfgit.server.messages import Request
from hfgit.server.naming import check_file_path, check_folder_path, check_sha256
from hfgit.server.problems import ApiError, bad_request, unprocessable

MiB = 1024 * 1024
REGULAR_FILE_MAX = 10 * MiB
# A line holding the largest regular file: its base64, plus room for the path and the keys.
LINE_MAX = 4 * (REGULAR_FILE_MAX // 3 + 1) + 64 * 1024
USE_LFS = (
    f"regular files are limited to {REGULAR_FILE_MAX // MiB} MB in a commit; "
    "upload larger files with LFS (the client does so for files the preupload marks 'lfs')"
)


@dataclass
class LfsRef:
    """An `lfsFile` line: a path to point at an LFS object (size None: copy, look it up)."""

    oid: str
    size: int | None


@dataclass
class CommitRequest:
    summary: str
    description: str
    parent: str | None
    # (operation, path, payload): ("add", path, blob id), ("add_lfs", path, LfsRef),
    # ("delete", path, None), ("delete_folder", path, None)
    ops: list[tuple[str, str, object]] = field(default_factory=list)
    # Regular files whose content is LFS pointer text: path -> (sha256, size) it names.
    pointer_texts: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return f"{self.summary}\n\n{self.description}" if self.description else self.summary


def read_commit(request: Request, git: pygit2.Repository, line_cap: int) -> CommitRequest:
    """Parse the body line by line; regular files are written to `git` as they come."""
    line_cap = min(line_cap, LINE_MAX)
    wanted: CommitRequest | None = None
    while line := _next_line(request, line_cap):
        if not line.strip():
            continue
        key, value = _parse_line(line)
        if wanted is None:
            if key != "header":
                raise bad_request("The first line of a commit must be its header")
            wanted = _header(value)
        elif key == "file":
            path = check_file_path(value.get("path"))
            data = _content(value, path)
            pointer = parse_pointer(data) if len(data) <= MAX_POINTER_SIZE else None
            if pointer:
                wanted.pointer_texts[path] = pointer
            wanted.ops.append(("add", path, git.create_blob(data)))
        elif key == "lfsFile":
            path = check_file_path(value.get("path"))
            wanted.ops.append(("add_lfs", path, _lfs_ref(value)))
        elif key == "deletedFile":
            wanted.ops.append(("delete", check_file_path(value.get("path")), None))
        elif key == "deletedFolder":
            wanted.ops.append(("delete_folder", check_folder_path(value.get("path")), None))
        else:
            raise bad_request(f"Unknown commit operation: {key!r}")
    if wanted is None:
        raise bad_request("Empty commit: a header line is required")
    return wanted


def _next_line(request: Request, line_cap: int) -> bytes:
    before = request.body.received
    try:
        return request.body.readline(line_cap)
    except ApiError as error:
        if error.status == 413 and request.body.received - before > line_cap:
            message = f"A commit line is larger than {line_cap} bytes: {USE_LFS}"
            raise ApiError(413, message) from None
        raise


def _parse_line(line: bytes) -> tuple[str, dict[str, Any]]:
    try:
        item = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad_request("Commit body must be NDJSON: one JSON object per line") from None
    if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
        raise bad_request("Each commit line must be {'key': ..., 'value': {...}}")
    value = item["value"]
    if any(isinstance(v, dict | list) for v in value.values()):
        raise bad_request("The value of a commit line holds only strings and numbers")
    return str(item.get("key")), value


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
    if not _encodable(summary) or not _encodable(description):
        raise bad_request("The commit summary and description must be valid UTF-8 text")
    return CommitRequest(summary, description, parent)


def _content(value: dict[str, Any], path: str) -> bytes:
    """The bytes of a `file` line, refused above the regular-file cap (413, use LFS)."""
    content, encoding = value.get("content"), value.get("encoding", "base64")
    if not isinstance(content, str) or encoding not in ("base64", "utf-8"):
        raise bad_request("A file needs a string 'content' with encoding 'base64' or 'utf-8'")
    if encoding == "base64":
        if len(content) // 4 * 3 > REGULAR_FILE_MAX + 2:
            raise _too_large(path)
        data = b64decode(content, path)
    else:
        try:
            data = content.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request(f"Content of {path} is not valid UTF-8") from None
    if len(data) > REGULAR_FILE_MAX:
        raise _too_large(path)
    if path == ".gitattributes" and len(data) > MAX_GITATTRIBUTES_BYTES:
        raise unprocessable(f".gitattributes is limited to {MAX_GITATTRIBUTES_BYTES} bytes")
    return data


def _too_large(path: str) -> ApiError:
    return ApiError(413, f"{path} is too large for a regular file: {USE_LFS}")


def _lfs_ref(value: dict[str, Any]) -> LfsRef:
    oid, size = check_sha256(value.get("oid")), value.get("size")
    if value.get("algo", "sha256") != "sha256":
        raise bad_request("Only sha256 LFS objects are supported")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise bad_request("The 'size' of an LFS file must be a non-negative integer")
    return LfsRef(oid, size)


def b64decode(content: object, path: object) -> bytes:
    if not isinstance(content, str):
        raise bad_request(f"Content of {path} must be a base64 string")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"Content of {path} is not valid base64") from None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_hex(value: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in value)
