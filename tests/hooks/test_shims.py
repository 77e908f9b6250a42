"""The shim texts: one template, valid sh, generated copies in hooks/, cheap filtering."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hookhelpers import wait_for

from hfgit.config import parse_config
from hfgit.hooks import shim
from hfgit.hooks.install import shim_for
from hfgit.versioning import TagScheme

ROOT = Path(__file__).resolve().parents[2]
ZERO = "0" * 40
SHA = "1" * 40
DEFAULT_GLOBS = TagScheme().shell_globs()


def test_shipped_hooks_are_the_template_rendered(tmp_path: Path) -> None:
    generated = {p.name: p.read_text() for p in shim.write_shipped(tmp_path)}
    shipped = {p.name: p.read_text() for p in (ROOT / "hooks").iterdir() if p.name != "README.md"}
    assert shipped == generated, "hooks/ is stale: run `python -m hfgit.hooks --write hooks/`"
    assert all(os.access(ROOT / "hooks" / name, os.X_OK) for name in shim.HOOK_NAMES)


def test_regenerating_the_shipped_hooks_fixes_a_hand_edit(tmp_path: Path) -> None:
    shim.write_shipped(tmp_path)
    (tmp_path / "pre-push").write_text("#!/bin/sh\n# edited by hand\n")
    subprocess.run(
        [sys.executable, "-m", "hfgit.hooks", "--write", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "pre-push").read_text() == shim.shipped("pre-push")
    assert os.access(tmp_path / "pre-push", os.X_OK)


@pytest.mark.parametrize("name", shim.HOOK_NAMES)
def test_shims_are_valid_posix_sh_and_marked(name: str) -> None:
    text = shim.render(name, DEFAULT_GLOBS, "")
    assert text.startswith("#!/bin/sh\n") and shim.is_shim(text.encode()[: shim.MARKER_SPAN])
    subprocess.run(["sh", "-n", "-c", text], check=True)


def test_shims_differ_only_in_the_templated_block() -> None:
    template = shim.template()
    outside = template.split(shim.START)[0], template.split(shim.END)[1]
    for name in shim.HOOK_NAMES:
        text = shim.render(name, ["x*"], "/opt/git-hf")
        assert (text.split(shim.START)[0], text.split(shim.END)[1]) == outside
        assert f"hook={name}  #" in text.split(shim.START)[1].split(shim.END)[0]


def test_markers_of_this_and_earlier_versions_are_recognised() -> None:
    assert shim.is_shim(f"#!/bin/sh\n# hfgit git hook, ID: {shim.MARKER_ID}\n".encode())
    assert shim.is_shim(b"#!/bin/sh\n# hfgit-hook: pre-push\n")
    assert not shim.is_shim(b"#!/bin/sh\n# someone else's hook, mentions hfgit\n")


@pytest.mark.parametrize(
    ("scheme", "pattern"),
    [
        (TagScheme(), "v[0-9]*.[0-9]*.[0-9]*"),
        (TagScheme.of("semver", "release-"), "release-[0-9]*.[0-9]*.[0-9]*"),
        (TagScheme.of("timestamp"), "v" + "[0-9]" * 8 + "-" + "[0-9]" * 6),
        (TagScheme.of("experiment"), "exp-*-[0-9]*"),
        (TagScheme.of("semver", "a;b$"), "a\\;b\\$[0-9]*.[0-9]*.[0-9]*"),
    ],
)
def test_render_bakes_the_tag_pattern_and_the_fallback(scheme: TagScheme, pattern: str) -> None:
    text = shim.render("reference-transaction", scheme.shell_globs(), "/opt/x's/git-hf")
    assert f"  case $1 in {pattern}) return 0 ;; esac" in text
    assert "fallback='/opt/x'\\''s/git-hf'  #" in text


def test_installed_shims_use_the_configured_tag_prefix() -> None:
    config = parse_config("repo_id: alice/m\nmodel_dir: model\ntag_prefix: release-\n", Path("c"))
    text = shim_for("pre-push", config)
    assert "  case $1 in release-[0-9]*.[0-9]*.[0-9]*) return 0 ;; esac" in text


def run_shim(tmp_path: Path, name: str, stdin: str, *args: str) -> str:
    """Run a rendered shim outside git with a fake git-hf and git; return what they were asked."""
    hook = tmp_path / name
    hook.write_text(shim.render(name, DEFAULT_GLOBS, ""))
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


@pytest.mark.parametrize("state", ["preparing", "prepared", "aborted"])
def test_reference_transaction_shim_ends_before_reading_the_rest_of_itself_on_other_states(
    tmp_path: Path, state: str
) -> None:
    """Git runs the hook for every state of every ref update; without a chained hook only
    "committed" reads on: the same shim with an end that does not parse still runs them."""
    head, tail = shim.render("reference-transaction", DEFAULT_GLOBS, "").split(shim.END)
    cut = tail.index("esac\n") + len("esac\n")  # the end of the states' filter
    hook = tmp_path / "reference-transaction"
    hook.write_text(head + shim.END + tail[:cut] + "fi ( esac\n" + tail[cut:])
    hook.chmod(0o755)

    def run(state: str) -> subprocess.CompletedProcess[str]:
        line = f"{ZERO} {SHA} refs/tags/v1.0.0\n"
        return subprocess.run(
            [str(hook), state], input=line, text=True, capture_output=True, cwd=tmp_path
        )

    early = run(state)
    assert (early.returncode, early.stderr) == (0, "")
    assert run("committed").returncode != 0  # read to its end, the text does not parse


def test_reference_transaction_shim_queues_a_created_version_tag(tmp_path: Path) -> None:
    (tmp_path / "gitdir").mkdir()
    lines = f"{ZERO} {SHA} refs/heads/main\n{ZERO} {SHA} refs/tags/v1.0.0\n"
    run_shim(tmp_path, "reference-transaction", lines, "committed")
    assert (tmp_path / "gitdir" / "hfgit" / "queue" / "v1.0.0").read_text() == f"sha={SHA}\n"
    called = tmp_path / "calls"
    wait_for(  # the git-hf call runs in the background
        lambda: "git-hf hook" in (called.read_text() if called.exists() else ""),
        timeout=30,
        what="the shim to start git-hf",
    )
    assert "git-hf hook reference-transaction v1.0.0" in called.read_text()


# The hook's parent process, as git would be: bash under argv[0] "git..." (its own "-c SCRIPT"
# reads as a git option with a value, so the git arguments after it are what the shim sees).
PARENT = '$WRAPPER "$HOOK" committed <<<"$HOOK_INPUT"; exit $?'
WRAPPER = '#!/bin/sh\n"$@"\nexit $?\n'  # a hook manager between git and the shim


def shim_run_by(
    tmp_path: Path, argv: list[str], wrapped: bool = False, **env: str
) -> tuple[list[str], str]:
    """Run the reference-transaction shim for a created v1.0.0 under a parent process whose
    command line is `argv`; return what it queued and what it printed."""
    (tmp_path / ".git" / "hfgit" / "queue").mkdir(parents=True)
    hook = tmp_path / "reference-transaction"
    hook.write_text(shim.render("reference-transaction", DEFAULT_GLOBS, ""))
    hook.chmod(0o755)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool, says in (("git-hf", ""), ("git", f"{tmp_path}/.git")):
        fake = bindir / tool
        fake.write_text(f'#!/bin/sh\necho "{tool} $*" >>"{tmp_path}/calls"\necho "{says}"\n')
        fake.chmod(0o755)
    wrapper = tmp_path / "hook-manager"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    bash = shutil.which("bash") or "/bin/bash"
    done = subprocess.run(
        [bash, "-c", f'exec -a "$0" {bash} -c {shlex.quote(PARENT)} "$@"', *argv],
        env={
            "PATH": f"{bindir}:/usr/bin:/bin",
            "HOOK": str(hook),
            "HOOK_INPUT": f"{ZERO} {SHA} refs/tags/v1.0.0",
            "WRAPPER": str(wrapper) if wrapped else "",
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    queued = sorted(p.name for p in (tmp_path / ".git" / "hfgit" / "queue").iterdir())
    return queued, done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["git", "tag", "v1.0.0"],
        ["/usr/bin/git", "-C", "work", "-c", "user.name=x", "--no-pager", "tag", "v1.0.0"],
        ["git", "--git-dir", ".git", "tag", "-a", "v1.0.0"],
    ],
)
@pytest.mark.parametrize("wrapped", [False, True], ids=["direct", "wrapped"])
def test_reference_transaction_shim_queues_tags_made_by_git_tag(
    tmp_path: Path, argv: list[str], wrapped: bool
) -> None:
    queued, _ = shim_run_by(tmp_path, argv, wrapped)
    assert queued == ["v1.0.0"]


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["git-receive-pack", "../work"], {}),  # a push into this repository (no slash)
        (["/usr/lib/git-core/git-receive-pack", "/srv/work"], {}),
        (["git", "receive-pack", "../work"], {}),  # --receive-pack='git receive-pack'
        (["git", "tag", "v1.0.0"], {"GIT_DIR": "."}),  # receive-pack runs hooks in the git dir
        (["git", "fetch", "--tags"], {}),
        (["/usr/lib/git-core/git", "-c", "x=y", "fetch", "origin"], {}),
        (["git", "pull", "--tags"], {}),
        (["git", "tag", "v1.0.0"], {"GIT_REFLOG_ACTION": "pull --tags origin"}),
        (["git", "clone", "../upstream"], {}),
        (["git", "remote", "update"], {}),
        (["git", "update-ref", "refs/tags/v1.0.0", SHA], {}),
        (["git", "fetch-tags-alias"], {}),  # an alias of anything but tag
    ],
)
def test_reference_transaction_shim_ignores_tags_from_elsewhere(
    tmp_path: Path, argv: list[str], env: dict[str, str]
) -> None:
    queued, _ = shim_run_by(tmp_path, argv, **env)
    assert queued == []
    calls = tmp_path / "calls"
    assert "git-hf" not in (calls.read_text() if calls.exists() else "")


def test_reference_transaction_shim_prints_the_failure_flag_after_a_tag(tmp_path: Path) -> None:
    (tmp_path / ".git" / "hfgit").mkdir(parents=True)
    (tmp_path / ".git" / "hfgit" / "failed").write_text("hfgit: v0.9.0 was refused\n")
    _, err = shim_run_by(tmp_path, ["git", "tag", "v1.0.0"])
    assert err == "hfgit: v0.9.0 was refused\n"


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
