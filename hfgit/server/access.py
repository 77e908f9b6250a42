"""Who may do what beyond reading and writing: gated content, pull requests, access grants.

As on the Hub:
- a gated repo is listed and described to everyone who can see it, but its files are served
  only to its owner and to the users the owner granted access; anyone else gets `GatedRepo`
  (401 without a token, 403 with one);
- opening a pull request or a discussion, and commenting, needs a token and read access
  only; committing to a pull request's ref needs to be its author or a writer of the repo;
- closing, reopening or renaming a discussion needs to be its author or a writer; merging
  needs write access.
"""

from __future__ import annotations

from typing import Any

from hfgit.server.auth import Caller, check_write
from hfgit.server.hubrepo import HubRepo
from hfgit.server.problems import ApiError, forbidden, unauthorized

GATED_MODES = ("auto", "manual")


def gated(repo: HubRepo) -> str | bool:
    """`"auto"`, `"manual"` or False, as repo info answers it."""
    mode = repo.meta.get("gated")
    return mode if mode in GATED_MODES else False


def granted(repo: HubRepo) -> list[str]:
    users = repo.meta.get("grantedUsers")
    return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []


def can_write(caller: Caller, repo: HubRepo) -> bool:
    return caller.can_write and caller.name == repo.owner


def may_read_content(repo: HubRepo, caller: Caller) -> bool:
    return not gated(repo) or caller.name == repo.owner or caller.name in granted(repo)


def check_content(repo: HubRepo, caller: Caller, base_url: str) -> None:
    """Raise `GatedRepo` unless the caller may read the files of `repo`."""
    if may_read_content(repo, caller):
        return
    what = f"{repo.kind} {repo.repo_id}"
    if caller.name is None:
        message = (
            f"Access to {what} is restricted. You must have access to it and be "
            "authenticated to access it. Please log in."
        )
        raise ApiError(401, message, code="GatedRepo")
    message = (
        f"Access to {what} is restricted and you are not in the authorized list. "
        f"Visit {base_url}/{repo.url_path} to ask for access."
    )
    raise ApiError(403, message, code="GatedRepo")


def check_participant(caller: Caller) -> str:
    """The name of a caller who may open discussions and comment (any token)."""
    if caller.name is None:
        raise unauthorized("You must be authenticated to open or comment on a discussion.")
    return caller.name


def check_author_or_writer(caller: Caller, repo: HubRepo, discussion: dict[str, Any]) -> None:
    """The discussion's author, or a writer of the repo (else 401/403)."""
    name = check_participant(caller)
    if name == discussion.get("author") or can_write(caller, repo):
        return
    raise forbidden(
        f"Only the author of discussion #{discussion.get('num')} or a writer of "
        f"{repo.repo_id} can do this."
    )


def check_writer(caller: Caller, repo: HubRepo) -> None:
    check_write(caller, repo.owner)
