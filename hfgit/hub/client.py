"""One Hub repository through huggingface_hub's HfApi: the calls hfgit makes, as plain data.

Every call is retried on transient faults (`retry.py`). A write whose outcome is unknown
(its answer was lost, or came back 5xx) is looked up before it is tried again: a commit at
the branch head by its trailers, a tag or a branch in the refs. A replayed commit answered
412, or a tag answered 409, is checked the same way before it counts as a conflict.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from hfgit import __version__, trailers
from hfgit.errors import HfgitError, HubError, TagConflictError
from hfgit.hub import library, reads, uploads
from hfgit.hub.errors import translated_errors
from hfgit.hub.retry import RetryPolicy, call_with_retries

LOOK_BACK = 20  # commits below a branch head searched for one whose answer was lost
DEFAULT_TOKEN_HINT = "set HF_TOKEN, run `hf auth login`, or pass --token"

T = TypeVar("T")


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
    """A file to commit. With `sha256` (and `size`), that content is committed or nothing is:
    a file that no longer holds it fails the commit (see uploads.py). Without, the client
    hashes the file as it uploads it: with `stamp` (the file's stat when it was checked) the
    file must keep that stat until it is uploaded, and `on_hashed` is told the client's
    sha256 once the commit is made."""

    path_in_repo: str
    source: Path | bytes
    sha256: str | None = None
    size: int | None = None
    stamp: tuple[int, int, int] | None = None
    on_hashed: Callable[[str], None] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Delete:
    path_in_repo: str


class Hub:
    """One Hub repository. Library errors leave this class as HfgitError subclasses.

    `retry` says how transient faults are retried (default: `RetryPolicy()`, 60 s or
    $HFGIT_RETRY_DEADLINE); `token_hint` how the user provides a token, for when the Hub
    asks for one and none was sent."""

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
        self.retry = retry or RetryPolicy()
        self.endpoint = endpoint
        self.display_endpoint = display_endpoint or endpoint
        self.label = f"the Hub at {endpoint}"  # how errors name this Hub
        self.repo_id = repo_id
        self.repo_type = repo_type
        self.has_token = bool(token)
        self.token_hint = token_hint
        self._token: str | bool = token or False
        self._hf_api: Any = None
        self._library_ready = False

    def library(self) -> None:
        """huggingface_hub, imported and set up for this endpoint at first use (`library.py`):
        reading refs and commits (all that `git hf log` and `status` ask) mostly does without."""
        if not self._library_ready:
            library.prepare(self.endpoint, self.retry)
            self._library_ready = True

    @property
    def _api(self) -> Any:
        """huggingface_hub's HfApi, imported at first use."""
        if self._hf_api is None:
            self.library()
            from huggingface_hub import HfApi

            self._hf_api = HfApi(
                endpoint=self.endpoint,
                token=self._token,
                library_name="hfgit",
                library_version=__version__,
            )
        return self._hf_api

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
            return self._call(self._refs)
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
        with self._errors():
            yield from self._commits(revision)

    def tree(self, revision: str) -> list[RemoteFile]:
        """Every file at `revision` (one paginated listing)."""
        self.library()
        from huggingface_hub.hf_api import RepoFile

        def listing() -> list[RemoteFile]:
            entries = self._api.list_repo_tree(
                self.repo_id, revision=revision, recursive=True, repo_type=self.repo_type
            )
            return [
                RemoteFile(e.path, e.size, e.blob_id, e.lfs.sha256 if e.lfs else None)
                for e in entries
                if isinstance(e, RepoFile)
            ]

        return self._call(listing)

    def ensure_repo(self, private: bool) -> bool:
        """Create the repository if needed; True when it was created."""
        if self.refs() is not None:
            return False
        self._call(
            lambda: self._api.create_repo(
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
    ) -> str:
        """One Hub commit on `branch`; StaleParentError when the branch moved past `parent`.

        A commit whose answer was lost is found below the branch head (down to `parent`) by
        its Hfgit-Version and Hfgit-Git-Commit trailers, and is not made twice."""
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

        def landed() -> str | None:
            return self._landed(branch, parent, summary, description)

        pairs = [
            (op, made) for op, made in zip(operations, ops, strict=True) if isinstance(op, Upload)
        ]
        hashed_here = [(op, made) for op, made in pairs if uploads.hashed_by_client(op)]

        def attempt() -> str:
            if xet or hashed_here:  # hashed while uploading: check before the commit names it
                self._api.preupload_lfs_files(  # additions only: a delete has nothing to send
                    self.repo_id,
                    additions=[made for _, made in pairs],
                    revision=branch,
                    repo_type=self.repo_type,
                )
                uploads.check_uploaded(ops, [op for op, _ in pairs])
                uploads.check_unmoved([op for op, _ in hashed_here])
            try:
                info = self._api.create_commit(
                    self.repo_id,
                    ops,
                    commit_message=summary,
                    commit_description=description,
                    revision=branch,
                    parent_commit=parent,
                    repo_type=self.repo_type,
                )
            except Exception as e:
                if _status(e) == 412 and (mine := landed()) is not None:
                    return mine  # a replay of a commit that was made
                raise
            return str(info.oid)

        commit = self._call(attempt, settled=landed)
        for upload, made in hashed_here:
            if upload.on_hashed is not None:
                upload.on_hashed(made.upload_info.sha256.hex())
        return commit

    def stored(self, files: list[Upload], branch: str) -> set[str]:
        """Paths of `files` whose content the Hub already stores: committing them sends no
        bytes. Best effort: when the Hub cannot say, none."""
        try:
            return self._call(
                lambda: uploads.stored(self._api, self.repo_id, self.repo_type, branch, files)
            )
        except (HfgitError, ValueError, KeyError, TypeError):  # no answer, or not one we read
            return set()

    def create_branch(self, branch: str, starting_point: str) -> None:
        self._call(
            lambda: self._api.create_branch(
                self.repo_id,
                branch=branch,
                revision=starting_point,
                repo_type=self.repo_type,
                exist_ok=True,
            ),
            settled=lambda: True if branch in self._refs().branches else None,
        )

    def create_tag(self, tag: str, commit: str, message: str) -> str:
        """Tag `commit`; returns the Hub commit the tag points at. A tag that already points at
        that commit, or at another commit of the same version (a concurrent publisher of the
        same git commit), is success; at anything else, a TagConflictError."""

        def attempt() -> str:
            try:
                self._api.create_tag(
                    self.repo_id,
                    tag=tag,
                    tag_message=message,
                    revision=commit,
                    repo_type=self.repo_type,
                )
            except Exception as e:
                if _status(e) == 409:
                    return self._tag_settled(tag, commit) or self._tag_conflict(tag)
                raise
            return commit

        return self._call(attempt, settled=lambda: self._tag_settled(tag, commit))

    def delete_tag(self, tag: str) -> None:
        self._call(
            lambda: self._api.delete_tag(self.repo_id, tag=tag, repo_type=self.repo_type),
            settled=lambda: True if tag not in self._refs().tags else None,
        )

    def whoami(self) -> str:
        """The name of the account the token belongs to."""
        return str(self._call(self._api.whoami)["name"])

    def download(
        self, revision: str, local_dir: Path | None, cache_dir: Path | None = None
    ) -> Path:
        """Download a revision (resumable, through the huggingface_hub cache); returns its folder."""
        self.library()
        from huggingface_hub import snapshot_download

        return self._call(
            lambda: Path(
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
        )

    def _call(self, call: Callable[[], T], settled: Callable[[], T | None] | None = None) -> T:
        with self._errors():
            return call_with_retries(self.retry, call, settled)

    def _errors(self) -> Any:
        return translated_errors(
            self.label, self.repo_id, None if self.has_token else self.token_hint
        )

    def _refs(self) -> HubRefs:
        """GET /api/{type}s/{id}/refs, as HfApi.list_repo_refs sends it (`reads.py` first)."""
        url = f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/refs"
        page = self._read_page(url)
        data = page.data if page is not None else self._library_get(url).json()
        return HubRefs(
            {b["name"]: b["targetCommit"] for b in data["branches"]},
            {t["name"]: t["targetCommit"] for t in data["tags"]},
        )

    def _library_get(self, url: str) -> Any:
        """GET through the library: retried, and its errors are the library's."""
        self.library()
        from huggingface_hub.utils import get_session, hf_raise_for_status

        response = get_session().get(url, headers=self._headers())
        hf_raise_for_status(response)
        return response

    def _headers(self) -> dict[str, str]:
        self.library()
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(
            token=self._token, library_name="hfgit", library_version=__version__
        )

    def _commits(self, revision: str) -> Iterator[HubCommit]:
        """Page by page (Link: rel="next"), each page read by `reads.py` first, else (and
        from there on) through the library."""
        url: str | None = (
            f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/commits/{quote(revision, safe='')}"
        )
        while url is not None:
            page = call_with_retries(self.retry, functools.partial(self._read_page, url))
            if page is None:
                yield from self._library_commits(url)
                return
            for item in page.data:
                yield _commit(item)
            url = page.next_url

    def _read_page(self, url: str) -> reads.Page | None:
        return reads.get_page(url, self._token, self.retry.timeout)

    def _library_commits(self, url: str) -> Iterator[HubCommit]:
        self.library()
        from huggingface_hub.utils import paginate

        for item in paginate(url, params={}, headers=self._headers()):
            yield _commit(item)

    def _landed(
        self, branch: str, parent: str | None, summary: str, description: str
    ) -> str | None:
        """The commit on `branch` above `parent` that carries this change, if it was made."""
        wanted = trailers.parse(description)
        for depth, commit in enumerate(self._commits(branch)):
            if commit.id == parent or depth >= LOOK_BACK:
                return None
            if _same_change(commit, wanted, summary, description):
                return commit.id
            if parent is None:
                return None  # without a parent, only the head can be it
        return None

    def _tag_settled(self, tag: str, commit: str) -> str | None:
        """Where `tag` points, when that is `commit` or a commit of the same version."""
        target = self._refs().tags.get(tag)
        if target is None:
            return None
        if target == commit or self._same_version(target, commit):
            return target
        return self._tag_conflict(tag)

    def _tag_conflict(self, tag: str) -> str:
        raise TagConflictError(
            f"tag {tag} was created on {self.label} at another commit meanwhile: "
            f"`git hf log` shows it; `git hf push --force {tag}` moves it"
        )

    def _same_version(self, one: str, other: str) -> bool:
        def said(commit: str) -> trailers.Trailers:
            head = next(self._commits(commit), None)
            return trailers.parse(head.message) if head else trailers.Trailers()

        a, b = said(one), said(other)
        return bool(a.version and a.git_commit) and (a.version, a.git_commit) == (
            b.version,
            b.git_commit,
        )


def _commit(item: dict[str, Any]) -> HubCommit:
    date = reads.parse_date(item["date"])
    if date is None:
        from huggingface_hub.utils import parse_datetime

        date = parse_datetime(item["date"])
    return HubCommit(item["id"], item["title"], item["message"], date)


def _same_change(
    commit: HubCommit, wanted: trailers.Trailers, summary: str, description: str
) -> bool:
    if wanted.version and wanted.git_commit:
        said = trailers.parse(commit.message)
        return (said.version, said.git_commit) == (wanted.version, wanted.git_commit)
    return commit.title == summary and description.strip() in commit.message


def _status(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None
