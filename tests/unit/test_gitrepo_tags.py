"""Tags and the repository's place are read with the git command line (no pygit2 import on
the way of `git hf log`, `status` and a push): the answers are the ones pygit2 gives, for every
kind of tag, branch state and remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hfgit.errors import NotAGitRepoError
from hfgit.gitrepo import GitRepo


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "one")
    git(root, "tag", "-a", "v1.0.0", "-m", "first\n\nwith a body")
    git(root, "commit", "-q", "--allow-empty", "-m", "two")
    git(root, "tag", "v1.1.0")  # lightweight
    git(root, "-c", "advice.nestedTag=false", "tag", "-a", "v1.2.0", "v1.0.0", "-m", "nested")
    git(root, "tag", "tree-tag", "HEAD^{tree}")
    (tmp_path / "blob").write_text("a blob\n")
    git(root, "tag", "-a", "blob-tag", "-m", "blob", git(root, "hash-object", "-w", "../blob"))
    git(root, "pack-refs", "--all")  # some in packed-refs, one loose
    git(root, "tag", "-a", "v2.0.0", "-m", "loose")
    return root


def test_every_tag_reads_as_pygit2_reads_it(repo: Path):
    found = GitRepo.discover(repo)

    tags = found.tags()

    assert sorted(tags) == ["v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0"]  # no tree or blob tag
    for name, tag in tags.items():
        assert tag == found._tag(f"refs/tags/{name}")  # one tag, read through pygit2
        assert found.tag(name) == tag
        assert tag.commit == git(repo, "rev-parse", f"{name}^{{commit}}")
    assert tags["v1.2.0"].commit == tags["v1.0.0"].commit  # a tag of a tag, peeled through
    assert tags["v1.0.0"].annotated and not tags["v1.1.0"].annotated
    assert tags["v1.0.0"].message == "first\n\nwith a body\n"


def test_a_linked_work_tree_and_the_git_dir_find_the_same_repository(repo: Path, tmp_path: Path):
    git(repo, "worktree", "add", "-q", str(tmp_path / "linked"))

    main = GitRepo.discover(repo)
    linked = GitRepo.discover(tmp_path / "linked")
    inside = GitRepo.discover(repo / ".git")

    assert linked.git_dir == main.git_dir == (repo / ".git").resolve()
    assert linked.root == (tmp_path / "linked").resolve()
    assert inside.root == main.root == repo.resolve()
    assert linked.tags() == main.tags()
    assert linked.head_commit() == main.head_commit()


def test_outside_a_repository_and_in_a_bare_one_say_so(tmp_path: Path):
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    alone = tmp_path / "alone"
    alone.mkdir()

    with pytest.raises(NotAGitRepoError, match="bare repository"):
        GitRepo.discover(bare)
    with pytest.raises(NotAGitRepoError, match="not inside a git repository"):
        GitRepo.discover(alone)


def pygit2_branch(root: Path) -> str | None:
    import pygit2

    repo = pygit2.Repository(str(root))
    return None if repo.head_is_unborn or repo.head_is_detached else repo.head.shorthand


def test_the_branch_checked_out_reads_as_pygit2_reads_it(repo: Path, tmp_path: Path):
    seen = []
    git(repo, "tag", "feature")  # a tag named like the branch below: still the branch's name
    for state in (
        ["checkout", "-q", "-b", "feature"],
        ["checkout", "-q", "--detach"],
        ["checkout", "-q", "--orphan", "fresh"],  # no commit yet
        ["checkout", "-q", "-f", "main"],
    ):
        git(repo, *state)
        seen.append(GitRepo.discover(repo).current_branch())
        assert seen[-1] == pygit2_branch(repo)

    assert seen == ["feature", None, None, "main"]
    git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "linked"))
    assert GitRepo.discover(tmp_path / "linked").current_branch() == "side"


def test_the_remote_url_is_origins_else_the_first_remotes_without_credentials(repo: Path):
    assert GitRepo.discover(repo).remote_url() is None
    git(repo, "remote", "add", "my.fork", "https://user:secret@example.com/fork.git")
    assert GitRepo.discover(repo).remote_url() == "https://example.com/fork.git"
    git(repo, "remote", "add", "origin", "git@example.com:team/model.git")

    found = GitRepo.discover(repo)

    assert found.remote_url() == "git@example.com:team/model.git"
    assert found.remote_url("my.fork") == "https://example.com/fork.git"
    assert found.remote_url("absent") == pygit2_first_remote(repo) == "https://example.com/fork.git"


def pygit2_first_remote(root: Path) -> str:
    import pygit2

    from hfgit.secrets import public_url

    return public_url(next(iter(pygit2.Repository(str(root)).remotes)).url)


def test_a_committed_file_reads_as_pygit2_reads_it(repo: Path):
    (repo / "configs").mkdir()
    (repo / "configs" / "train.yaml").write_text("lr: 0.1\n")
    (repo / "weights.bin").write_bytes(bytes(range(256)) * 4)
    (repo / "link").symlink_to("configs/train.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "configs" / "train.yaml").write_text("lr: 0.2\n")
    git(repo, "commit", "-q", "-am", "change")
    found = GitRepo.discover(repo)

    for path in ("configs/train.yaml", "weights.bin", "link", "configs", "absent.yaml", "a/b"):
        assert found.read_file(first, path) == found._read_through_pygit2(first, path), path

    assert found.read_file(first, "configs/train.yaml") == b"lr: 0.1\n"
    assert found.read_file(git(repo, "rev-parse", "HEAD"), "configs/train.yaml") == b"lr: 0.2\n"
    assert found.read_file(first, "weights.bin") == bytes(range(256)) * 4
    assert found.read_file(first, "configs") is None  # a folder is not a file
