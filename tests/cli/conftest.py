"""A real git repository with a model folder, configured against the embedded hub, for driving
`git hf` with wrong inputs and odd states."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import CONFIG, Workspace


@pytest.fixture
def workspace(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Workspace:
    root = tmp_path / "project"
    root.mkdir()
    ws = Workspace(root, hub, capsys)
    ws.git("init", "-q", "-b", "main")
    ws.write(".hfgit.yaml", CONFIG.format(endpoint=hub.url))
    ws.write("configs/train.yaml", "lr: 0.0002\nepochs: 3\nlora_r: 16\n")
    ws.write("eval/results.json", json.dumps({"accuracy": 0.91, "f1": 0.88}))
    ws.write("train.py", "print('training')\n")
    ws.write(".gitignore", "model/\n")
    ws.write("model/config.json", json.dumps({"model_type": "llama", "hidden_size": 64}))
    ws.write("model/tokenizer.json", json.dumps({"version": "1.0"}))
    ws.write("model/model.safetensors", os.urandom(64 * 1024))
    ws.commit("feat: first model")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    return ws


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A huggingface_hub cache of this test's own (the library reads its path at import)."""
    from huggingface_hub import constants

    path = tmp_path / "hf-cache"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(path))
    monkeypatch.setenv("HF_HUB_CACHE", str(path))  # for a `git hf` in a process of its own
    return path
