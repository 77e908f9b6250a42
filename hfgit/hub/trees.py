"""What one Hub revision holds, read without downloading its large files: the tree (sizes,
LFS sha256s, git blob ids), the bytes of a small file, and where the Hugging Face cache keeps
a revision's snapshot.

Small files are read over HTTP into memory, never through the cache: comparing versions must
not leave half snapshots behind for `git hf verify` to find."""

from __future__ import annotations

from pathlib import Path

from hfgit.hub.client import Hub
from hfgit.hub.types import RemoteFile

SMALL_FILE_BYTES = 1 << 20  # the most read into memory: metadata and config files


def files(hub: Hub, revision: str) -> dict[str, RemoteFile]:
    """Every file at `revision`, by path (one paginated listing, no file content)."""
    return {f.path: f for f in hub.tree(revision)}


def read_small(hub: Hub, revision: str, remote: RemoteFile) -> bytes | None:
    """The bytes of `remote` at `revision`; None for a file stored in LFS or larger than
    SMALL_FILE_BYTES (those are never read), or one that is not there."""
    if remote.sha256 is not None or remote.size > SMALL_FILE_BYTES:
        return None
    session = hub.session
    session.library()
    from huggingface_hub import hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError

    url = hf_hub_url(
        hub.repo_id,
        remote.path,
        repo_type=hub.repo_type,
        revision=revision,
        endpoint=hub.endpoint,
    )

    def get() -> bytes | None:
        try:
            response = session.get(url)  # the Hub's headers and token, to its endpoint
        except EntryNotFoundError:
            return None
        data: bytes = response.content
        return data if len(data) <= SMALL_FILE_BYTES else None

    return session.call(get)


def cached_snapshot(hub: Hub, commit: str) -> Path | None:
    """The folder where the Hugging Face cache holds `commit` of this repository (as
    `git hf pull` and `hf download` leave it), or None when it holds none."""
    hub.session.library()
    from huggingface_hub import constants
    from huggingface_hub.file_download import repo_folder_name

    folder = repo_folder_name(repo_id=hub.repo_id, repo_type=hub.repo_type)
    path = Path(constants.HF_HUB_CACHE) / folder / "snapshots" / commit
    return path if path.is_dir() else None
