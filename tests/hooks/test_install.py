"""`git hf hooks install|uninstall|status`: chaining, core.hooksPath, idempotence, exact restore."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hookhelpers import Repo, add_remote

from hfgit import hooks
from hfgit.errors import HfgitError
from hfgit.hooks import shim

FOREIGN = """#!/bin/sh
# someone else's hook
echo "foreign $(basename "$0") ran with: $*" >&2
cat >"$(dirname "$0")/../foreign-stdin-$(basename "$0")"
exit ${FOREIGN_EXIT:-0}
"""

OLD_SHIMS = Path(__file__).parent / "fixtures" / "shims-0.1.0"  # as hfgit 0.1.0 wrote them

LFS_HOOK = """#!/bin/sh
command -v git-lfs >/dev/null 2>&1 || { printf >&2 "\\n%s\\n\\n" "This repository is configured for Git LFS but 'git-lfs' was not found on your path."; exit 2; }
git lfs {name} "$@"
"""


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(directory.iterdir())
    }


def test_install_writes_the_shims_and_reinstall_changes_nothing(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo()
    hooks_dir = repo.git_dir / "hooks"
    for name in ("reference-transaction", "pre-push"):
        assert hooks.is_ours(hooks_dir / name) and os.access(hooks_dir / name, os.X_OK)
    assert not (hooks_dir / "post-commit").exists()  # auto_bump is off: no Python per commit
    before = snapshot(hooks_dir)
    assert "up to date" in repo.hf("hooks", "install").stderr
    assert snapshot(hooks_dir) == before


def test_uninstall_restores_the_hooks_directory_byte_for_byte(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(install=False)
    hooks_dir = repo.git_dir / "hooks"
    (hooks_dir / "pre-push").write_text(FOREIGN)
    (hooks_dir / "pre-push").chmod(0o750)
    (hooks_dir / "reference-transaction").write_bytes(b"#!/bin/sh\n\x00binary-ish\nexit 0\n")
    (hooks_dir / "reference-transaction").chmod(0o700)
    before = snapshot(hooks_dir)
    out = repo.hf("hooks", "install").stderr
    assert "chained the existing hook" in out
    repo.hf("hooks", "install")  # twice: still one chained copy
    assert (hooks_dir / "pre-push.hfgit-chained").read_text() == FOREIGN
    repo.hf("hooks", "uninstall")
    assert snapshot(hooks_dir) == before


def test_chained_pre_push_hook_keeps_its_output_stdin_and_exit_code(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(install=False)
    (repo.git_dir / "hooks" / "pre-push").write_text(FOREIGN)
    (repo.git_dir / "hooks" / "pre-push").chmod(0o755)
    repo.hf("hooks", "install")
    add_remote(repo)
    pushed = repo.git("push", "-q", "origin", "main")
    assert "foreign pre-push.hfgit-chained ran with: origin" in pushed.stderr
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    assert (
        (repo.git_dir / "foreign-stdin-pre-push.hfgit-chained")
        .read_text()
        .startswith(f"refs/heads/main {head}")
    )
    repo.commit("second")
    refused = repo.git("push", "-q", "origin", "main", check=False, FOREIGN_EXIT="7")
    assert refused.returncode != 0 and "foreign pre-push.hfgit-chained ran" in refused.stderr
    ran = subprocess.run(
        [str(repo.git_dir / "hooks" / "pre-push"), "origin", "url"],
        input="",
        capture_output=True,
        text=True,
        cwd=repo.path,
        env={**repo.env, "FOREIGN_EXIT": "7"},
    )
    assert ran.returncode == 7


def test_chained_reference_transaction_hook_can_still_refuse_an_update(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(install=False)
    foreign = '#!/bin/sh\n[ "$1" = prepared ] && grep -q refs/tags/blocked && { echo "no blocked tags" >&2; exit 1; }\nexit 0\n'
    (repo.git_dir / "hooks" / "reference-transaction").write_text(foreign)
    (repo.git_dir / "hooks" / "reference-transaction").chmod(0o755)
    repo.hf("hooks", "install")
    refused = repo.git("tag", "blocked", check=False)
    assert refused.returncode != 0 and "no blocked tags" in refused.stderr
    assert repo.git("tag", "-l", "blocked").stdout == ""
    repo.git("tag", "fine")


def test_install_refuses_when_a_foreign_hook_and_a_chained_one_both_exist(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(install=False)
    for name in ("pre-push", "pre-push.hfgit-chained"):
        (repo.git_dir / "hooks" / name).write_text(FOREIGN)
    with pytest.raises(HfgitError, match=r"pre-push\.hfgit-chained is already there"):
        hooks.install(repo.path)


def test_git_lfs_hooks_keep_working(make_repo: Callable[..., Repo], tmp_path: Path) -> None:
    repo = make_repo(install=False, hooks="  auto_bump: conventional\n")
    bindir = tmp_path / "lfs-bin"
    bindir.mkdir()
    record = tmp_path / "lfs-calls"
    fake = bindir / "git-lfs"  # git-lfs is not installed here: a stand-in that records its calls
    fake.write_text(f'#!/bin/sh\n{{ echo "lfs $*"; cat; }} >>"{record}"\n')
    fake.chmod(0o755)
    repo.env["PATH"] = f"{bindir}{os.pathsep}{repo.env['PATH']}"
    for name in ("pre-push", "post-commit", "post-checkout", "post-merge"):
        path = repo.git_dir / "hooks" / name
        path.write_text(LFS_HOOK.replace("{name}", name))
        path.chmod(0o755)
    before = snapshot(repo.git_dir / "hooks")
    repo.hf("hooks", "install")
    add_remote(repo)
    repo.commit("docs: readme", file="README.md")
    repo.git("push", "-q", "origin", "main")
    calls = record.read_text()
    assert "lfs post-commit" in calls
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    assert (
        f"lfs pre-push origin {repo.path.parent}" in calls
        and f"refs/heads/main {head} refs/heads/main" in calls
    )
    repo.hf("hooks", "uninstall")
    assert snapshot(repo.git_dir / "hooks") == before


def test_core_hooks_path_inside_the_repository_is_honoured(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo(install=False)
    repo.git("config", "core.hooksPath", ".githooks")
    repo.hf("hooks", "install")
    assert hooks.is_ours(repo.path / ".githooks" / "reference-transaction")
    assert not (repo.git_dir / "hooks" / "reference-transaction").exists()
    assert "reference-transaction  installed" in repo.hf("hooks", "status").stdout


def test_core_hooks_path_outside_the_repository_is_refused_unless_shared(
    make_repo: Callable[..., Repo], tmp_path: Path
) -> None:
    repo = make_repo(install=False)
    shared = tmp_path / "shared-hooks"
    repo.git("config", "core.hooksPath", str(shared))
    refused = repo.hf("hooks", "install", check=False)
    assert refused.returncode == 1 and "--shared" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    repo.hf("hooks", "install", "--shared")
    assert hooks.is_ours(shared / "pre-push")


def test_status_says_when_the_installed_shims_are_stale(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    repo.configure("http://127.0.0.1:9", repo_id="alice/work", hooks="  auto_bump: conventional\n")
    (repo.path / ".hfgit.yaml").write_text(
        (repo.path / ".hfgit.yaml").read_text() + "tag_prefix: release-\n"
    )
    out = repo.hf("hooks", "status").stdout
    assert "reference-transaction  stale" in out and "post-commit            missing" in out
    repo.hf("hooks", "install")
    states = {s.name: s.state for s in hooks.status(repo.path)}
    assert states == {
        "reference-transaction": "installed",
        "pre-push": "installed",
        "post-commit": "installed",
    }


def test_turning_a_hook_off_in_the_config_removes_it_on_install(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(hooks="  auto_bump: conventional\n")
    assert hooks.is_ours(repo.git_dir / "hooks" / "post-commit")
    repo.configure("http://127.0.0.1:9", repo_id="alice/work", hooks="  pre_push: 'off'\n")
    out = repo.hf("hooks", "install").stderr
    assert "post-commit: removed" in out and "pre-push: removed" in out
    assert not (repo.git_dir / "hooks" / "post-commit").exists()


def test_install_upgrades_an_earlier_versions_shims_in_place_keeping_the_chained_hook(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(install=False, hooks="  auto_bump: conventional\n")
    hooks_dir = repo.git_dir / "hooks"
    for name in hooks.HOOK_NAMES:
        (hooks_dir / name).write_text((OLD_SHIMS / name).read_text())
        (hooks_dir / name).chmod(0o755)
    (hooks_dir / "pre-push.hfgit-chained").write_text(FOREIGN)
    (hooks_dir / "pre-push.hfgit-chained").chmod(0o750)
    foreign = snapshot(hooks_dir)["pre-push.hfgit-chained"]
    assert "pre-push               stale" in repo.hf("hooks", "status").stdout
    out = repo.hf("hooks", "install").stderr
    assert "chained the existing hook" not in out
    assert all(f"{name}: updated" in out for name in hooks.HOOK_NAMES), out
    assert {s.state for s in hooks.status(repo.path)} == {"installed"}
    assert snapshot(hooks_dir)["pre-push.hfgit-chained"] == foreign
    for name in hooks.HOOK_NAMES:
        text = (hooks_dir / name).read_text()
        assert shim.MARKER_ID in text and "# hfgit-hook:" not in text
    add_remote(repo)
    pushed = repo.git("push", "-q", "origin", "main")
    assert "foreign pre-push.hfgit-chained ran with: origin" in pushed.stderr
    repo.hf("hooks", "uninstall")
    assert snapshot(hooks_dir)["pre-push"] == foreign
    assert not any((hooks_dir / name).exists() for name in ("reference-transaction", "post-commit"))


def test_install_upgrades_an_earlier_shim_that_pre_commit_moved_to_legacy(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo(install=False, hooks="  auto_bump: conventional\n")
    hooks_dir = repo.git_dir / "hooks"
    pre_commits = "#!/bin/sh\n# stands in for pre-commit's hook, which runs post-commit.legacy\n"
    (hooks_dir / "post-commit").write_text(pre_commits)
    (hooks_dir / "post-commit.legacy").write_text((OLD_SHIMS / "post-commit").read_text())
    out = repo.hf("hooks", "install").stderr
    assert "post-commit: updated" in out and "as post-commit.legacy" in out
    assert (hooks_dir / "post-commit").read_text() == pre_commits
    assert not (hooks_dir / "post-commit.hfgit-chained").exists()
    assert shim.MARKER_ID in (hooks_dir / "post-commit.legacy").read_text()
