"""A real git repository with a model folder, configured against the embedded hub."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
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
    ws.write("model/model.safetensors", os.urandom(256 * 1024))
    ws.commit("feat: first model")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    return ws


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
