"""Every expected failure is one clear line, a non-zero exit, no traceback, nothing half-published."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

REPO = "alice/tool-caller"


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    return lines[0]


def test_outside_a_git_repository(workspace, tmp_path, monkeypatch):
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = workspace.run("push")

    assert result.code == 1
    assert "not inside a git repository" in _one_line_error(result)


def test_missing_config(workspace):
    (workspace.root / ".hfgit.yaml").unlink()

    result = workspace.run("log")

    assert result.code == 1
    assert "git hf init" in _one_line_error(result)


def test_invalid_config_names_file_line_and_key(workspace):
    workspace.write(".hfgit.yaml", "repo_id: alice/x\nmodel_dir: model\nprivate: maybe\n")

    result = workspace.run("validate")

    assert result.code == 1
    line = _one_line_error(result)
    assert ".hfgit.yaml:3" in line and "private" in line


def test_missing_model_folder(workspace):
    workspace.write(
        ".hfgit.yaml",
        (workspace.root / ".hfgit.yaml")
        .read_text()
        .replace("model_dir: model", "model_dir: outputs"),
    )
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 1
    assert "model folder outputs/ does not exist" in _one_line_error(result)
    assert not workspace.api.repo_exists(REPO)


def test_unknown_tag(workspace):
    result = workspace.run("push", "v9.9.9")

    assert result.code == 1
    assert "no local tag 'v9.9.9'" in _one_line_error(result)


def test_non_version_tag_is_refused_when_named(workspace):
    workspace.tag("nightly")

    result = workspace.run("push", "nightly")

    assert result.code == 1
    assert "'nightly' is not a version tag" in _one_line_error(result)


def test_bad_token_is_reported_and_never_echoed(workspace, monkeypatch):
    bad = "hf_definitelyNotAValidToken1234"
    monkeypatch.setenv("HF_TOKEN", bad)
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 1
    line = _one_line_error(result)
    assert "401" in line and "token" in line
    assert bad not in result.err + result.out


def test_wrong_namespace_is_a_permission_error(workspace, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", workspace.hub.tokens["bob"])
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 1
    assert "403" in _one_line_error(result)


def test_hub_unreachable(workspace, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed_port}")  # the user's own hub
    workspace.write(
        ".hfgit.yaml",
        (workspace.root / ".hfgit.yaml")
        .read_text()
        .replace(workspace.hub.url, f"http://127.0.0.1:{closed_port}"),
    )
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 1
    assert "cannot reach the Hub" in _one_line_error(result)


def test_usage_errors_exit_2(workspace):
    result = workspace.run("bump", "sideways")

    assert result.code == 2


def test_unexpected_errors_exit_3_without_traceback_unless_debug(workspace, monkeypatch):
    from hfgit import sync

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")

    monkeypatch.setattr(sync, "publish", boom)
    workspace.tag("v1.0.0")

    quiet = workspace.run("push")
    assert quiet.code == 3
    assert "Traceback" not in quiet.err and "HFGIT_DEBUG=1" in quiet.err

    monkeypatch.setenv("HFGIT_DEBUG", "1")
    loud = workspace.run("push")
    assert loud.code == 3 and "Traceback" in loud.err


def test_token_never_appears_in_output_or_on_the_hub(workspace, tmp_path):
    token = workspace.hub.tokens["alice"]
    workspace.git("remote", "add", "origin", f"https://alice:{token}@example.com/alice/project.git")
    workspace.record()
    workspace.tag("v1.0.0")

    outputs = [
        workspace.run(*args)
        for args in (["push", "--dry-run"], ["push"], ["log"], ["status", "--json"], ["card"])
    ]

    for result in outputs:
        assert result.code == 0, result.err
        assert token not in result.out + result.err
    snapshot = workspace.api.snapshot_download(REPO, revision="v1.0.0", local_dir=tmp_path / "snap")
    for path in (tmp_path / "snap").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    assert snapshot
    for commit in workspace.api.list_repo_commits(REPO):
        assert token not in commit.title + commit.message
    meta = (tmp_path / "snap" / "experiment_metadata.json").read_text()
    assert '"git_remote": "https://example.com/alice/project.git"' in meta


def test_console_script_help_shows_examples():
    done = subprocess.run(
        [sys.executable, "-m", "hfgit.cli", "push", "-h"], capture_output=True, text=True
    )

    assert done.returncode == 0
    assert "Examples:" in done.stdout and "git hf push v1.2.0 --dry-run" in done.stdout


@pytest.mark.parametrize(
    "command",
    [
        "init",
        "push",
        "log",
        "status",
        "pull",
        "record",
        "card",
        "validate",
        "bump",
        "hooks",
        "serve",
        "experiments",
    ],
)
def test_every_command_has_help(command):
    from hfgit.cli import main

    assert main([command, "--help"]) == 0


def test_status_without_the_hub_still_shows_local_versions_and_the_queue(workspace):
    from hfgit.hooks import queue as hookqueue

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    config = workspace.root / ".hfgit.yaml"
    workspace.write(
        ".hfgit.yaml",
        config.read_text().replace(workspace.hub.url, f"http://127.0.0.1:{closed_port}"),
    )
    workspace.tag("v1.0.0")
    hookqueue.enqueue(workspace.root / ".git", "v1.0.0")

    result = workspace.run("status", "--json")

    assert result.code == 1
    assert "cannot reach" in result.err
    assert result.json["hub_reachable"] is False
    assert result.json["versions"] == [{"version": "v1.0.0", "state": "unknown"}]
    assert result.json["queue"]["queued"] == ["v1.0.0"]
