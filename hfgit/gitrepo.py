"""The local git repository, through pygit2. The only pygit2 user outside server/.

pygit2 is imported when first needed: finding the repository, listing its tags (all that
`git hf log` and `status` ask), the branch checked out, the remotes' URLs and a committed file
are answered by one `git` command each, which costs less than importing it: a push imports
no pygit2."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfgit.errors import HfgitError, NotAGitRepoError, VersionTagError
from hfgit.secrets import public_url

if TYPE_CHECKING:
    import pygit2

# One line per tag: name, its object and type, what it points at (annotated), dates, message.
_TAG_FIELDS = (
    "%(refname)",
    "%(objecttype)",
    "%(objectname)",
    "%(*objecttype)",
    "%(*objectname)",
    "%(creatordate:unix)",
    "%(*committerdate:unix)",
    "%(contents)",
)
_TAG_FORMAT = "%00".join(_TAG_FIELDS) + "%00"
# A listing is used again only while the files that hold the tags are as they were, and when
# they had last changed this long before it was made: a change in the same tick of a coarse
# file system clock (1 s on some) would otherwise leave them looking the same.
SETTLED_NS = 2_000_000_000


@dataclass(frozen=True)
class Tag:
    name: str
    commit: str  # the peeled commit SHA
    annotated: bool
    message: str
    date: datetime  # tagger date (annotated) or commit date (lightweight), UTC


class GitRepo:
    def __init__(self, repo: pygit2.Repository | None, where: _Where | None = None) -> None:
        self._opened = repo
        self._where = where or _Where.of(repo)
        self._listed: tuple[_Stamp, dict[str, Tag]] | None = None

    @classmethod
    def discover(cls, start: Path | None = None) -> GitRepo:
        where = str(start or Path.cwd())
        found = _Where.ask_git(where)
        if found is not None:
            return cls(None, found)
        import pygit2

        path = pygit2.discover_repository(where)
        if path is None:
            raise NotAGitRepoError(f"{where} is not inside a git repository: run `git init` first")
        repo = pygit2.Repository(path)
        if repo.is_bare:
            raise NotAGitRepoError(f"{path} is a bare repository: hfgit needs a work tree")
        return cls(repo)

    @property
    def _repo(self) -> pygit2.Repository:
        if self._opened is None:
            import pygit2

            self._opened = pygit2.Repository(str(self._where.own_git_dir))
        return self._opened

    @property
    def root(self) -> Path:
        return self._where.root

    @property
    def git_dir(self) -> Path:
        """The common git dir, shared by every work tree: where hfgit keeps its state."""
        return self._where.git_dir

    def head_commit(self) -> str | None:
        if self._repo.head_is_unborn:
            return None
        return str(self._repo.head.target)

    def current_branch(self) -> str | None:
        """The branch checked out; None when HEAD is detached or the branch has no commit."""
        found = _git(self.root, "rev-parse", "--symbolic-full-name", "HEAD")
        if found is None:  # no git to run: pygit2 says
            if self._repo.head_is_unborn or self._repo.head_is_detached:
                return None
            return self._repo.head.shorthand
        full = found[1].strip() if found[0] == 0 else ""  # unborn: git fails
        return full.removeprefix("refs/heads/") if full.startswith("refs/heads/") else None

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
        """The URL of remote `name`, else of the first remote configured (credentials left
        out); None without remotes."""
        found = _git(self.root, "config", "-z", "--get-regexp", r"^remote\..*\.url$")
        if found is None:  # no git to run: pygit2 says
            try:
                url = self._repo.remotes[name].url
            except (KeyError, ValueError):
                remotes = list(self._repo.remotes)
                url = remotes[0].url if remotes else None
            return public_url(url) if url else None
        urls: dict[str, str] = {}
        for entry in found[1].split("\0"):
            key, _, value = entry.partition("\n")
            if key.startswith("remote.") and key.endswith(".url") and value:
                urls.setdefault(key[len("remote.") : -len(".url")], value)
        url = urls.get(name) or next(iter(urls.values()), None)
        return public_url(url) if url else None

    def tags(self) -> dict[str, Tag]:
        """Every tag, peeled to its commit (one `git for-each-ref`; a tag of a tag is peeled
        through pygit2). Asked again only when a tag was made, moved or deleted since the
        last listing of this repository object (one per command)."""
        stamp = _refs_stamp(self.git_dir)
        if self._listed is not None and self._listed[0] == stamp:
            return dict(self._listed[1])
        listed_at = time.time_ns()
        out = self._list_tags()
        settled = all(mtime < listed_at - SETTLED_NS for *_, mtime in stamp)
        self._listed = (stamp, out) if settled else None
        return dict(out)

    def _list_tags(self) -> dict[str, Tag]:
        try:
            done = subprocess.run(
                ["git", "for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags"],
                cwd=self.root,
                capture_output=True,
                check=False,
            )
        except OSError:  # no git to run
            return self._tags_through_pygit2()
        if done.returncode != 0:
            return self._tags_through_pygit2()
        fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
        out: dict[str, Tag] = {}
        for i in range(0, len(fields) - len(_TAG_FIELDS), len(_TAG_FIELDS)):
            ref_name, kind, sha, peeled_kind, peeled, created, committed, message = fields[
                i : i + len(_TAG_FIELDS)
            ]
            ref_name = ref_name.lstrip("\n")
            tag: Tag | None
            if kind == "commit":
                tag = Tag(ref_name[len("refs/tags/") :], sha, False, "", _utc(int(created)))
            elif kind == "tag" and peeled_kind == "commit":
                date = int(created or committed)
                tag = Tag(ref_name[len("refs/tags/") :], peeled, True, message, _utc(date))
            elif kind == "tag" and peeled_kind == "tag":
                tag = self._tag(ref_name)  # a tag of a tag: peeled all the way down
            else:
                tag = None  # a tag of a tree or blob: not a version
            if tag is not None:
                out[tag.name] = tag
        return out

    def _tags_through_pygit2(self) -> dict[str, Tag]:
        out: dict[str, Tag] = {}
        for ref_name in self._repo.references:
            if ref_name.startswith("refs/tags/"):
                tag = self._tag(ref_name)
                if tag is not None:
                    out[tag.name] = tag
        return out

    def tag(self, name: str) -> Tag:
        tag = self.tags().get(name)
        if tag is None:
            raise VersionTagError(
                f"no tag {name!r} in this repository: create it with `git tag {name}`"
            )
        return tag

    def _tag(self, ref_name: str) -> Tag | None:
        import pygit2

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
        import pygit2

        walker = self._repo.walk(start, pygit2.enums.SortMode.TOPOLOGICAL)
        if since:
            walker.hide(since)
        return [commit.message for commit in walker]

    def read_file(self, commit: str, path: str) -> bytes | None:
        """A file's bytes as committed in `commit`, or None when it is not tracked there (or is
        a folder or a submodule there)."""
        try:
            done = subprocess.run(
                ["git", "cat-file", "blob", f"{commit}:{path}"],
                cwd=self.root,
                capture_output=True,
                check=False,
            )
        except OSError:  # no git to run: pygit2 says
            return self._read_through_pygit2(commit, path)
        return done.stdout if done.returncode == 0 else None

    def _read_through_pygit2(self, commit: str, path: str) -> bytes | None:
        import pygit2

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
        self._listed = None


@dataclass(frozen=True)
class _Where:
    """Where a repository lives: its work tree, its own git dir, the common one."""

    root: Path
    own_git_dir: Path
    git_dir: Path

    @classmethod
    def ask_git(cls, start: str) -> _Where | None:
        """What `git rev-parse` says from `start`; None when it cannot say (not a repository,
        a bare one, inside .git, no git): pygit2 then finds it, or says why not."""
        try:
            done = subprocess.run(
                [
                    "git",
                    "rev-parse",
                    "--path-format=absolute",
                    "--show-toplevel",
                    "--git-dir",
                    "--git-common-dir",
                ],
                cwd=start,
                capture_output=True,
                check=False,
            )
        except OSError:
            return None
        lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
        if done.returncode != 0 or len(lines) != 3 or not all(lines):
            return None
        root, own, common = (Path(line) for line in lines)
        return cls(root.resolve(), own.resolve(), common.resolve())

    @classmethod
    def of(cls, repo: pygit2.Repository | None) -> _Where:
        if repo is None:
            raise ValueError("a GitRepo needs a repository or where it is")
        own = Path(repo.path)
        try:  # a linked work tree's own git dir names the common one in `commondir`
            pointer = (own / "commondir").read_text(encoding="utf-8").strip()
        except OSError:
            pointer = ""
        common = own / pointer if pointer else own
        return cls(Path(repo.workdir).resolve(), own.resolve(), common.resolve())


_Stamp = tuple[tuple[str, int, int, int], ...]


def _refs_stamp(git_dir: Path) -> _Stamp:
    """Identity, size and mtime of what holds the tags: packed-refs, reftable's table list and
    every folder under refs/tags (a loose tag made, replaced or deleted changes its folder)."""
    paths = [git_dir / "packed-refs", git_dir / "reftable" / "tables.list"]
    paths += [Path(folder) for folder, _, _ in os.walk(git_dir / "refs" / "tags")]
    stamp = []
    for path in paths:
        try:
            found = path.stat()
        except OSError:
            stamp.append((str(path), 0, 0, 0))
            continue
        stamp.append((str(path), found.st_ino, found.st_size, found.st_mtime_ns))
    return tuple(stamp)


def _git(cwd: Path, *args: str) -> tuple[int, str] | None:
    """(exit status, output) of a `git` command; None when there is no git to run."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return done.returncode, done.stdout.decode("utf-8", "surrogateescape")


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)
