"""Fixtures for hook tests: temp repositories driven by the real `git` CLI and a recorder
for `git-hf` calls."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hookhelpers import BIN, CLOSED_PORT_URL, Repo


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HFGIT_HOOK_RETRY_DELAYS"] = "0,0"  # two retries, no waiting
    for name in ("HFGIT_SKIP", "HFGIT_IN_HOOK", "GIT_REFLOG_ACTION"):
        env.pop(name, None)
    return env


@pytest.fixture
def make_repo(tmp_path: Path, base_env: dict[str, str]) -> Callable[..., Repo]:
    """make_repo(name, endpoint=..., hooks=...) -> a committed repo with a model folder."""

    def make(
        name: str = "work",
        hub: Any = None,
        hooks: str = "",
        install: bool = True,
        endpoint: str = CLOSED_PORT_URL,
    ) -> Repo:
        repo = Repo(tmp_path / name, dict(base_env))
        if hub is not None:
            endpoint = hub.url
            repo.env["HF_TOKEN"] = hub.tokens["alice"]
        repo.path.mkdir()
        repo.git("init", "-q", "-b", "main")
        repo.configure(endpoint, repo_id=f"alice/{name}", hooks=hooks)
        repo.commit("initial model", content="weights v0\n")
        if install:
            repo.hf("hooks", "install")
        return repo

    return make


@pytest.fixture
def recorder(tmp_path: Path) -> Callable[[Repo], Path]:
    """Put a `git-hf` first on the repo's PATH that logs each call, then runs the real one."""

    def install(repo: Repo) -> Path:
        bindir = tmp_path / "recorder-bin"
        bindir.mkdir(exist_ok=True)
        calls = tmp_path / "git-hf-calls.txt"
        script = bindir / "git-hf"
        script.write_text(f'#!/bin/sh\necho "$*" >>"{calls}"\nexec "{BIN / "git-hf"}" "$@"\n')
        script.chmod(0o755)
        repo.env["PATH"] = f"{bindir}{os.pathsep}{repo.env['PATH']}"
        return calls

    return install
