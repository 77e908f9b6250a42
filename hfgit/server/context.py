"""What every endpoint needs: storage, users, limits, and access-checked repo lookup."""

from __future__ import annotations

from dataclasses import dataclass, field

import pygit2

from hfgit.server.access import check_content
from hfgit.server.auth import Caller, Users, can_read, check_write
from hfgit.server.messages import Request
from hfgit.server.naming import check_repo_id
from hfgit.server.problems import repo_not_found, revision_not_found
from hfgit.server.storage import HubRepo, Storage

GiB = 1024**3
MiB = 1024**2
KiB = 1024


@dataclass(frozen=True)
class Limits:
    """Size caps, page sizes and deadlines (tests shrink them to reach the edges)."""

    page_size: int = 1000
    commits_page_size: int = 50
    json_bytes: int = 2 * MiB
    yaml_bytes: int = 512 * KiB  # README metadata validation
    commit_bytes: int = 2 * GiB
    commit_line_bytes: int = 256 * MiB
    lfs_bytes: int = 50 * GiB  # also the largest pack a git push may send
    git_seconds: float = 3600.0  # one git request over HTTP (the clone or push of a big repo)


@dataclass
class Context:
    storage: Storage
    users: Users
    limits: Limits = field(default_factory=Limits)

    def caller(self, request: Request) -> Caller:
        return self.users.identify(request.headers.get("Authorization"))

    def repo(
        self,
        request: Request,
        kind: str,
        namespace: str,
        name: str,
        write: bool = False,
        content: bool = False,
    ) -> tuple[HubRepo, Caller]:
        """The repo if the caller may see it (else 404 RepoNotFound), and may write when asked;
        `content`: the caller is about to read its files (a gated repo's need access)."""
        caller = self.caller(request)
        repo_id = check_repo_id(namespace, name)
        repo = self.storage.open(kind, repo_id)
        if repo is None or not can_read(caller, repo.owner, repo.private):
            raise repo_not_found(repo_id)
        if write:
            check_write(caller, repo.owner)
        if content:
            check_content(repo, caller, request.base_url)
        return repo, caller


def resolve(repo: HubRepo, revision: str) -> pygit2.Commit:
    commit = repo.resolve(revision)
    if commit is None:
        raise revision_not_found(revision)
    return commit


def repo_url(request: Request, repo: HubRepo) -> str:
    return f"{request.base_url}/{repo.url_path}"
