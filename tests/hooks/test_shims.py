"""The shim texts: one source, valid sh, patterns rendered from the config, cheap filtering."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hfgit.config import parse_config
from hfgit.hooks import shim

ROOT = Path(__file__).resolve().parents[2]
ZERO = "0" * 40
SHA = "1" * 40


def config(extra: str = ""):  # type: ignore[no-untyped-def]
    return parse_config(f"repo_id: alice/m\nmodel_dir: model\n{extra}", Path(".hfgit.yaml"))


@pytest.mark.parametrize("name", shim.HOOK_NAMES)
def test_shipped_hooks_are_identical_to_the_package_shims(name: str) -> None:
    assert (ROOT / "hooks" / name).read_text() == shim.shim_text(name)
    assert (ROOT / "hfgit" / "shims" / name).stat().st_mode & 0o111


@pytest.mark.parametrize("name", shim.HOOK_NAMES)
def test_shims_are_valid_posix_sh_and_marked(name: str) -> None:
    text = shim.render(name, config())
    assert text.startswith("#!/bin/sh\n") and shim.MARKER + name in text
    subprocess.run(["sh", "-n", "-c", text], check=True)


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        ("", "v[0-9]*.[0-9]*.[0-9]*"),
        ("tag_prefix: release-\n", "release-[0-9]*.[0-9]*.[0-9]*"),
        ("tag_pattern: timestamp\n", "v" + "[0-9]" * 8 + "-" + "[0-9]" * 6),
        ("tag_pattern: experiment\n", "exp-*-[0-9]*"),
        ("tag_prefix: 'a;b$'\n", "a\\;b\\$[0-9]*.[0-9]*.[0-9]*"),
    ],
)
def test_render_bakes_the_configured_tag_pattern(extra: str, pattern: str) -> None:
    text = shim.render("reference-transaction", config(extra), git_hf="/opt/x/git-hf")
    assert f"  case $1 in {pattern}) return 0 ;; esac" in text
    assert "fallback='/opt/x/git-hf'  # hfgit:exe" in text


def run_shim(tmp_path: Path, name: str, stdin: str, *args: str, extra: str = "") -> str:
    """Run a rendered shim outside git with a fake git-hf and git; return what they were asked."""
    hook = tmp_path / name
    hook.write_text(shim.render(name, config(extra), git_hf=""))
    hook.chmod(0o755)
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    for tool in ("git-hf", "git"):
        fake = bindir / tool
        fake.write_text(
            f'#!/bin/sh\necho "{tool} $*" >>"{tmp_path}/calls"\necho "{tmp_path}/gitdir"\n'
        )
        fake.chmod(0o755)
    env = {"PATH": f"{bindir}:/usr/bin:/bin"}
    subprocess.run(
        [str(hook), *args], input=stdin, text=True, env=env, cwd=tmp_path, check=True, timeout=30
    )
    calls = tmp_path / "calls"
    return calls.read_text() if calls.exists() else ""


@pytest.mark.parametrize(
    ("state", "line"),
    [
        ("prepared", f"{ZERO} {SHA} refs/tags/v1.0.0"),  # not committed yet
        ("committed", f"{SHA} {SHA} refs/tags/v1.0.0"),  # moved, not created
        ("committed", f"{SHA} {ZERO} refs/tags/v1.0.0"),  # deleted
        ("committed", f"{ZERO} {SHA} refs/tags/nightly"),  # not a version tag
        ("committed", f"{ZERO} {SHA} refs/tags/x/v1.0.0"),  # nested name
        ("committed", f"{ZERO} {SHA} refs/heads/v1.0.0"),  # a branch
        ("committed", f"{ZERO} {SHA} HEAD"),
    ],
)
def test_reference_transaction_shim_ignores_everything_but_created_version_tags(
    tmp_path: Path, state: str, line: str
) -> None:
    assert run_shim(tmp_path, "reference-transaction", line + "\n", state) == ""


def test_reference_transaction_shim_queues_a_created_version_tag(tmp_path: Path) -> None:
    (tmp_path / "gitdir").mkdir()
    lines = f"{ZERO} {SHA} refs/heads/main\n{ZERO} {SHA} refs/tags/v1.0.0\n"
    calls = run_shim(tmp_path, "reference-transaction", lines, "committed")
    assert (tmp_path / "gitdir" / "hfgit" / "queue" / "v1.0.0").read_text() == f"sha={SHA}\n"
    for _ in range(200):  # the git-hf call runs in the background
        if "git-hf hook" in calls:
            break
        subprocess.run(["sleep", "0.02"], check=True)
        calls = (tmp_path / "calls").read_text()
    assert "git-hf hook reference-transaction v1.0.0" in calls


def test_pre_push_shim_starts_python_only_for_pushed_version_tags(tmp_path: Path) -> None:
    branch_and_deletion = (
        f"refs/heads/main {SHA} refs/heads/main {ZERO}\n(delete) {ZERO} refs/tags/v0.9.0 {SHA}\n"
    )
    assert run_shim(tmp_path, "pre-push", branch_and_deletion, "origin", "url") == ""
    tags = f"refs/tags/v1.0.0 {SHA} refs/tags/v1.0.0 {ZERO}\nrefs/tags/v1.1.0 {SHA} refs/tags/v1.1.0 {ZERO}\n"
    calls = run_shim(tmp_path, "pre-push", tags, "origin", "url")
    assert calls == "git-hf hook pre-push origin url v1.0.0 v1.1.0\n"


def test_sh_pattern_quotes_literals_and_keeps_wildcards() -> None:
    assert shim.sh_pattern("v[0-9]*") == "v[0-9]*"
    assert shim.sh_pattern("a\\*b?") == "a\\*b?"
    assert shim.sh_pattern("x y|z") == "x\\ y\\|z"
