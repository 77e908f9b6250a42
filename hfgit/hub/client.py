"""One Hub repository through huggingface_hub's HfApi: the calls hfgit makes, as plain data.

Every call goes through the repository's `Session` (`session.py`): retried on transient
faults, its errors translated, the token sent only to the chosen endpoint. A write whose
outcome is unknown is looked up before it is tried again (`settling.py`): a commit at the
branch head by its trailers, a tag or a branch in the refs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hfgit.errors import HfgitError, HubError
from hfgit.hub import settling, uploads
from hfgit.hub.retry import GaveUp, RetryPolicy
from hfgit.hub.session import Session
from hfgit.hub.types import Delete, HubCommit, HubRefs, RemoteFile, Sent, Upload
from hfgit.hub.xet import metered as xet_meter

__all__ = [
    "DEFAULT_TOKEN_HINT",
    "Delete",
    "Hub",
    "HubCommit",
    "HubRefs",
    "RemoteFile",
    "Sent",
    "Upload",
]

DEFAULT_TOKEN_HINT = "set HF_TOKEN, run `hf auth login`, or pass --token"


class Hub:
    """One Hub repository. Library errors leave this class as HfgitError subclasses.

    `retry` says how transient faults are retried (default: `RetryPolicy()`, 60 s or
    $HFGIT_RETRY_DEADLINE); `token_hint` how the user provides a token, for when the Hub
    asks for one and none was sent.

    `session` is the modules of `hub/` only: the way they make requests (`session.py`)."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        repo_id: str,
        repo_type: str = "model",
        display_endpoint: str | None = None,
        retry: RetryPolicy | None = None,
        token_hint: str = DEFAULT_TOKEN_HINT,
    ) -> None:
        self.session = Session(
            endpoint, token, repo_id, repo_type, retry or RetryPolicy(), token_hint
        )
        self.display_endpoint = display_endpoint or endpoint

    @property
    def endpoint(self) -> str:
        return self.session.endpoint

    @property
    def repo_id(self) -> str:
        return self.session.repo_id

    @property
    def repo_type(self) -> str:
        return self.session.repo_type

    @property
    def retry(self) -> RetryPolicy:
        return self.session.retry

    @property
    def has_token(self) -> bool:
        return self.session.has_token

    @property
    def token_hint(self) -> str:
        return self.session.token_hint

    @property
    def label(self) -> str:
        """How errors name this Hub ("the Hub at URL")."""
        return self.session.label

    @label.setter
    def label(self, label: str) -> None:
        self.session.label = label

    def library(self) -> None:
        """huggingface_hub, imported and set up for this endpoint at first use (`library.py`):
        reading refs and commits (all that `git hf log` and `status` ask) mostly does without."""
        self.session.library()

    @property
    def repo_url(self) -> str:
        prefix = "datasets/" if self.repo_type == "dataset" else ""
        return f"{self.display_endpoint}/{prefix}{self.repo_id}"

    def revision_url(self, revision: str) -> str:
        return f"{self.repo_url}/tree/{quote(revision, safe='')}"

    def refs(self) -> HubRefs | None:
        """Branches and tags, or None when the repository does not exist (or, with a token,
        is not visible to it). Without a token, a repository that is not found may be private:
        that is an AuthError saying no token was sent, never "does not exist"."""
        try:
            return self.session.call(self.session.refs)
        except HubError as e:
            if self.has_token and e.__cause__ is not None:
                from huggingface_hub.errors import RepositoryNotFoundError

                if isinstance(e.__cause__, RepositoryNotFoundError):
                    return None
            raise

    def commits(self, revision: str) -> Iterator[HubCommit]:
        """Commits reachable from `revision`, newest first, fetched page by page as consumed.

        (list_repo_commits builds the whole list; paging lazily over the same endpoint lets
        `git hf log --limit N` stop at the first page it needs.)"""
        with self.session.errors():
            yield from self.session.commits(revision)

    def tree(self, revision: str) -> list[RemoteFile]:
        """Every file at `revision` (one paginated listing)."""
        self.library()
        from huggingface_hub.hf_api import RepoFile

        def listing() -> list[RemoteFile]:
            entries = self.session.api.list_repo_tree(
                self.repo_id, revision=revision, recursive=True, repo_type=self.repo_type
            )
            return [
                RemoteFile(e.path, e.size, e.blob_id, e.lfs.sha256 if e.lfs else None)
                for e in entries
                if isinstance(e, RepoFile)
            ]

        return self.session.call(listing)

    def ensure_repo(self, private: bool, missing: bool = False) -> bool:
        """Create the repository if needed; True when it was created. `missing`: the caller
        has just read that it is not there, so the refs are not asked again."""
        if not missing and self.refs() is not None:
            return False
        self.session.call(
            lambda: self.session.api.create_repo(
                self.repo_id, repo_type=self.repo_type, private=private, exist_ok=True
            ),
            settled=lambda: True if self.refs() is not None else None,
        )
        return True

    def commit(
        self,
        operations: list[Upload | Delete],
        branch: str,
        parent: str | None,
        summary: str,
        description: str,
        sent: Sent | None = None,
    ) -> str:
        """One Hub commit on `branch`; StaleParentError when the branch moved past `parent`.

        A commit whose answer was lost is found below the branch head (down to `parent`) by
        its Hfgit-Version and Hfgit-Git-Commit trailers, and is not made twice. `sent` is told
        how many bytes went over the wire when the upload measured them (Xet, `xet.py`)."""
        self.library()
        from huggingface_hub import CommitOperationDelete

        # Built once and reused by every try: hashes are computed once, and an upload step
        # that completed is not sent again.
        xet = uploads.xet_in_use()
        ops: list[Any] = [
            uploads.addition(op, xet)
            if isinstance(op, Upload)
            else CommitOperationDelete(path_in_repo=op.path_in_repo)
            for op in operations
        ]
        pairs = [
            (op, made) for op, made in zip(operations, ops, strict=True) if isinstance(op, Upload)
        ]
        hashed_here = [(op, made) for op, made in pairs if uploads.hashed_by_client(op)]

        def check_uploads() -> None:  # hashed while uploading: checked before the commit names it
            try:
                self.session.api.preupload_lfs_files(  # additions only: a delete has nothing to send
                    self.repo_id,
                    additions=[made for _, made in pairs],
                    revision=branch,
                    repo_type=self.repo_type,
                )
            except Exception as e:
                reason = meter.gave_up(e) if meter is not None else None
                if reason is not None:  # hf_xet retried it up to the deadline: not once more
                    raise GaveUp(reason) from e
                raise
            uploads.check_uploaded(ops, [op for op, _ in pairs])
            uploads.check_unmoved([op for op, _ in hashed_here])

        before = check_uploads if xet or hashed_here else None
        with contextlib.ExitStack() as stack:
            meter = stack.enter_context(xet_meter(self.retry)) if xet else None
            commit = settling.commit(
                self.session, ops, branch, parent, summary, description, before=before
            )
        for upload, made in hashed_here:
            if upload.on_hashed is not None:
                upload.on_hashed(made.upload_info.sha256.hex())
        if sent is not None and meter is not None:
            if meter.routed:  # what went to the Xet storage, and the files sent inline
                sizes = sum(made.upload_info.size for _, made in pairs)
                sent.measured = meter.sent + max(0, sizes - meter.handed)
            else:
                sent.unmeasured = True
        return commit

    def stored(self, files: list[Upload], branch: str) -> set[str]:
        """Paths of `files` whose content the Hub already stores: committing them sends no
        bytes. Best effort: when the Hub cannot say, none."""
        try:
            return self.session.call(
                lambda: uploads.stored(
                    self.session.api, self.repo_id, self.repo_type, branch, files
                )
            )
        except (HfgitError, ValueError, KeyError, TypeError):  # no answer, or not one we read
            return set()

    def create_branch(self, branch: str, starting_point: str) -> None:
        self.session.call(
            lambda: self.session.api.create_branch(
                self.repo_id,
                branch=branch,
                revision=starting_point,
                repo_type=self.repo_type,
                exist_ok=True,
            ),
            settled=lambda: True if branch in self.session.refs().branches else None,
        )

    def create_tag(self, tag: str, commit: str, message: str) -> str:
        """Tag `commit`; returns the Hub commit the tag points at. A tag that already points at
        that commit, or at another commit of the same version (a concurrent publisher of the
        same git commit), is success; at anything else, a TagConflictError."""
        return settling.create_tag(self.session, tag, commit, message)

    def delete_tag(self, tag: str) -> None:
        self.session.call(
            lambda: self.session.api.delete_tag(self.repo_id, tag=tag, repo_type=self.repo_type),
            settled=lambda: True if tag not in self.session.refs().tags else None,
        )

    def whoami(self) -> str:
        """The name of the account the token belongs to."""
        return str(self.session.call(self.session.api.whoami)["name"])

    def download(
        self, revision: str, local_dir: Path | None, cache_dir: Path | None = None
    ) -> Path:
        """Download a revision (resumable, through the huggingface_hub cache); returns its folder."""
        return self.session.download(revision, local_dir, cache_dir)
