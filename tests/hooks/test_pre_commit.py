"""The hook set for pre-commit users (`.pre-commit-hooks.yaml`), run by the real `pre-commit`,
and pre-commit's own installed hooks living next to hfgit's."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hookhelpers import BIN, Repo, add_remote, hub_tags, wait_for, worker_idle

from hfgit import hooks

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit", path=str(BIN)) is None, reason="needs pre-commit"
)


@pytest.fixture(scope="module")
def hfgit_archive() -> bytes:
    """The committed hfgit tree (others' uncommitted work stays out)."""
    return subprocess.run(
        ["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True
    ).stdout


@pytest.fixture
def hook_repo(hfgit_archive: bytes, tmp_path: Path) -> tuple[str, str]:
    """The hfgit tree as a git repo next to the test's repos, as `../hookrepo` at a fixed commit:
    pre-commit keys its environments by (repo, rev), so every test reuses one environment."""
    path = tmp_path / "hookrepo"
    path.mkdir()
    subprocess.run(["tar", "-x", "-C", str(path)], input=hfgit_archive, check=True)
    fixed = {
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(
            ["git", *args], cwd=path, check=True, capture_output=True, env={**os.environ, **fixed}
        )
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, check=True
    )
    return "../hookrepo", rev.stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(
    repo: Repo, home: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN / "pre-commit"), *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, "PRE_COMMIT_HOME": str(home)},
        timeout=300,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"pre-commit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def use_hfgit_hooks(repo: Repo, hook_repo: tuple[str, str], *ids: str) -> None:
    path, rev = hook_repo
    listed = "".join(f"      - id: {i}\n" for i in ids)
    config = f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{listed}"
    (repo.path / ".pre-commit-config.yaml").write_text(config)
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "chore: pre-commit config", HFGIT_SKIP="1")


def test_try_repo_validate_reports_the_bad_key_with_file_and_line(
    make_repo: Callable[..., Repo], hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    repo = make_repo("tryrepo", install=False)
    (repo.path / ".hfgit.yaml").write_text("repo_id: alice/x\nmodel_dir: model\nmodle_card: oops\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "typo")
    done = pre_commit(
        repo,
        pre_commit_home,
        "try-repo",
        hook_repo[0],
        "hfgit-validate",
        "--all-files",
        check=False,
    )
    assert done.returncode == 1 and "hfgit validate .hfgit.yaml" in done.stdout
    assert ".hfgit.yaml:3: unknown key modle_card" in done.stdout


def test_pre_commit_hooks_validate_and_publish_next_to_hfgit_hooks(
    hub,
    make_repo: Callable[..., Repo],
    hook_repo: tuple[str, str],
    pre_commit_home: Path,  # type: ignore[no-untyped-def]
) -> None:
    repo = make_repo("framework", hub=hub, install=False)
    use_hfgit_hooks(repo, hook_repo, "hfgit-validate", "hfgit-push")
    pre_commit(repo, pre_commit_home, "install", "-t", "pre-commit", "-t", "pre-push")
    repo.hf("hooks", "install")  # chains pre-commit's pre-push hook
    assert (repo.git_dir / "hooks" / "pre-push.hfgit-chained").exists()
    (repo.path / ".hfgit.yaml").write_text(
        (repo.path / ".hfgit.yaml").read_text() + "base_model: gpt2\n"
    )
    repo.git("add", "-A")
    committed = repo.git("commit", "-m", "chore: base model", HFGIT_SKIP="1")
    assert "hfgit validate .hfgit.yaml" in committed.stdout + committed.stderr
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")  # no publish on tag: the pre-push stage does it
    add_remote(repo)
    pushed = repo.git("push", "origin", "main", "v1.0.0")
    assert "hfgit publish version tags to the Hub" in pushed.stdout + pushed.stderr
    assert "v1.0.0" in hub_tags(hub, "alice/framework")  # published before the push went out
    wait_for(lambda: worker_idle(repo), what="hfgit's own pre-push worker")
    titles = [c.title for c in hub.api().list_repo_commits("alice/framework")]
    assert sum("v1.0.0" in t for t in titles) == 1


def test_pre_commit_installed_after_hfgit_keeps_both_and_uninstall_restores(
    make_repo: Callable[..., Repo],
    hook_repo: tuple[str, str],
    pre_commit_home: Path,
    tmp_path: Path,
) -> None:
    repo = make_repo("after", hooks="  auto_bump: conventional\n  auto_push: false\n")
    use_hfgit_hooks(repo, hook_repo, "hfgit-validate")
    pre_commit(repo, pre_commit_home, "install", "-t", "post-commit")  # moves ours to .legacy
    hooks_dir = repo.git_dir / "hooks"
    assert hooks.is_ours(hooks_dir / "post-commit.legacy") and not hooks.is_ours(
        hooks_dir / "post-commit"
    )
    assert "post-commit            installed" in repo.hf("hooks", "status").stdout
    repo.hf("hooks", "install")  # idempotent: does not chain pre-commit's hook a second time
    assert not (hooks_dir / "post-commit.hfgit-chained").exists()
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    repo.commit("feat: wider layers")
    assert repo.git("tag", "--points-at", "HEAD").stdout.split() == ["v1.1.0"]
    repo.hf("hooks", "uninstall")
    assert not (hooks_dir / "post-commit.legacy").exists() and (hooks_dir / "post-commit").exists()


def test_pre_commit_post_commit_hook_auto_bumps(
    make_repo: Callable[..., Repo], hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    repo = make_repo(
        "pcbump", hooks="  auto_bump: conventional\n  auto_push: false\n", install=False
    )
    use_hfgit_hooks(repo, hook_repo, "hfgit-post-commit")
    pre_commit(repo, pre_commit_home, "install", "-t", "post-commit")
    repo.git("tag", "v0.3.0")
    repo.commit("fix: off-by-one in the tokenizer")
    assert repo.git("tag", "--points-at", "HEAD").stdout.split() == ["v0.3.1"]
