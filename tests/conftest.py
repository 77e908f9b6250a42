"""Hermetic test environment: temp HOME, isolated git config, HF cache in tmp, no real token,
no way out to the real Hub. The network is the embedded hub on 127.0.0.1:0."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

# --- before anything imports huggingface_hub (it reads its env once, at import) -----------
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="hfgit-test-home-"))
for _name in (
    "HF_TOKEN",
    "HUGGINGFACE_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_ENDPOINT",
    "HUGGINGFACE_CO_STAGING",
    "HF_HUB_OFFLINE",
    "GIT_DIR",
    "GIT_WORK_TREE",
):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "HOME": str(_SESSION_HOME),
        "XDG_CONFIG_HOME": str(_SESSION_HOME / ".config"),
        "XDG_DATA_HOME": str(_SESSION_HOME / ".local" / "share"),
        "XDG_CACHE_HOME": str(_SESSION_HOME / ".cache"),
        "HF_HOME": str(_SESSION_HOME / ".cache" / "huggingface"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "GIT_CONFIG_GLOBAL": str(_SESSION_HOME / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.com",
        "HFGIT_DATA_DIR": str(_SESSION_HOME / "hfgit-data"),
        "NO_COLOR": "1",
        # A hub that is down is given up on quickly; retry tests inject their own clock.
        "HFGIT_RETRY_DEADLINE": "1",
    }
)
(_SESSION_HOME / ".gitconfig").write_text(
    "[user]\n\tname = Test Author\n\temail = author@example.com\n"
    "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
)

import pygit2  # noqa: E402
import pytest  # noqa: E402

for _level in (
    pygit2.enums.ConfigLevel.GLOBAL,
    pygit2.enums.ConfigLevel.XDG,
    pygit2.enums.ConfigLevel.SYSTEM,
):
    pygit2.settings.search_path[_level] = str(_SESSION_HOME)

_real_getaddrinfo = socket.getaddrinfo
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "", None}


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Fail loudly if a test would reach anything but this machine (the real Hub above all)."""
    if host not in _LOCAL_HOSTS:
        raise AssertionError(
            f"test tried to reach {host!r}: only the embedded hub on 127.0.0.1 is allowed"
        )
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _guarded_getaddrinfo

ALICE = "alice"
ALICE_TOKEN = "hf_aliceTestToken0123456789"
BOB = "bob"
BOB_TOKEN = "hf_bobTestToken0123456789"


class Hub:
    """A running embedded hub: its URL, its storage root and the test users' tokens."""

    def __init__(self, url: str, root: Path) -> None:
        self.url = url
        self.root = root
        self.tokens = {ALICE: ALICE_TOKEN, BOB: BOB_TOKEN}

    def api(self, user: str | None = ALICE):  # type: ignore[no-untyped-def]
        from huggingface_hub import HfApi

        token = self.tokens[user] if user else False
        return HfApi(endpoint=self.url, token=token)


@pytest.fixture(autouse=True)
def _isolated_cwd_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HF_TOKEN", "HUGGINGFACE_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HFGIT_SKIP"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    from hfgit.server import running_hub

    root = tmp_path_factory.mktemp("hub-root")
    with (
        running_hub(root, users={ALICE: ALICE_TOKEN, BOB: BOB_TOKEN}) as url,
        user_endpoint(url),
    ):
        yield Hub(url, root)


@contextlib.contextmanager
def user_endpoint(url: str) -> Iterator[None]:
    """The test user chose this hub (their global git config's `hfgit.endpoint`), as anyone
    running their own hub would: HF_TOKEN may go there even when only .hfgit.yaml names it."""
    git = ["git", "config", "--global"]
    subprocess.run([*git, "--add", "hfgit.endpoint", url], check=True)
    try:
        yield
    finally:
        subprocess.run([*git, "--unset", "--fixed-value", "hfgit.endpoint", url], check=False)
