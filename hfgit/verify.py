"""`git hf verify`: a local folder checked byte for byte against a version on the Hub.

Every file is read in full, in constant memory: an LFS file's sha256 and any other file's
git blob id (`git hash-object`) are compared with the Hub's tree. No cache is trusted and
nothing is downloaded."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from hfgit.compare import FileState, open_version, remote_state, resolve
from hfgit.errors import HfgitError
from hfgit.hub import RemoteFile, trees

CHUNK = 1 << 20
# Folders a download or a clone keeps beside a version's files (`hf download --local-dir`
# keeps its metadata in .cache/huggingface/), skipped at the top of the folder only.
SKIPPED = (".git", ".cache")

DIFFERS, MISSING, EXTRA = "differs", "missing", "extra"


class VerifyError(HfgitError):
    """The folder does not hold the version: each file is named in the report."""


@dataclass(frozen=True)
class Problem:
    path: str
    status: str  # differs / missing / extra
    expected: FileState | None  # the Hub's
    found: FileState | None  # the folder's (None: missing, or not a regular file)


@dataclass(frozen=True)
class Verification:
    version: str
    repo_id: str
    hub_commit: str
    directory: Path
    files: int  # files the version holds
    size: int  # their bytes
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(version: str, directory: Path | None, model: str | None = None) -> Verification:
    """Check `directory` (default: the Hugging Face cache's snapshot of the version)."""
    project, tag = open_version(version, model)
    if directory is not None and not directory.is_dir():  # said before asking the Hub
        what = "is not a folder" if directory.exists() else "does not exist"
        raise HfgitError(f"{directory} {what}: pass --dir the folder that holds {version}")
    with project.hub() as hub:
        commit = resolve(project, hub, hub.refs(), tag)
        if directory is None:
            directory = trees.cached_snapshot(hub, commit)
            if directory is None:
                raise HfgitError(
                    f"{version} is not in the Hugging Face cache: `git hf pull {version}` "
                    "downloads it, or pass --dir DIR to check a folder"
                )
        remote = trees.files(hub, commit)
    problems = check(directory, remote)
    return Verification(
        version,
        project.config.repo_id,
        commit,
        directory,
        len(remote),
        sum(f.size for f in remote.values()),
        problems,
    )


def check(directory: Path, remote: dict[str, RemoteFile]) -> list[Problem]:
    """Every file that differs from the Hub's, is missing, or is not on the Hub, by path."""
    local = dict(_walk(directory))
    problems = []
    for path in sorted(set(remote) | set(local)):
        expected = remote.get(path)
        if expected is None:
            problems.append(Problem(path, EXTRA, None, _state(local[path], None)))
            continue
        wanted = remote_state(expected)
        source = local.get(path)
        if source is None or not source.is_file():
            problems.append(Problem(path, MISSING, wanted, None))
            continue
        found = _state(source, expected)
        if found is None or not wanted.same_content(found):
            problems.append(Problem(path, DIFFERS, wanted, found))
    return problems


def _walk(directory: Path) -> list[tuple[str, Path]]:
    """(path in repo, file) of everything in the folder but folders; symlinks are followed
    for files (a cache snapshot is made of them), not for folders."""
    out = []
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        if Path(dirpath) == directory:
            dirnames[:] = [d for d in dirnames if d not in SKIPPED]
        for name in filenames:
            path = Path(dirpath) / name
            out.append((path.relative_to(directory).as_posix(), path))
    return out


def _state(path: Path, expected: RemoteFile | None) -> FileState | None:
    """The file's size and the hash the Hub has for it (sha256 for LFS, else git blob id);
    a file that is not the Hub's size is not read. None: not a readable regular file."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            return None
        if expected is None or size != expected.size:
            return FileState(size, None, None)
        lfs = expected.sha256 is not None
        digest = hashlib.sha256() if lfs else hashlib.sha1(b"blob %d\0" % size)
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    text = digest.hexdigest()
    return FileState(size, text, None) if lfs else FileState(size, None, text)
