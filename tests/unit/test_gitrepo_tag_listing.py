"""Within one command the tags are listed once, unless one was made, moved or deleted since:
what holds them (packed-refs, the folders of refs/tags) is compared before the listing is
used again."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from hfgit.gitrepo import GitRepo


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def settle(root: Path) -> None:
    """Date what holds the tags a minute back, as if the last tag was made a while ago."""
    past = time.time_ns() - 60 * 10**9
    git_dir = root / ".git"
    held = [git_dir / "packed-refs", *(Path(f) for f, _, _ in os.walk(git_dir / "refs" / "tags"))]
    for path in held:
        if path.exists():
            os.utime(path, ns=(past, past))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "one")
    git(root, "tag", "-a", "v1.0.0", "-m", "first")
    git(root, "commit", "-q", "--allow-empty", "-m", "two")
    git(root, "tag", "v1.1.0")
    git(root, "pack-refs", "--all")
    git(root, "tag", "-a", "v2.0.0", "-m", "loose")
    return root


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every `git for-each-ref` run from now on."""
    seen: list[list[str]] = []
    real = subprocess.run

    def run(args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        if "for-each-ref" in args:
            seen.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    return seen


def test_tags_are_listed_once_while_none_changes(repo, listings):
    settle(repo)
    found = GitRepo.discover(repo)

    first, again = found.tags(), found.tags()

    assert first == again and sorted(first) == ["v1.0.0", "v1.1.0", "v2.0.0"]
    assert len(listings) == 1


CHANGES = {
    "a loose tag made": (["tag", "v3.0.0"], {"v1.0.0", "v1.1.0", "v2.0.0", "v3.0.0"}),
    "one in a folder made": (["tag", "line/v4"], {"v1.0.0", "v1.1.0", "v2.0.0", "line/v4"}),
    "a packed tag deleted": (["tag", "-d", "v1.1.0"], {"v1.0.0", "v2.0.0"}),
    "a loose tag moved": (["tag", "-f", "v2.0.0", "HEAD~1"], {"v1.0.0", "v1.1.0", "v2.0.0"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_tag_changed_after_the_listing_is_seen(repo, listings, change):
    command, expected = CHANGES[change]
    settle(repo)
    found = GitRepo.discover(repo)
    found.tags()

    git(repo, *command)
    tags = found.tags()

    assert set(tags) == expected
    assert tags["v2.0.0"].commit == git(repo, "rev-parse", "v2.0.0^{commit}")
    assert len(listings) == 2


def test_tags_changed_just_before_a_listing_are_listed_again(repo, listings):
    found = GitRepo.discover(repo)  # the fixture made its tags a moment ago

    found.tags()
    found.tags()

    assert len(listings) == 2
