"""What the Hub adapter hands to the rest of hfgit, and takes from it: plain data.

Re-exported by `hfgit.hub`; nothing here imports huggingface_hub."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


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


@dataclass
class Sent:
    """What a commit's upload sent, as `Hub.commit` measured it. `measured`: the bytes that
    crossed the wire, over Xet (which sends only the chunks the storage lacks); None over LFS,
    which sends new content whole (the files' sizes tell). `unmeasured`: sent over Xet, but
    hf_xet's reports could not be read (`xet.py`)."""

    measured: int | None = None
    unmeasured: bool = False
