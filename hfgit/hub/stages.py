"""A stage as a Hub branch whose head's tree is exactly one version's tree.

The branch is made at the version's Hub commit the first time; moving it to another version
is one commit on the branch (files the version lacks deleted, the others copied from the
version's commit: LFS files by their pointer, no bytes sent, small files re-added), made with
`parent_commit` so that a concurrent move is a StaleParentError, never an overwrite. So a
`revision=STAGE` download never fails to resolve while a stage moves.

Part of the Hub adapter: its requests go through the Hub's `session` (retries, error
translation, the token policy) and its commits through `settling.commit` (a commit whose
answer was lost is looked up, not made twice), as `client.py`'s own writes do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfgit.errors import HubError, StaleParentError
from hfgit.hub import settling
from hfgit.hub.client import Hub
from hfgit.hub.types import HubCommit, RemoteFile


@dataclass(frozen=True)
class StageMove:
    """What moving a stage's branch to a version takes."""

    copies: list[str]  # paths the version has and the stage has not, or has otherwise
    deletes: list[str]  # paths the stage has and the version has not


def head_commit(hub: Hub, commit: str) -> HubCommit | None:
    """The Hub commit `commit` (one commits page)."""
    return next(hub.commits(commit), None)


def plan_move(hub: Hub, head: str, version_commit: str) -> StageMove:
    """The files to copy and delete so that the branch at `head` holds `version_commit`'s tree."""
    want = {f.path: f for f in hub.tree(version_commit)}
    have = {f.path: f for f in hub.tree(head)}
    return StageMove(
        sorted(p for p, f in want.items() if not _same(have.get(p), f)),
        sorted(p for p in have if p not in want),
    )


def create(hub: Hub, stage: str, version_commit: str) -> str:
    """Make the stage's branch at the version's commit. A branch made meanwhile at another
    commit is an error (it is never taken over silently: it names no stage tag to go by)."""

    session = hub.session

    def attempt() -> str:
        try:
            session.api.create_branch(
                hub.repo_id, branch=stage, revision=version_commit, repo_type=hub.repo_type
            )
        except Exception as e:
            if settling.status(e) != 409:
                raise
            if _branch_at(hub, stage) != version_commit:
                raise HubError(
                    f"Hub branch {stage} was made meanwhile by someone else, at another "
                    "version: `git hf stages` shows what git says; promote again to move it"
                ) from None
        return version_commit

    return session.call(attempt, settled=lambda: _settled(hub, stage, version_commit))


def move(
    hub: Hub,
    stage: str,
    head: str,
    version_commit: str,
    planned: StageMove,
    summary: str,
    description: str,
) -> str:
    """One commit on the stage's branch above `head` whose tree is the version's; returns it."""
    hub.session.library()
    from huggingface_hub import CommitOperationCopy, CommitOperationDelete

    operations: list[Any] = [CommitOperationDelete(path_in_repo=p) for p in planned.deletes]
    operations += [
        CommitOperationCopy(src_path_in_repo=p, path_in_repo=p, src_revision=version_commit)
        for p in planned.copies
    ]
    return settling.commit(hub.session, operations, stage, head, summary, description)


def delete(hub: Hub, stage: str, head: str) -> None:
    """Delete the stage's branch, when it is still at `head` (the Hub's delete takes no
    expected head: the check just before is the best a client can do)."""
    at = _branch_at(hub, stage)
    if at is None:
        return
    if at != head:
        raise StaleParentError(f"Hub branch {stage} moved meanwhile")
    session = hub.session
    session.call(
        lambda: session.api.delete_branch(hub.repo_id, branch=stage, repo_type=hub.repo_type),
        settled=lambda: True if _branch_at(hub, stage) is None else None,
    )


def _branch_at(hub: Hub, stage: str) -> str | None:
    return hub.session.call(hub.session.refs).branches.get(stage)


def _settled(hub: Hub, stage: str, version_commit: str) -> str | None:
    return version_commit if _branch_at(hub, stage) == version_commit else None


def _same(have: RemoteFile | None, want: RemoteFile) -> bool:
    return have is not None and have.oid == want.oid
