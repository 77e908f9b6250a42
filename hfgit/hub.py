"""The Hugging Face Hub, through huggingface_hub. The only huggingface_hub user outside tests.

Any Hub-compatible endpoint works: huggingface.co, a self-hosted Hub, `git hf serve`, or
`local` (the embedded hub, started in-process over a per-user data dir).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hfgit import __version__
from hfgit.constants import DEFAULT_ENDPOINT, ENV_DATA_DIR, LOCAL_ENDPOINT
from hfgit.errors import AuthError, HubError, HubUnreachableError, StaleParentError
from hfgit.secrets import redact, register_secret

HF_HOSTS = ("huggingface.co", "hf.co")
# Links to the local hub point where `git hf serve --root <local data dir>` listens by default.
LOCAL_DISPLAY = "http://127.0.0.1:8765"


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


def resolve_endpoint(configured: str | None) -> str:
    """Config `endpoint`, else $HF_ENDPOINT, else huggingface.co (`local` passes through)."""
    endpoint = configured or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    return endpoint if endpoint == LOCAL_ENDPOINT else endpoint.rstrip("/")


def is_hf_endpoint(endpoint: str) -> bool:
    host = urlparse(endpoint).hostname or ""
    return any(host == h or host.endswith("." + h) for h in HF_HOSTS)


def local_data_dir() -> Path:
    """Where `endpoint: local` keeps its repositories (one store per user)."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]) / "hub"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hfgit" / "hub"


def find_token(endpoint: str) -> str | None:
    """$HF_TOKEN, $HUGGINGFACE_TOKEN (older name), or the `hf auth login` store.

    The stored login belongs to huggingface.co (or to $HF_ENDPOINT): it is not sent to another
    endpoint, so a cloned repository's `.hfgit.yaml` cannot point it at a server of its choosing."""
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGINGFACE_TOKEN")
    if not token and (is_hf_endpoint(endpoint) or endpoint == resolve_endpoint(None)):
        from huggingface_hub import get_token

        token = get_token()
    register_secret(token)
    return token or None


@contextlib.contextmanager
def connect(
    endpoint: str | None, repo_id: str, repo_type: str = "model", token: str | None = None
) -> Iterator[Hub]:
    """A Hub client for one repository; for `local`, the embedded hub runs for the duration."""
    resolved = resolve_endpoint(endpoint)
    if resolved != LOCAL_ENDPOINT:
        yield Hub(resolved, token if token is not None else find_token(resolved), repo_id, repo_type)
        return
    from hfgit.server import running_hub

    local_token = "hf_local" + secrets.token_hex(16)
    register_secret(local_token)
    namespace = repo_id.split("/", 1)[0]
    try:
        hub_cm = running_hub(local_data_dir(), users={namespace: local_token})
        url = hub_cm.__enter__()
    except OSError as e:
        raise HubUnreachableError(
            f"cannot start the embedded hub in {local_data_dir()}: {e}"
        ) from e
    try:
        hub = Hub(url, local_token, repo_id, repo_type, display_endpoint=LOCAL_DISPLAY)
        hub.label = "the local hub"
        yield hub
    finally:
        hub_cm.__exit__(None, None, None)


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
            with self._errors():
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
        with self._errors():
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

        with self._errors():
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
        with self._errors():
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
        with self._errors():
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
        with self._errors():
            self._api.create_branch(
                self.repo_id,
                branch=branch,
                revision=starting_point,
                repo_type=self.repo_type,
                exist_ok=True,
            )

    def create_tag(self, tag: str, commit: str, message: str) -> None:
        with self._errors():
            self._api.create_tag(
                self.repo_id,
                tag=tag,
                tag_message=message,
                revision=commit,
                repo_type=self.repo_type,
            )

    def delete_tag(self, tag: str) -> None:
        with self._errors():
            self._api.delete_tag(self.repo_id, tag=tag, repo_type=self.repo_type)

    def read_file(self, revision: str, path: str) -> bytes | None:
        """A small file's bytes at `revision`, or None when it does not exist."""
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError

        try:
            with self._errors():
                local = hf_hub_download(
                    self.repo_id,
                    path,
                    revision=revision,
                    repo_type=self.repo_type,
                    endpoint=self.endpoint,
                    token=self._token,
                )
        except HubError as e:
            if isinstance(e.__cause__, EntryNotFoundError):
                return None
            raise
        return Path(local).read_bytes()

    def download(
        self, revision: str, local_dir: Path | None, cache_dir: Path | None = None
    ) -> Path:
        """Download a revision (resumable, through the huggingface_hub cache); returns its folder."""
        from huggingface_hub import snapshot_download

        with self._errors():
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

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate library and network errors into one-line HfgitErrors."""
        from huggingface_hub.errors import (
            HfHubHTTPError,
            LocalTokenNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        where = f"{self.repo_id} on {self.label}"
        try:
            yield
        except RepositoryNotFoundError as e:
            hint = "" if self.has_token else " (no token: set HF_TOKEN or run `hf auth login`)"
            raise HubError(
                f"repository {where} does not exist or your token cannot see it{hint}"
            ) from e
        except RevisionNotFoundError as e:
            raise HubError(f"revision not found in {where}: {_first_line(e)}") from e
        except LocalTokenNotFoundError as e:
            raise AuthError("no Hub token: set HF_TOKEN or run `hf auth login`") from e
        except HfHubHTTPError as e:
            status = e.response.status_code if e.response is not None else None
            if status == 401:
                raise AuthError(
                    f"{self.label} rejected the token (401): set a valid HF_TOKEN or run `hf auth login`"
                ) from e
            if status == 403:
                raise AuthError(
                    f"your token has no write access to {where} (403): use a write token for that namespace"
                ) from e
            if status == 412:
                raise StaleParentError(f"{where} changed while publishing") from e
            raise HubError(f"the Hub refused the request for {where}: {_first_line(e)}") from e
        except Exception as e:
            if _is_network_error(e):
                raise HubUnreachableError(
                    f"cannot reach {self.label} ({_first_line(e)}): check the endpoint and your network"
                ) from e
            raise


def _configure_library(endpoint: str) -> None:
    """Xet only for huggingface.co; nothing leaks to huggingface.co when another endpoint is used."""
    from huggingface_hub import constants

    hf = is_hf_endpoint(endpoint)
    constants.HF_HUB_DISABLE_XET = not hf or bool(os.environ.get("HF_HUB_DISABLE_XET"))
    if not hf:
        with contextlib.suppress(ImportError, AttributeError):
            from huggingface_hub.utils import _detect_agent

            _detect_agent._registry = {"standardEnvVars": [], "harnesses": {}}


def _is_network_error(e: BaseException) -> bool:
    names = {cls.__name__ for cls in type(e).__mro__}
    return bool(names & {"TransportError", "TimeoutException", "ConnectionError"}) or isinstance(
        e, OSError
    )


def _first_line(e: BaseException) -> str:
    text = redact(str(e)).strip()
    return text.splitlines()[0] if text else type(e).__name__


def show_progress_bars(enabled: bool) -> None:
    """Upload/download progress bars (the client's own) on a TTY, unless disabled."""
    import sys

    from huggingface_hub.utils import disable_progress_bars, enable_progress_bars

    if enabled and sys.stderr.isatty():
        enable_progress_bars()
    else:
        disable_progress_bars()
