"""A training repository laid out like the tutorial's: config.yaml, configs/huggingface_config.yaml,
a model folder written by training, and no .hfgit.yaml. The Hub is the embedded one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from drivers import RepoDriver, Result

FIXTURES = Path(__file__).parent / "fixtures"
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
