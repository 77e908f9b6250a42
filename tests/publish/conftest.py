"""A real git repository with a model folder, configured against the embedded hub."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, new_workspace
from faultproxy import FaultProxy


@pytest.fixture
def workspace(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Workspace:
    return new_workspace(hub, tmp_path / "project", capsys, monkeypatch)


@pytest.fixture
def hub_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """`METHOD path` of every request the embedded hub answers during the test."""
    from hfgit.server.routes import App

    seen: list[str] = []
    lock = threading.Lock()
    real = App.__call__

    def recording(self, request):  # type: ignore[no-untyped-def]
        with lock:
            seen.append(f"{request.method} {request.path}")
        return real(self, request)

    monkeypatch.setattr(App, "__call__", recording)
    yield seen


@pytest.fixture
def proxy(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """The workspace's hub behind a fault proxy, which the user chose ($HF_ENDPOINT, and the
    config's endpoint): its token goes there."""
    with FaultProxy(workspace.hub.url) as p:
        config = workspace.root / ".hfgit.yaml"
        config.write_text(config.read_text().replace(workspace.hub.url, p.url))
        monkeypatch.setenv("HF_ENDPOINT", p.url)
        yield p


@pytest.fixture
def xorb_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """[xorb bytes received by any embedded hub of this process during the test]."""
    from hfgit.server.xetstore import XetStore

    total = [0]
    real = XetStore.count

    def counting(self: XetStore, what: str, amount: int) -> None:
        if what == "xorb_bytes":
            total[0] += amount
        real(self, what, amount)

    monkeypatch.setattr(XetStore, "count", counting)
    return total


@pytest.fixture
def over_lfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user turned Xet off (HF_HUB_DISABLE_XET=1): uploads go through LFS. The library reads
    the variable once, when it is first imported: that import comes first here, so that the
    setting does not outlive the test."""
    import huggingface_hub.constants

    from hfgit.hub import library

    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(library, "_xet_turned_off", False)
