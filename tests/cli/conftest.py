"""A real git repository with a model folder, configured against the embedded hub, for driving
`git hf` with wrong inputs and odd states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, new_workspace


@pytest.fixture
def workspace(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Workspace:
    return new_workspace(hub, tmp_path / "project", capsys, monkeypatch, weights=64 * 1024)


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A huggingface_hub cache of this test's own (the library reads its path at import)."""
    from huggingface_hub import constants

    path = tmp_path / "hf-cache"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(path))
    monkeypatch.setenv("HF_HUB_CACHE", str(path))  # for a `git hf` in a process of its own
    return path
