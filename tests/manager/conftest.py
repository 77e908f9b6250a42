"""A training repository laid out like the tutorial's: config.yaml, configs/huggingface_config.yaml,
a model folder written by training, and no .hfgit.yaml. The Hub is the embedded one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from drivers import FIXTURES, MODEL, TrainingRepo


@pytest.fixture
def training_repo(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> TrainingRepo:
    root = tmp_path / "mcp-project"
    root.mkdir()
    repo = TrainingRepo(root, hub, capsys)
    repo.git("init", "-q", "-b", "main")
    shutil.copy(FIXTURES / "config.yaml", root / "config.yaml")
    (root / "configs").mkdir()
    shutil.copy(
        FIXTURES / "configs" / "huggingface_config.yaml",
        root / "configs" / "huggingface_config.yaml",
    )
    repo.write("train.py", "print('training')\n")
    repo.write(".gitignore", f"{MODEL}/\nexp*/\nlogs/\n.cache/\nbackups/\ndownloaded*/\n")
    repo.commit("feat: training project")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    return repo
