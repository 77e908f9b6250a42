"""Fixtures for the client's token policy: header-logging listeners on 127.0.0.1, a repository
whose committed .hfgit.yaml names one of them, and a per-test global git config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from drivers import RepoDriver
from securityhelpers import Listener, serve


@pytest.fixture
def listeners() -> Iterator[tuple[Listener, Listener]]:
    """(named by the repository's .hfgit.yaml, another one)."""
    pair = (Listener(), Listener())
    servers = [serve(listener) for listener in pair]
    yield pair
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def user_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A global git config of this test's own, so that settings never leak between tests."""
    from hfgit.hub import credentials

    path = tmp_path / "user.gitconfig"
    path.write_text("[user]\n\tname = Test Author\n\temail = author@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    for name in ("HF_ENDPOINT", "HF_TOKEN_PATH", "GIT_ASKPASS", "SSH_ASKPASS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(credentials, "_noted", set())
    return path


@pytest.fixture
def project(
    tmp_path: Path,
    listeners: tuple[Listener, Listener],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> RepoDriver:
    """A cloned repository whose committed .hfgit.yaml names the first listener."""
    root = tmp_path / "cloned"
    root.mkdir()
    repo = RepoDriver(root, None, capsys)
    repo.git("init", "-q", "-b", "main")
    repo.write(
        ".hfgit.yaml",
        f"repo_id: alice/x\nmodel_dir: model\nendpoint: {listeners[0].url}\n",
    )
    repo.commit("chore: hfgit config")
    monkeypatch.chdir(root)
    return repo
