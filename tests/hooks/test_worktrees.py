"""Linked work trees (`git worktree add`) share hfgit's state: the queue, the publish lock,
the caches and the failure flag all live under the common git dir."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from hookhelpers import BIN, Repo, hub_tags, wait_for, worker_free

from hfgit.fsio import locked
from hfgit.hooks import queue


def _worktree(repo: Repo, tmp_path: Path) -> Repo:
    path = tmp_path / "second-tree"
    repo.git("worktree", "add", "-q", "-b", "second", str(path))
    return Repo(path, dict(repo.env))


def test_a_push_in_a_worktree_waits_for_the_publisher_of_the_main_tree(
    hub, make_repo: Callable[..., Repo], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("shared", hub=hub, install=False)
    tree = _worktree(repo, tmp_path)
    tree.git("tag", "v1.0.0")
    queue.enqueue(repo.git_dir, "v1.0.0")  # as the hook does, in the common git dir
    assert "queued for background publish: v1.0.0" in tree.hf("status").stdout

    with locked(repo.git_dir / "hfgit" / "push.lock"):  # the background publisher's lock
        push = subprocess.Popen(
            [str(BIN / "git-hf"), "push", "v1.0.0"],
            cwd=tree.path,
            env=tree.env,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert push.stderr is not None
        first = push.stderr.readline()  # blocks until the push says it waits
        assert "waiting for the background publish of v1.0.0" in first
        assert "v1.0.0" not in hub_tags(hub, "alice/shared")
    _, err = push.communicate(timeout=120)
    assert push.returncode == 0, err
    assert "v1.0.0" in hub_tags(hub, "alice/shared")
    assert queue.queued(repo.git_dir) == []
    own = repo.git_dir / "worktrees" / "second-tree"
    assert own.is_dir() and not (own / "hfgit").exists()  # no state of its own
    assert (repo.git_dir / "hfgit" / "hash-cache.json").is_file()


def test_a_tag_made_in_a_worktree_is_queued_and_published_once(
    hub, make_repo: Callable[..., Repo], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("tagged-there", hub=hub)
    tree = _worktree(repo, tmp_path)
    tree.git("tag", "v1.0.0")
    wait_for(lambda: "v1.0.0" in hub_tags(hub, "alice/tagged-there"), what="v1.0.0 on the Hub")
    wait_for(lambda: worker_free(repo) and repo.queue() == [], what="the worker to finish")
    assert "published v1.0.0" in repo.log()
    assert "published" in repo.hf("status").stdout and repo.queue() == []


def test_a_worktree_shows_the_failure_flag_of_the_common_git_dir(
    make_repo: Callable[..., Repo], tmp_path: Path
) -> None:
    repo = make_repo("flagged")
    tree = _worktree(repo, tmp_path)
    line = "hfgit: v1.0.0 was refused in the background: a reason"
    (repo.git_dir / "hfgit").mkdir(exist_ok=True)
    (repo.git_dir / "hfgit" / "failed").write_text(line + "\n")
    (tree.path / "notes.txt").write_text("notes\n")
    tree.git("add", "notes.txt")
    assert tree.git("commit", "-q", "-m", "notes").stderr.strip() == line
    (repo.git_dir / "hfgit" / "failed").unlink()
    (tree.path / "notes.txt").write_text("more notes\n")
    assert tree.git("commit", "-q", "-am", "more").stderr == ""
