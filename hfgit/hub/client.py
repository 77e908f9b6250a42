"""One Hub repository through huggingface_hub's HfApi: the calls hfgit makes, as plain data."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hfgit import __version__
from hfgit.errors import HubError
from hfgit.hub.errors import translated_errors

HF_HOSTS = ("huggingface.co", "hf.co")


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    oid: str  # git blob sha1 (of the pointer, for LFS files)
    sha256: str | None  # LFS files only


@dataclass(frozen=True)
class HubCommit:
    id: str
    title: str
    message: str
    date: datetime


@dataclass(frozen=True)
class HubRefs:
    branches: dict[str, str]
    tags: dict[str, str]


@dataclass(frozen=True)
class Upload:
    path_in_repo: str
    source: Path | bytes


@dataclass(frozen=True)
class Delete:
    path_in_repo: str


def is_hf_endpoint(endpoint: str) -> bool:
    host = urlparse(endpoint).hostname or ""
    return any(host == h or host.endswith("." + h) for h in HF_HOSTS)


class Hub:
    """One Hub repository. Library errors leave this class as HfgitError subclasses."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        repo_id: str,
        repo_type: str = "model",
        display_endpoint: str | None = None,
    ) -> None:
        _configure_library(endpoint)
        from huggingface_hub import HfApi

        self.endpoint = endpoint
        self.display_endpoint = display_endpoint or endpoint
        self.label = f"the Hub at {endpoint}"  # how errors name this Hub
        self.repo_id = repo_id
        self.repo_type = repo_type
        self.has_token = bool(token)
        self._token: str | bool = token or False
        self._api = HfApi(
            endpoint=endpoint, token=self._token, library_name="hfgit", library_version=__version__
        )

    @property
    def repo_url(self) -> str:
        prefix = "datasets/" if self.repo_type == "dataset" else ""
        return f"{self.display_endpoint}/{prefix}{self.repo_id}"

    def revision_url(self, revision: str) -> str:
        from urllib.parse import quote

        return f"{self.repo_url}/tree/{quote(revision, safe='')}"

    def refs(self) -> HubRefs | None:
        """Branches and tags, or None when the repository does not exist (or is not visible)."""
        from huggingface_hub.errors import RepositoryNotFoundError

        try:
            with translated_errors(self.label, self.repo_id, self.has_token):
                refs = self._api.list_repo_refs(self.repo_id, repo_type=self.repo_type)
        except HubError as e:
            if isinstance(e.__cause__, RepositoryNotFoundError):
                return None
            raise
        return HubRefs(
            {b.name: b.target_commit for b in refs.branches},
            {t.name: t.target_commit for t in refs.tags},
        )

    def commits(self, revision: str) -> Iterator[HubCommit]:
        """Commits reachable from `revision`, newest first, fetched page by page as consumed.

        (list_repo_commits builds the whole list; paging lazily over the same endpoint lets
        `git hf log --limit N` stop at the first page it needs.)"""
        from urllib.parse import quote

        from huggingface_hub.utils import build_hf_headers, paginate, parse_datetime

        path = f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/commits/{quote(revision, safe='')}"
        with translated_errors(self.label, self.repo_id, self.has_token):
            headers = build_hf_headers(
                token=self._token, library_name="hfgit", library_version=__version__
            )
            for item in paginate(path, params={}, headers=headers):
                yield HubCommit(
                    item["id"], item["title"], item["message"], parse_datetime(item["date"])
                )

    def tree(self, revision: str) -> list[RemoteFile]:
        """Every file at `revision` (one paginated listing)."""
        from huggingface_hub.hf_api import RepoFile

        with translated_errors(self.label, self.repo_id, self.has_token):
            return [
                RemoteFile(e.path, e.size, e.blob_id, e.lfs.sha256 if e.lfs else None)
                for e in self._api.list_repo_tree(
                    self.repo_id, revision=revision, recursive=True, repo_type=self.repo_type
                )
                if isinstance(e, RepoFile)
            ]

    def ensure_repo(self, private: bool) -> bool:
        """Create the repository if needed; True when it was created."""
        if self.refs() is not None:
            return False
        with translated_errors(self.label, self.repo_id, self.has_token):
            self._api.create_repo(
                self.repo_id, repo_type=self.repo_type, private=private, exist_ok=True
            )
        return True

    def commit(
        self,
        operations: list[Upload | Delete],
        branch: str,
        parent: str | None,
        summary: str,
        description: str,
    ) -> str:
        """One Hub commit on `branch`; StaleParentError when the branch moved past `parent`."""
        from huggingface_hub import CommitOperationAdd, CommitOperationDelete

        ops: list[Any] = [
            CommitOperationAdd(
                path_in_repo=op.path_in_repo,
                path_or_fileobj=str(op.source) if isinstance(op.source, Path) else op.source,
            )
            if isinstance(op, Upload)
            else CommitOperationDelete(path_in_repo=op.path_in_repo)
            for op in operations
        ]
        with translated_errors(self.label, self.repo_id, self.has_token):
            info = self._api.create_commit(
                self.repo_id,
                ops,
                commit_message=summary,
                commit_description=description,
                revision=branch,
                parent_commit=parent,
                repo_type=self.repo_type,
            )
        return str(info.oid)

    def create_branch(self, branch: str, starting_point: str) -> None:
        with translated_errors(self.label, self.repo_id, self.has_token):
            self._api.create_branch(
                self.repo_id,
                branch=branch,
                revision=starting_point,
                repo_type=self.repo_type,
                exist_ok=True,
            )

    def create_tag(self, tag: str, commit: str, message: str) -> None:
        with translated_errors(self.label, self.repo_id, self.has_token):
            self._api.create_tag(
                self.repo_id,
                tag=tag,
                tag_message=message,
                revision=commit,
                repo_type=self.repo_type,
            )

    def delete_tag(self, tag: str) -> None:
        with translated_errors(self.label, self.repo_id, self.has_token):
            self._api.delete_tag(self.repo_id, tag=tag, repo_type=self.repo_type)

    def download(
        self, revision: str, local_dir: Path | None, cache_dir: Path | None = None
    ) -> Path:
        """Download a revision (resumable, through the huggingface_hub cache); returns its folder."""
        from huggingface_hub import snapshot_download

        with translated_errors(self.label, self.repo_id, self.has_token):
            return Path(
                snapshot_download(
                    self.repo_id,
                    revision=revision,
                    repo_type=self.repo_type,
                    local_dir=local_dir,
                    cache_dir=cache_dir,
                    endpoint=self.endpoint,
                    token=self._token,
                )
            )


def _configure_library(endpoint: str) -> None:
    """Xet only for huggingface.co; nothing leaks to huggingface.co when another endpoint is used."""
    from huggingface_hub import constants

    hf = is_hf_endpoint(endpoint)
    constants.HF_HUB_DISABLE_XET = not hf or bool(os.environ.get("HF_HUB_DISABLE_XET"))
    if not hf:
        with contextlib.suppress(ImportError, AttributeError):
            from huggingface_hub.utils import _detect_agent

            _detect_agent._registry = {"standardEnvVars": [], "harnesses": {}}
