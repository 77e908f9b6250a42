"""Validation of everything a request names: repo ids, file paths, refs, object ids.

Nothing that fails here ever reaches the file system or git.
"""

from __future__ import annotations

import re

import pygit2

from hfgit.server.gitpath import path_problem
from hfgit.server.problems import bad_request, unprocessable

REPO_KINDS = {"models": "model", "datasets": "dataset"}
KIND_PREFIX = {"model": "", "dataset": "datasets/"}
RESERVED_NAMESPACES = {"api", "datasets", "models", "spaces", "kernels", "lfs", "buckets"}

_SEGMENT_RE = re.compile(r"[\w.-]{1,96}", re.ASCII)
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_HEX_RE = re.compile(r"[0-9a-fA-F]{4,40}")
MAX_LOOKUP_CHARS = 64 * 1024


def is_valid_segment(segment: str) -> bool:
    return (
        bool(_SEGMENT_RE.fullmatch(segment))
        and ".." not in segment
        and "--" not in segment
        and not segment.startswith((".", "-"))
        and not segment.endswith((".", "-"))
    )


def check_repo_id(namespace: str, name: str) -> str:
    """Return `ns/name` or raise 400: exactly two safe segments, no `..`, no `--`."""
    if not (is_valid_segment(namespace) and is_valid_segment(name)):
        raise bad_request(f"Invalid repo id: {namespace}/{name!s}")
    if name.endswith(".git") or namespace.lower() in RESERVED_NAMESPACES:
        raise bad_request(f"Invalid repo id: {namespace}/{name}")
    return f"{namespace}/{name}"


def check_file_path(path: object) -> str:
    """Return a safe repo-relative file path or raise 422 (the Hub's answer to bad paths).

    The rules are git's own (see `gitpath`): what passes can be checked out everywhere.
    """
    if not isinstance(path, str) or not path:
        raise unprocessable("A file path must be a non-empty string")
    problem = path_problem(path)
    if problem is not None:
        shown = ascii(path) if len(path) <= 200 else ascii(path[:200]) + "..."
        raise unprocessable(f"Invalid file path {shown}: {problem}")
    return path


def check_folder_path(path: object) -> str:
    """A folder to delete: a file path, optionally with a trailing slash (stripped)."""
    if isinstance(path, str):
        path = path.rstrip("/")
    return check_file_path(path)


def check_tree_path(path: str) -> str:
    """A path to look up in a tree (empty = root).

    Looser than `check_file_path`: a lookup only reads what the tree holds, so a file that
    git accepted but the commit API would refuse today (say 100 levels deep, pushed with git)
    can still be listed and downloaded.
    """
    path = path.strip("/")
    if len(path) > MAX_LOOKUP_CHARS or "\x00" in path:
        raise unprocessable("Invalid path")
    if path and any(part in ("", ".", "..") for part in path.split("/")):
        raise unprocessable(f"Invalid path: {path!r}")
    return path


def check_ref_name(name: object, what: str = "branch") -> str:
    """A branch or tag name: what git accepts under refs/heads or refs/tags."""
    if not isinstance(name, str) or not name or name.startswith("-") or len(name) > 255:
        raise bad_request(f"Invalid {what} name: {name!r}")
    if not pygit2.reference_is_valid_name(f"refs/heads/{name}") or name == "HEAD":
        raise bad_request(f"Invalid {what} name: {name!r}")
    return name


def check_sha256(oid: object) -> str:
    if not isinstance(oid, str) or not _SHA256_RE.fullmatch(oid):
        raise unprocessable(f"Invalid sha256 oid: {oid!r}")
    return oid


def is_sha256(oid: object) -> bool:
    return isinstance(oid, str) and bool(_SHA256_RE.fullmatch(oid))


def is_number(text: str, max_digits: int = 19) -> bool:
    """ASCII digits only (`str.isdigit` also takes `²`, which `int` refuses), not too many."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def is_hex_prefix(value: str) -> bool:
    return bool(_HEX_RE.fullmatch(value))
