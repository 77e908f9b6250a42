"""Only tags made here are published: tags pushed into the repository, fetched, pulled or
cloned, and deleted tags, queue nothing (real git, the installed shims)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hookhelpers import Repo


def _clone(repo: Repo, tmp_path: Path, name: str = "elsewhere") -> Repo:
    subprocess.run(
        ["git", "clone", "-q", str(repo.path), str(tmp_path / name)], check=True, env=repo.env
    )
    return Repo(tmp_path / name, dict(repo.env))


@pytest.mark.parametrize(
    "receive_pack",
    [None, "git receive-pack", "git-receive-pack"],
    ids=["default", "git-receive-pack-spaced", "git-receive-pack"],
)
def test_tags_pushed_into_the_repository_are_not_published(
    make_repo: Callable[..., Repo],
    recorder: Callable[[Repo], Path],
    tmp_path: Path,
    receive_pack: str | None,
) -> None:
    repo = make_repo("target")
    calls = recorder(repo)
    other = _clone(repo, tmp_path)
    other.commit("someone else's model")
    other.git("tag", "v2.0.0")
    other.git("tag", "-a", "v2.1.0", "-m", "annotated")
    how = [f"--receive-pack={receive_pack}"] if receive_pack else []
    other.git("push", "-q", *how, "origin", "v2.0.0", "v2.1.0")
    assert {"v2.0.0", "v2.1.0"} <= set(repo.git("tag").stdout.split())
    assert repo.queue() == [] and not calls.exists()


def test_deleting_a_version_tag_queues_nothing(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path]
) -> None:
    repo = make_repo("deleting")
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    repo.git("tag", "-a", "v1.1.0", "-m", "annotated", HFGIT_SKIP="1")
    calls = recorder(repo)
    repo.git("tag", "-d", "v1.0.0", "v1.1.0")
    repo.git("pack-refs", "--all")
    repo.git("tag", "v1.2.0", HFGIT_SKIP="1")
    repo.git("pack-refs", "--all")
    repo.git("tag", "-d", "v1.2.0")  # a packed tag: deleted in the packed-refs file
    assert repo.queue() == [] and not calls.exists()


def test_a_clone_whose_template_holds_the_shims_publishes_none_of_its_tags(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path], tmp_path: Path
) -> None:
    repo = make_repo("upstream")
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    template = tmp_path / "template"
    (template / "hooks").mkdir(parents=True)
    shim = (repo.git_dir / "hooks" / "reference-transaction").read_bytes()
    (template / "hooks" / "reference-transaction").write_bytes(shim)
    (template / "hooks" / "reference-transaction").chmod(0o755)
    calls = recorder(repo)
    down = tmp_path / "down"
    subprocess.run(
        ["git", "clone", "-q", f"--template={template}", str(repo.path), str(down)],
        check=True,
        env=repo.env,
    )
    assert (down / ".git" / "hooks" / "reference-transaction").exists()
    assert (
        "v1.0.0"
        in subprocess.run(
            ["git", "tag"], cwd=down, capture_output=True, text=True, check=True
        ).stdout
    )
    assert not (down / ".git" / "hfgit").exists() and not calls.exists()


def test_git_tag_and_an_alias_of_it_still_queue(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path]
) -> None:
    repo = make_repo("aliased", install=True)
    calls = recorder(repo)
    repo.git("config", "alias.release", "tag -a")
    repo.git("config", "alias.grab", "fetch")
    repo.git("release", "v1.0.0", "-m", "by alias")
    repo.git("-c", "user.name=someone", "tag", "v1.1.0")
    repo.git("update-ref", "refs/tags/v1.2.0", "HEAD")  # plumbing: not a tag made by hand
    queued = set(repo.queue()) | set(
        line.split()[-1]
        for line in calls.read_text().splitlines()
        if "reference-transaction" in line
    )
    assert {"v1.0.0", "v1.1.0"} <= queued and "v1.2.0" not in queued
