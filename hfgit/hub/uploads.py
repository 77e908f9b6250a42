"""A commit uploads exactly the content that was checked, and says how much it sent.

An `Upload` that carries the sha256 (and size) its file was checked against is published with
that content or not at all:

* a file small enough to travel inline in the commit (up to 10 MiB) is read once into memory
  and its sha256 compared: the commit carries those very bytes;
* a larger file goes through LFS declared under the checked sha256 and size (without them the
  client hashes the file in a read of its own, apart from the read that uploads it); the Hub
  checks each uploaded object against its declared oid, so a file that changed meanwhile fails
  its upload instead of being published;
* over Xet (hf_xet installed, and a Hub that takes it) hashing happens while uploading: the sha256
  the upload computed is compared with the checked one before the commit is made.

`stored` asks the LFS batch endpoint which contents the Hub already holds: a commit sends no
bytes for those, and summaries do not count them as sent.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfgit.constants import INLINE_MAX_BYTES
from hfgit.errors import ContentChangedError
from hfgit.hub import library

if TYPE_CHECKING:
    from hfgit.hub.types import Upload


def xet_in_use() -> bool:
    """Whether the client uploads over Xet (hf_xet installed, not turned off, and the Hub
    takes it: asked once, see `library.settle_xet`)."""
    from huggingface_hub import constants

    library.settle_xet()
    return not constants.HF_HUB_DISABLE_XET and importlib.util.find_spec("hf_xet") is not None


def addition(upload: Upload, xet: bool) -> Any:
    """The CommitOperationAdd for `upload`, held to its checked sha256 when it has one."""
    from huggingface_hub import CommitOperationAdd
    from huggingface_hub.lfs import UploadInfo

    source = upload.source
    if upload.sha256 is None and isinstance(source, Path) and upload.stamp is not None:
        return _hashed_by_client(upload, source, upload.stamp)
    if upload.sha256 is None or not isinstance(source, Path):
        return CommitOperationAdd(
            path_in_repo=upload.path_in_repo,
            path_or_fileobj=str(source) if isinstance(source, Path) else source,
        )
    size = upload.size if upload.size is not None else source.stat().st_size
    if size <= INLINE_MAX_BYTES:
        data = source.read_bytes()
        if len(data) != size or hashlib.sha256(data).hexdigest() != upload.sha256:
            raise _changed(upload.path_in_repo)
        return CommitOperationAdd(path_in_repo=upload.path_in_repo, path_or_fileobj=data)
    operation = CommitOperationAdd(path_in_repo=upload.path_in_repo, path_or_fileobj=str(source))
    if operation.upload_info.size != size:
        raise _changed(upload.path_in_repo)
    if not xet:  # declared as checked; the Hub verifies what arrives against it
        operation.upload_info = UploadInfo(
            size=size, sample=operation.upload_info.sample, sha256=bytes.fromhex(upload.sha256)
        )
    return operation


def _hashed_by_client(upload: Upload, source: Path, stamp: tuple[int, int, int]) -> Any:
    """The operation for a file hfgit has not hashed: the client hashes it (a small file from
    the bytes read here, a large one as it prepares its upload), and the file must keep the
    stat it was checked with until it is uploaded (`check_unmoved`)."""
    from huggingface_hub import CommitOperationAdd

    if stamp[0] <= INLINE_MAX_BYTES:
        data = source.read_bytes()
        if len(data) != stamp[0] or _stamp(source) != stamp:
            raise _changed(upload.path_in_repo)
        return CommitOperationAdd(path_in_repo=upload.path_in_repo, path_or_fileobj=data)
    if _stamp(source) != stamp:
        raise _changed(upload.path_in_repo)
    return CommitOperationAdd(path_in_repo=upload.path_in_repo, path_or_fileobj=str(source))


def hashed_by_client(upload: Upload) -> bool:
    """Whether the client computes the sha256 of `upload` (it had none) from its file."""
    return upload.sha256 is None and upload.stamp is not None and isinstance(upload.source, Path)


def check_unmoved(uploads: Iterable[Upload]) -> None:
    """After the client hashed and uploaded files hfgit had not hashed: each still has the
    stat it was checked with, so what the client hashed is the file that was checked."""
    for upload in uploads:
        if upload.stamp is not None and isinstance(upload.source, Path):
            try:
                moved = _stamp(upload.source) != upload.stamp
            except OSError:
                moved = True
            if moved:
                raise _changed(upload.path_in_repo)


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def check_uploaded(operations: Iterable[Any], uploads: Iterable[Upload]) -> None:
    """After an upload that hashed as it read (Xet): every content is the one checked."""
    wanted = {u.path_in_repo: u.sha256 for u in uploads if u.sha256}
    for operation in operations:
        info = getattr(operation, "upload_info", None)
        expected = wanted.get(getattr(operation, "path_in_repo", ""))
        if info is None or expected is None or not info.is_hashed:
            continue
        if info.sha256.hex() != expected:
            raise _changed(operation.path_in_repo)


def stored(
    api: Any, repo_id: str, repo_type: str, branch: str, uploads: Iterable[Upload]
) -> set[str]:
    """Paths whose content (by sha256) the Hub's LFS storage already holds for this repo."""
    from huggingface_hub.lfs import UploadInfo, post_lfs_batch_info
    from huggingface_hub.utils import build_hf_headers

    known = [u for u in uploads if u.sha256 and u.size is not None]
    if not known:
        return set()
    infos = [
        UploadInfo(size=u.size or 0, sample=b"", sha256=bytes.fromhex(u.sha256 or ""))
        for u in known
    ]
    actions, _, _ = post_lfs_batch_info(
        upload_infos=infos,
        token=None,
        repo_type=repo_type,
        repo_id=repo_id,
        revision=branch,
        endpoint=api.endpoint,
        headers=build_hf_headers(
            token=api.token, library_name=api.library_name, library_version=api.library_version
        ),
    )
    present = {a["oid"] for a in actions if isinstance(a, dict) and not a.get("actions")}
    return {u.path_in_repo for u in known if u.sha256 in present}


def _changed(path_in_repo: str) -> ContentChangedError:
    return ContentChangedError(f"{path_in_repo} changed after it was checked")
