"""Driving a real git repository and hfgit's command lines from tests: the one helpers module
that test modules import from (fixtures stay in the conftest files, which nothing imports)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Result:
    """What a command line returned and printed."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


class RepoDriver:
    """A git work tree under test, a hub, and in-process command lines through hfgit's edge."""

    def __init__(self, root: Path, hub: Any, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.hub = hub
        self._capsys = capsys

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def write(self, relative: str, content: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def invoke(self, main: Callable[[Sequence[str]], int], args: Sequence[str]) -> Result:
        self._capsys.readouterr()
        code = main(list(args))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def hf(self, *args: str) -> Result:
        """`git hf ARGS`, in-process, through the same edge as the console script."""
        from hfgit.cli import main

        return self.invoke(main, args)

    @property
    def api(self) -> Any:
        return self.hub.api("alice")


# --- a project with .hfgit.yaml (tests/publish) -------------------------------------------

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


def new_workspace(
    hub: Any,
    root: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    weights: int = 256 * 1024,
) -> Workspace:
    """A repository with a model folder (`weights` bytes of safetensors), configured against
    the embedded hub, its first model committed; the test runs in it as alice."""
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
    ws.write("model/model.safetensors", os.urandom(weights))
    ws.commit("feat: first model")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    return ws


# --- a training repository laid out like the tutorial's (tests/manager) ------------------

FIXTURES = Path(__file__).parent / "manager" / "fixtures"
MODEL = "mcp_finetuned_model"


class TrainingRepo(RepoDriver):
    """The repository under test, and ways to drive it like the tutorial's scripts do."""

    def train(self, folder: str = MODEL, accuracy: float = 0.91, seed: bytes = b"") -> Path:
        """What the tutorial's training script leaves behind."""
        path = self.root / folder
        if path.exists():
            shutil.rmtree(path)
        self.write(f"{folder}/config.json", json.dumps({"model_type": "qwen2", "hidden_size": 64}))
        self.write(f"{folder}/tokenizer.json", json.dumps({"version": "1.0"}))
        self.write(f"{folder}/model.safetensors", seed + os.urandom(64 * 1024))
        self.write(f"{folder}/eval_results.json", json.dumps({"accuracy": accuracy, "loss": 0.3}))
        self.write(f"{folder}/training_config.yaml", "learning_rate: 0.0002\nnum_epochs: 3\n")
        return path

    def manager(self, config: str = "config.yaml") -> Any:
        from hfgit.manager import HuggingFaceManager

        return HuggingFaceManager(self.root / config)

    def run(self, *args: str) -> Result:
        """`python -m hfgit.manager ARGS`, in-process through the same edge."""
        from hfgit.manager.__main__ import main

        return self.invoke(main, args)

    def edit_detail(self, old: str, new: str) -> None:
        path = self.root / "configs/huggingface_config.yaml"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new))


TWO_MODELS = """\
endpoint: {endpoint}
private: true
models:
  - name: clf
    repo_id: alice/clf
    model_dir: models/clf
  - name: gen
    repo_id: alice/gen
    model_dir: models/gen
"""


def models_workspace(
    hub: Any,
    root: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch | None = None,
    config: str = TWO_MODELS,
) -> Workspace:
    """An empty repository whose `.hfgit.yaml` lists several models (`config`, formatted with
    the hub's `endpoint`), their folders under `models/` ignored by git. With `monkeypatch`,
    the test runs in it as alice."""
    root.mkdir()
    ws = Workspace(root, hub, capsys)
    ws.git("init", "-q", "-b", "main")
    ws.write(".hfgit.yaml", config.format(endpoint=hub.url))
    ws.write(".gitignore", "models/\n")
    if monkeypatch is not None:
        monkeypatch.chdir(root)
        monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    return ws


def as_at_a_terminal() -> None:
    """For `preexec_fn`: the child gets SIGINT at its default, as a program started at a
    terminal has it, whatever the test runner inherited (a runner started with `&` by a
    script has SIGINT ignored, and so would every process it starts)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
