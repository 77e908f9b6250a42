"""The local git repository, through pygit2. The only pygit2 user outside server/."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pygit2

from hfgit.errors import HfgitError, NotAGitRepoError, VersionTagError
from hfgit.secrets import public_url


@dataclass(frozen=True)
class Tag:
    name: str
    commit: str  # the peeled commit SHA
    annotated: bool
    message: str
    date: datetime  # tagger date (annotated) or commit date (lightweight), UTC


class GitRepo:
    def __init__(self, repo: pygit2.Repository) -> None:
        self._repo = repo

    @classmethod
    def discover(cls, start: Path | None = None) -> GitRepo:
        where = str(start or Path.cwd())
        path = pygit2.discover_repository(where)
        if path is None:
            raise NotAGitRepoError(f"{where} is not inside a git repository: run `git init` first")
        repo = pygit2.Repository(path)
        if repo.is_bare:
            raise NotAGitRepoError(f"{path} is a bare repository: hfgit needs a work tree")
        return cls(repo)

    @property
    def root(self) -> Path:
        return Path(self._repo.workdir).resolve()

    @property
    def git_dir(self) -> Path:
        """The common git dir, shared by every work tree: where hfgit keeps its state.

        (pygit2's `Repository.path` of a linked work tree is that tree's own git dir, which
        names the common one in its `commondir` file.)"""
        path = Path(self._repo.path)
        try:
            pointer = (path / "commondir").read_text(encoding="utf-8").strip()
        except OSError:
            pointer = ""
        return (path / pointer if pointer else path).resolve()

    def head_commit(self) -> str | None:
        if self._repo.head_is_unborn:
            return None
        return str(self._repo.head.target)

    def current_branch(self) -> str | None:
        if self._repo.head_is_unborn or self._repo.head_is_detached:
            return None
        return self._repo.head.shorthand

    def is_dirty(self, ignore: tuple[str, ...] = ()) -> bool:
        """True when tracked files differ from HEAD (untracked files do not count)."""
        return bool(self.changed_files(ignore))

    def changed_files(self, ignore: tuple[str, ...] = ()) -> list[str]:
        """Tracked files that differ from HEAD (staged or not), outside the `ignore` folders."""
        flags = self._repo.status(untracked_files="no")
        return sorted(
            path
            for path in flags
            if not any(path == p or path.startswith(p.rstrip("/") + "/") for p in ignore)
        )

    @property
    def is_shallow(self) -> bool:
        """A shallow clone: older commits, and the tags on them, were not fetched."""
        return bool(self._repo.is_shallow)

    def remote_url(self, name: str = "origin") -> str | None:
        try:
            url = self._repo.remotes[name].url
        except (KeyError, ValueError):
            remotes = list(self._repo.remotes)
            url = remotes[0].url if remotes else None
        return public_url(url) if url else None

    def tags(self) -> dict[str, Tag]:
        """Every tag, peeled to its commit."""
        out: dict[str, Tag] = {}
        for ref_name in self._repo.references:
            if ref_name.startswith("refs/tags/"):
                tag = self._tag(ref_name)
                if tag is not None:
                    out[tag.name] = tag
        return out

    def tag(self, name: str) -> Tag:
        tag = self._tag(f"refs/tags/{name}")
        if tag is None:
            raise VersionTagError(
                f"no tag {name!r} in this repository: create it with `git tag {name}`"
            )
        return tag

    def _tag(self, ref_name: str) -> Tag | None:
        try:
            target = self._repo.lookup_reference(ref_name).target
        except (KeyError, pygit2.InvalidSpecError):
            return None
        obj: Any = self._repo.get(target)
        annotated = isinstance(obj, pygit2.Tag)
        message, date = "", None
        if annotated:
            message = obj.message or ""
            if obj.tagger is not None:
                date = _utc(obj.tagger.time)
        try:
            commit = obj.peel(pygit2.Commit)
        except (pygit2.GitError, ValueError):  # InvalidSpecError is a GitError
            return None  # a tag of a tree or blob: not a version
        return Tag(
            ref_name[len("refs/tags/") :],
            str(commit.id),
            annotated,
            message,
            date or _utc(commit.commit_time),
        )

    def commit_messages(self, until: str | None, since: str | None = None) -> list[str]:
        """Messages of commits reachable from `until` (default HEAD) but not from `since`."""
        start = until or self.head_commit()
        if start is None:
            return []
        walker = self._repo.walk(start, pygit2.enums.SortMode.TOPOLOGICAL)
        if since:
            walker.hide(since)
        return [commit.message for commit in walker]

    def read_file(self, commit: str, path: str) -> bytes | None:
        """A file's bytes as committed in `commit`, or None when it is not tracked there."""
        tree: Any = self._repo[commit].peel(pygit2.Tree)
        try:
            entry = tree[path]
        except KeyError:
            return None
        blob = self._repo.get(entry.id)
        return blob.data if isinstance(blob, pygit2.Blob) else None

    def create_tag(self, name: str, commit: str, message: str) -> None:
        """An annotated tag, made by the git CLI so that the user's hooks see it like any other."""
        if f"refs/tags/{name}" in self._repo.references:
            raise VersionTagError(f"tag {name} already exists")
        done = subprocess.run(
            ["git", "tag", "-a", name, commit, "-F", "-"],
            cwd=self.root,
            input=message,
            text=True,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise HfgitError(
                f"git tag {name} failed: {done.stderr.strip() or 'no message from git'}"
            )


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)
