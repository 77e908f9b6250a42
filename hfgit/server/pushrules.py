"""What a `git push` may change: the rules of a commit through the API, applied to git's objects.

- Only branches (`refs/heads/...`) and tags (`refs/tags/...`) are pushed; both name commits.
- `main` is protected: it is never deleted, and never rewritten (a force-push that would drop
  commits from it); other branches and tags may be moved or deleted, as the API allows.
- Every path in every new commit follows git's own rules (`gitpath`); files are regular or
  executable files (no symbolic links, no submodules) of at most 10 MiB (larger ones go
  through LFS), the root `.gitattributes` at most 64 KiB.
- LFS pointers are collected, for the server to authorise against the repo, and the README.md
  of each pushed tip, for its metadata to be checked (`pushes`).

Only what the push adds is looked at: the commits no ref reached before, and in each of them
the entries that differ from its first parent's, walked iteratively whatever the depth.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pygit2

from hfgit.server.commitbody import REGULAR_FILE_MAX
from hfgit.server.gitattributes import MAX_BYTES as MAX_GITATTRIBUTES_BYTES
from hfgit.server.gitpath import path_problem
from hfgit.server.lfs import MAX_POINTER_SIZE, parse_pointer

ZERO = "0" * 40
MAIN = "refs/heads/main"
MAX_PROBLEMS = 20
TREE = pygit2.enums.FileMode.TREE
FILES = (pygit2.enums.FileMode.BLOB, pygit2.enums.FileMode.BLOB_EXECUTABLE)
LINK = pygit2.enums.FileMode.LINK


@dataclass(frozen=True)
class Update:
    """One line of a push: `ref` moves from `old` to `new` (ZERO: created / deleted)."""

    old: str
    new: str
    ref: str


@dataclass
class Review:
    """What is wrong with a push (nothing: it may go on), and the LFS objects it names."""

    problems: list[str] = field(default_factory=list)
    pointers: dict[str, tuple[int, str]] = field(default_factory=dict)  # oid -> (size, path)

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def refuse(self, problem: str) -> None:
        if not self.full:
            self.problems.append(problem)


def review_push(git: pygit2.Repository, updates: list[Update]) -> Review:
    """Check `updates` against `git`, whose object database also sees the pushed objects
    and whose refs are still those before the push."""
    review = Review()
    tips = [tip for update in updates if (tip := _check_update(git, review, update))]
    if review.problems or not tips:
        return review
    walker = git.walk(None)
    for tip in tips:
        walker.push(tip)
    for name in git.references:
        with contextlib.suppress(pygit2.GitError, KeyError, ValueError, TypeError):
            walker.hide(git.references[name].peel(pygit2.Commit).id)
    seen: set[pygit2.Oid] = set()
    for commit in walker:
        if review.full:
            break
        parent = commit.parents[0].tree if commit.parents else None
        _review_tree(git, review, commit, parent, seen)
    return review


def changed_cards(git: pygit2.Repository, updates: list[Update]) -> dict[pygit2.Oid, str]:
    """The root README.md of each pushed branch or tag where it changed (blob -> ref)."""
    found: dict[pygit2.Oid, str] = {}
    for update in updates:
        new = _readme(git, update.new)
        if new is not None and new != _readme(git, update.old):
            found.setdefault(new, update.ref)
    return found


def _readme(git: pygit2.Repository, oid: str) -> pygit2.Oid | None:
    commit = _commit_of(git, oid, branch=False) if oid != ZERO else None
    if commit is None or "README.md" not in commit.tree:
        return None
    entry = commit.tree["README.md"]
    return entry.id if entry.filemode in FILES else None


def _check_update(git: pygit2.Repository, review: Review, update: Update) -> pygit2.Oid | None:
    """Refuse what the ref update itself breaks; the commit to look into, if any."""
    old, new, ref = update.old, update.new, update.ref
    if not ref.startswith(("refs/heads/", "refs/tags/")):
        review.refuse(
            f"{ref}: only branches (refs/heads/...) and tags (refs/tags/...) can be pushed"
        )
        return None
    current = _target(git, ref)
    if current != old:
        review.refuse(f"{ref}: it moved during the push; fetch and push again")
        return None
    if new == ZERO:
        if ref == MAIN:
            review.refuse(f"Cannot delete {ref}: the default branch is protected")
        return None
    commit = _commit_of(git, new, branch=ref.startswith("refs/heads/"))
    if commit is None:
        review.refuse(f"{ref}: a branch or a tag must point at a commit")
        return None
    if ref == MAIN and old != ZERO and not _fast_forward(git, old, commit.id):
        review.refuse(
            f"{ref}: force-push refused: main is protected and its history cannot be "
            "rewritten; fetch, merge and push again"
        )
        return None
    return commit.id


def _target(git: pygit2.Repository, ref: str) -> str:
    try:
        return str(git.references[ref].target)
    except (KeyError, ValueError, pygit2.GitError):
        return ZERO


def _commit_of(git: pygit2.Repository, oid: str, branch: bool) -> pygit2.Commit | None:
    """The commit `oid` is, or (for tags) the commit an annotated tag names."""
    try:
        obj = git.get(oid)
        if isinstance(obj, pygit2.Tag) and not branch:
            return obj.peel(pygit2.Commit)
    except (ValueError, KeyError, pygit2.GitError):
        return None
    return obj if isinstance(obj, pygit2.Commit) else None


def _fast_forward(git: pygit2.Repository, old: str, new: pygit2.Oid) -> bool:
    old_id = pygit2.Oid(hex=old)
    return old_id == new or git.descendant_of(new, old_id)


def _review_tree(
    git: pygit2.Repository,
    review: Review,
    commit: pygit2.Commit,
    parent: pygit2.Tree | None,
    seen: set[pygit2.Oid],
) -> None:
    """Check the entries of `commit` that its first parent does not have as they are."""
    short = str(commit.id)[:12]
    pending: list[tuple[str, pygit2.Tree, pygit2.Tree | None]] = [("", commit.tree, parent)]
    while pending and not review.full:
        prefix, tree, base = pending.pop()
        before = {e.raw_name: (e.id, e.filemode) for e in base} if base is not None else {}
        for entry in tree:
            old = before.get(entry.raw_name)
            if old == (entry.id, entry.filemode):
                continue
            try:
                path = prefix + (entry.raw_name or b"").decode("utf-8")
            except UnicodeDecodeError:
                review.refuse(f"{short}: a path under {prefix or '/'!r} is not valid UTF-8")
                continue
            problem = path_problem(path)
            if problem is not None:
                review.refuse(f"{short}: invalid path {_shown(path)}: {problem}")
            elif entry.filemode == TREE:
                subtree = git.get(entry.id)
                old_tree = git.get(old[0]) if old and old[1] == TREE else None
                if isinstance(subtree, pygit2.Tree):
                    base_tree = old_tree if isinstance(old_tree, pygit2.Tree) else None
                    pending.append((f"{path}/", subtree, base_tree))
            elif entry.filemode in FILES:
                _review_file(git, review, entry.id, path, seen)
            else:
                kind = "a symbolic link" if entry.filemode == LINK else "a submodule"
                review.refuse(f"{short}: {_shown(path)} is {kind}; only files can be pushed")


def _review_file(
    git: pygit2.Repository, review: Review, oid: pygit2.Oid, path: str, seen: set[pygit2.Oid]
) -> None:
    _, size = git.odb.read_header(oid)
    if path == ".gitattributes" and size > MAX_GITATTRIBUTES_BYTES:
        review.refuse(f".gitattributes is limited to {MAX_GITATTRIBUTES_BYTES} bytes")
    if oid in seen:
        return
    seen.add(oid)
    if size > REGULAR_FILE_MAX:
        review.refuse(
            f"{_shown(path)} has {size} bytes: files over {REGULAR_FILE_MAX // 2**20} MiB go "
            "through LFS (git lfs track, then commit them again)"
        )
    elif size <= MAX_POINTER_SIZE:
        blob = git.get(oid)
        pointer = parse_pointer(blob.data) if isinstance(blob, pygit2.Blob) else None
        if pointer is not None:
            review.pointers.setdefault(pointer[0], (pointer[1], path))


def _shown(path: str) -> str:
    return ascii(path) if len(path) <= 200 else ascii(path[:200]) + "..."
