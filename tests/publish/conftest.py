"""A real git repository with a model folder, configured against the embedded hub."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, new_workspace


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
