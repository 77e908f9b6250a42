"""When git's credential helpers are asked for a token: only where their answer could matter.

A `git` on PATH logs every command hfgit starts, then runs the real one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from securityhelpers import approve, credential_store, git_config

HELD = "hf_heldByTheUser0123456789"
STORED = "hf_storedForHostA0123456789"


@pytest.fixture
def git_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file each `git` command hfgit runs is written to, one line of arguments each."""
    real = shutil.which("git")
    assert real is not None
    shims, log = tmp_path / "shims", tmp_path / "git-commands"
    shims.mkdir()
    wrapper = shims / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ['PATH']}")
    return log


def _credential_asks(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if " credential " in f" {line} "]


def test_no_credential_helper_is_asked_when_none_is_configured(
    project, listeners, git_log, monkeypatch
):
    a, _ = listeners
    monkeypatch.setenv("HF_TOKEN", HELD)
    monkeypatch.setenv("HF_ENDPOINT", a.url)

    result = project.hf("log")

    assert result.code == 0, result.err
    assert a.authorizations == {f"Bearer {HELD}"}
    assert any(line.startswith("config ") for line in git_log.read_text().splitlines())
    assert _credential_asks(git_log) == []


def test_a_configured_credential_helper_is_still_asked_and_its_token_comes_first(
    project, listeners, git_log, monkeypatch, tmp_path
):
    a, _ = listeners
    credential_store(tmp_path)
    approve(a.url, STORED)
    git_log.write_text("")  # what the setup ran
    monkeypatch.setenv("HF_TOKEN", HELD)
    monkeypatch.setenv("HF_ENDPOINT", a.url)

    result = project.hf("log")

    assert result.code == 0, result.err
    assert a.authorizations == {f"Bearer {STORED}"}
    assert [line.split()[-1] for line in _credential_asks(git_log)] == ["fill"]


def test_an_endpoint_only_a_file_the_global_config_includes_names_gets_no_held_token(
    project, listeners, monkeypatch, tmp_path
):
    a, _ = listeners
    included = tmp_path / "included.gitconfig"
    included.write_text(f"[hfgit]\n\tendpoint = {a.url}\n")
    git_config("include.path", str(included))  # `git config --global hfgit.endpoint` omits it
    monkeypatch.setenv("HF_TOKEN", HELD)

    result = project.hf("log")

    assert a.authorizations == {None}
    assert result.code == 1
