"""A real git repository with a model folder, configured against the embedded hub."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from drivers import RepoDriver, Result

CONFIG = """\
repo_id: alice/tool-caller
model_dir: model
endpoint: {endpoint}
private: true
configs: [configs/train.yaml]
results: eval/results.json
base_model: meta-llama/Llama-3.1-8B-Instruct
card:
  description: A model fine-tuned for tool calling.
  license: apache-2.0
  language: [en]
  tags: [tool-calling]
  datasets: [alice/tool-calls]
"""


class Workspace(RepoDriver):
    """The repository under test and ways to drive it."""

    def run(self, *args: str) -> Result:
        """`git hf ARGS` in-process, through the same edge as the console script."""
        return self.hf(*args)

    def tag(self, name: str, message: str | None = None) -> str:
        if message:
            self.git("tag", "-a", name, "-m", message)
        else:
            self.git("tag", name)
        return self.git("rev-parse", f"{name}^{{commit}}")

    def record(self, metrics: dict[str, float] | None = None) -> None:
        """What a training run does at its end: stamp the model folder with HEAD."""
        from hfgit.api import record_experiment

        record_experiment(
            model_dir=self.root / "model",
            params={"lr": 0.0002, "epochs": 3},
            metrics=metrics or {"accuracy": 0.91},
            name="lora-r16",
            repo_path=self.root,
        )


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
    from hfgit.server import http

    seen: list[str] = []
    lock = threading.Lock()
    real = http._RequestHandler._handle

    def recording(self):  # type: ignore[no-untyped-def]
        with lock:
            seen.append(f"{self.command} {self.path}")
        return real(self)

    monkeypatch.setattr(http._RequestHandler, "_handle", recording)
    yield seen


Run = Callable[..., Result]
