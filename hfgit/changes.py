"""What publishing a version changes on its Hub branch: each file new, changed, unchanged or
deleted, and the upload and delete operations that make the branch hold the version.

A file is hashed only when the Hub has a file of the same size at its path (another size is
other content); otherwise the Hub client hashes it as it uploads and the hash cache learns it,
unless the push read it ahead, while it started (`prehash`)."""

from __future__ import annotations

from hfgit.content import Payload, VersionContent
from hfgit.hub import Delete, RemoteFile, Upload
from hfgit.outcome import FileChange

KEEP_ON_HUB = {".gitattributes"}


def diff(
    content: VersionContent, remote: dict[str, RemoteFile]
) -> tuple[list[FileChange], list[Upload | Delete]]:
    """What changes between the Hub branch and the version: uploads for new and changed files,
    deletions for files the version no longer holds."""
    changes: list[FileChange] = []
    operations: list[Upload | Delete] = []
    local_paths = set()
    for listed in content.files:
        local_paths.add(listed.path_in_repo)
        payload, state = status(listed, remote.get(listed.path_in_repo))
        changes.append(FileChange(payload.path_in_repo, payload.size, state))
        if state != "unchanged":
            learn = payload.hashes.learn if payload.hashes else None
            sha256 = payload.sha256 or (payload.hashes.ahead() if payload.hashes else None)
            operations.append(
                Upload(
                    payload.path_in_repo,
                    payload.source,
                    sha256 or None,  # none: the client hashes it, the cache learns it
                    payload.size,
                    payload.stamp,
                    learn,
                )
            )
    for path, file in sorted(remote.items()):
        if path not in local_paths and path not in KEEP_ON_HUB:
            changes.append(FileChange(path, file.size, "deleted"))
            operations.append(Delete(path))
    return changes, operations


def status(payload: Payload, remote: RemoteFile | None) -> tuple[Payload, str]:
    """The file's status against the Hub's file at its path. Its hashes are read (if the
    check did not) only when the Hub has a file of the same size there: another size is
    other content."""
    if remote is None:
        return payload, "new"
    if remote.size != payload.size:
        return payload, "changed"
    payload = payload.with_hashes(git_oid=remote.sha256 is None)
    same = payload.sha256 == remote.sha256 if remote.sha256 else payload.git_oid == remote.oid
    return payload, "unchanged" if same else "changed"
