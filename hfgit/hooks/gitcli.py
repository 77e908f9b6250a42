"""The few git facts the hook machinery needs, read with the `git` CLI (no pygit2 on the hook path)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from hfgit.errors import HfgitError, NotAGitRepoError

REFERENCE_TRANSACTION_SINCE = (2, 28)


def git(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    """Run `git ARGS` and return its stdout without the trailing newline."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise HfgitError(f"cannot run git ({e.strerror}): install git and put it on PATH") from e
    if check and done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise HfgitError(f"git {' '.join(args)} failed: {message[0]}")
    return done.stdout.rstrip("\n")


def git_dir(start: Path | None = None) -> Path:
    """The common git directory (shared by all work trees) of the repository at `start`."""
    where = start or Path.cwd()
    try:
        out = git("rev-parse", "--git-common-dir", cwd=where)
    except HfgitError:
        raise NotAGitRepoError(
            f"{where} is not inside a git repository: run `git init` first"
        ) from None
    path = Path(out)
    return (path if path.is_absolute() else where / path).resolve()


def own_git_dir(repo_root: Path) -> Path:
    """This work tree's own git dir (a linked work tree's differs from the common one): where
    git keeps the state of a rebase, merge or cherry-pick under way."""
    path = Path(git("rev-parse", "--git-dir", cwd=repo_root))
    return (path if path.is_absolute() else repo_root / path).resolve()


def work_tree(start: Path | None = None) -> Path:
    """The top of the work tree containing `start` (the repository root)."""
    where = start or Path.cwd()
    try:
        return Path(git("rev-parse", "--show-toplevel", cwd=where)).resolve()
    except HfgitError:
        raise NotAGitRepoError(
            f"{where} is not inside a git work tree: run `git init` first"
        ) from None


def hooks_dir(repo_root: Path) -> Path:
    """Where git looks for hooks: core.hooksPath when set, else <git-dir>/hooks."""
    out = Path(git("rev-parse", "--git-path", "hooks", cwd=repo_root))
    return (out if out.is_absolute() else repo_root / out).resolve()


def hooks_path_setting(repo_root: Path) -> tuple[str, str] | None:
    """(value, origin) of core.hooksPath, or None when it is not set."""
    out = git("config", "--show-origin", "--get", "core.hooksPath", cwd=repo_root, check=False)
    if not out:
        return None
    origin, _, value = out.partition("\t")
    return value, origin


def version() -> tuple[int, int]:
    """The (major, minor) version of the git on PATH."""
    match = re.search(r"(\d+)\.(\d+)", git("--version"))
    return (int(match[1]), int(match[2])) if match else (0, 0)


def has_reference_transaction() -> bool:
    return version() >= REFERENCE_TRANSACTION_SINCE


def local_tags(repo_root: Path) -> set[str]:
    return set(
        git("for-each-ref", "--format=%(refname:strip=2)", "refs/tags", cwd=repo_root).split()
    )


def tag_commits(repo_root: Path) -> dict[str, str]:
    """Every tag and the commit it is on (an annotated tag's, peeled)."""
    out = git(
        "for-each-ref",
        "--format=%(refname:strip=2) %(objectname) %(*objectname)",
        "refs/tags",
        cwd=repo_root,
    )
    found = {}
    for line in out.splitlines():
        name, sha, *peeled = line.split()
        found[name] = peeled[0] if peeled else sha
    return found


def head_branch(repo_root: Path) -> str | None:
    out = git("symbolic-ref", "-q", "--short", "HEAD", cwd=repo_root, check=False)
    return out or None


def head_message(repo_root: Path) -> str:
    return git("log", "-1", "--format=%B", cwd=repo_root)


def commits(
    repo_root: Path, until: str, since: str | None = None, limit: int | None = None
) -> list[tuple[str, list[str]]]:
    """(message, paths it changed) of each commit reachable from `until` but not from `since`
    (at most `limit`), newest first (a merge lists no paths: its changes are its parents')."""
    hide = [f"^{since}"] if since else []
    if limit is not None:
        hide.append(f"--max-count={limit}")
    out = git(
        "-c",
        "core.quotePath=false",
        "log",
        "--format=%x1e%B%x1f",
        "--name-only",
        "--no-renames",
        *hide,
        until,
        "--",
        cwd=repo_root,
    )
    found = []
    for record in out.split("\x1e")[1:]:
        message, _, paths = record.partition("\x1f")
        found.append((message.strip(), [p for p in paths.splitlines() if p]))
    return found


def points_at_head(repo_root: Path) -> set[str]:
    return set(git("tag", "--points-at", "HEAD", cwd=repo_root).split())


def is_ancestor(repo_root: Path, ancestor: str, rev: str) -> bool:
    done = subprocess.run(
        ["git", "merge-base", "--is-ancestor", ancestor, rev],
        cwd=repo_root,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def in_progress(git_dir: Path) -> str | None:
    """The multi-commit operation under way (rebase, cherry-pick, ...) in the work tree whose
    own git dir is `git_dir`, if any."""
    for name, what in (
        ("rebase-merge", "rebase"),
        ("rebase-apply", "rebase"),
        ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"),
        ("MERGE_HEAD", "merge"),
        ("BISECT_LOG", "bisect"),
    ):
        if (git_dir / name).exists():
            return what
    action = os.environ.get("GIT_REFLOG_ACTION", "")
    return (
        action.split()[0]
        if action.split()[:1] and action.startswith(("rebase", "cherry-pick"))
        else None
    )
