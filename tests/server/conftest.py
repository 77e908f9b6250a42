"""Fixtures for the embedded hub tests: Xet off, a repo ready to use, raw HTTP access."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import huggingface_hub.constants
import pytest
from hubhttp import Client

from hfgit.server import HubServer, lfsapi


@pytest.fixture(autouse=True)
def _no_xet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)


@pytest.fixture
def repo_id(hub) -> str:  # type: ignore[no-untyped-def]
    """A fresh public model repo of alice."""
    hub.api().create_repo("alice/demo")
    return "alice/demo"


@pytest.fixture
def paged_hub(hub, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second hub answering two items per page, to exercise pagination."""
    server = HubServer(tmp_path / "paged", hub.tokens, page_size=2)
    server.start()
    try:
        yield type(hub)(server.url, server.root)
    finally:
        server.stop()


@pytest.fixture
def http(hub) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    """A raw HTTP client on the hub, for what the hub client never sends."""
    with Client(hub.url, timeout=30) as client:
        yield client


@pytest.fixture
def auth(hub) -> Callable[[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """auth(user) -> the Authorization header of that test user."""
    return lambda user="alice": {"Authorization": f"Bearer {hub.tokens[user]}"}


@pytest.fixture
def lfs_puts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Oids of the LFS uploads (PUTs) the server receives during the test."""
    seen: list[str] = []
    lock = threading.Lock()
    real_upload = lfsapi.upload

    def counting_upload(ctx, request, oid):  # type: ignore[no-untyped-def]
        with lock:
            seen.append(oid)
        return real_upload(ctx, request, oid)

    monkeypatch.setattr(lfsapi, "upload", counting_upload)
    return seen


@pytest.fixture
def folder(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    """Write {relative path: content} into a fresh folder and return it."""
    counter = iter(range(1000))

    def make(files: dict[str, bytes | str]) -> Path:
        base = tmp_path / f"folder{next(counter)}"
        for rel, content in files.items():
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode() if isinstance(content, str) else content
            target.write_bytes(data)
        base.mkdir(exist_ok=True)
        return base

    return make
