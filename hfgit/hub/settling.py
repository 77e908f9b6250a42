"""Hub writes whose answer may be lost: whether one landed is looked up, never guessed.

A commit or a tag whose answer was lost, or came back 5xx, may or may not have happened
(`retry.py`). Before it is tried again the Hub is asked: a commit is looked for below the
branch head by its trailers (`landed`), a tag in the refs (`tag_settled`). A replayed commit
answered 412, or a tag answered 409, is checked the same way before it counts as a conflict:
it may be this very write, made by the try whose answer was lost.

Branches and tag deletions settle by the refs alone (`client.py`, `stages.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from hfgit import trailers
from hfgit.errors import TagConflictError
from hfgit.hub.session import Session
from hfgit.hub.types import HubCommit

LOOK_BACK = 20  # commits below a branch head searched for one whose answer was lost


def commit(
    session: Session,
    operations: list[Any],
    branch: str,
    parent: str | None,
    summary: str,
    description: str,
    before: Callable[[], None] | None = None,
) -> str:
    """One Hub commit of the library's `operations` on `branch` above `parent`, made once;
    `before()` runs ahead of each try. Returns the commit's id."""

    def mine() -> str | None:
        return landed(session, branch, parent, summary, description)

    def attempt() -> str:
        if before is not None:
            before()
        try:
            info = session.api.create_commit(
                session.repo_id,
                operations,
                commit_message=summary,
                commit_description=description,
                revision=branch,
                parent_commit=parent,
                repo_type=session.repo_type,
            )
        except Exception as e:
            if status(e) == 412 and (made := mine()) is not None:
                return made  # a replay of a commit that was made
            raise
        return str(info.oid)

    return session.call(attempt, settled=mine)


def create_tag(session: Session, tag: str, commit: str, message: str) -> str:
    """Tag `commit`; returns the Hub commit the tag points at. A tag that already points at
    that commit, or at another commit of the same version (a concurrent publisher of the
    same git commit), is success; at anything else, a TagConflictError."""

    def attempt() -> str:
        try:
            session.api.create_tag(
                session.repo_id,
                tag=tag,
                tag_message=message,
                revision=commit,
                repo_type=session.repo_type,
            )
        except Exception as e:
            if status(e) == 409:
                return tag_settled(session, tag, commit) or tag_conflict(session, tag)
            raise
        return commit

    return session.call(attempt, settled=lambda: tag_settled(session, tag, commit))


def landed(
    session: Session, branch: str, parent: str | None, summary: str, description: str
) -> str | None:
    """The commit on `branch` above `parent` that carries this change, if it was made."""
    wanted = trailers.parse(description)
    for depth, made in enumerate(session.commits(branch)):
        if made.id == parent or depth >= LOOK_BACK:
            return None
        if same_change(made, wanted, summary, description):
            return made.id
        if parent is None:
            return None  # without a parent, only the head can be it
    return None


def tag_settled(session: Session, tag: str, commit: str) -> str | None:
    """Where `tag` points, when that is `commit` or a commit of the same version; None when
    there is no such tag; a TagConflictError when it points elsewhere."""
    target = session.refs().tags.get(tag)
    if target is None:
        return None
    if target == commit or same_version(session, target, commit):
        return target
    return tag_conflict(session, tag)


def tag_conflict(session: Session, tag: str) -> NoReturn:
    raise TagConflictError(
        f"tag {tag} was created on {session.label} at another commit meanwhile: "
        f"`git hf log` shows it; `git hf push --force {tag}` moves it"
    )


def same_version(session: Session, one: str, other: str) -> bool:
    """Whether two Hub commits say they are the same version of the same git commit."""

    def said(commit: str) -> trailers.Trailers:
        head = next(session.commits(commit), None)
        return trailers.parse(head.message) if head else trailers.Trailers()

    a, b = said(one), said(other)
    return bool(a.version and a.git_commit) and (a.version, a.git_commit) == (
        b.version,
        b.git_commit,
    )


def same_change(
    commit: HubCommit, wanted: trailers.Trailers, summary: str, description: str
) -> bool:
    """Whether `commit` is the change described: by its version trailers when it has them,
    else by its title and description."""
    if wanted.version and wanted.git_commit:
        said = trailers.parse(commit.message)
        return (said.version, said.git_commit) == (wanted.version, wanted.git_commit)
    return commit.title == summary and description.strip() in commit.message


def status(error: BaseException) -> int | None:
    """The HTTP status of the answer behind a library error, if it carries one."""
    response = getattr(error, "response", None)
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None
