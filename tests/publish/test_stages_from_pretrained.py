"""`from_pretrained(repo, revision="production")` follows a stage as it moves: transformers'
own loading (a config and a fast tokenizer, no torch needed) against the embedded hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import huggingface_hub.constants
import pytest

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

REPO = "alice/tool-caller"


def _train(ws: Any, hidden_size: int, words: list[str]) -> None:
    """What training leaves in the model folder: a config and a tokenizer of its own."""
    config = transformers.BertConfig(
        hidden_size=hidden_size, num_hidden_layers=1, num_attention_heads=1, intermediate_size=16
    )
    config.save_pretrained(ws.root / "model")
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, "[UNK]")),
        unk_token="[UNK]",
    )
    tokenizer.save_pretrained(ws.root / "model")


def _release(ws: Any, tag: str) -> None:
    ws.commit(f"feat: {tag}")
    ws.tag(tag)
    assert ws.run("push", tag).code == 0


def test_from_pretrained_with_a_stage_loads_the_version_it_holds(
    workspace: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HF_ENDPOINT, as a user sets it before starting Python (transformers reads it at import)
    hub = workspace.hub
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.url)
    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    token = hub.tokens["alice"]
    _train(workspace, 8, ["hello", "world"])
    _release(workspace, "v1.0.0")
    _train(workspace, 16, ["hello", "world", "tools"])
    _release(workspace, "v1.1.0")

    def production() -> tuple[int, int]:
        config = transformers.AutoConfig.from_pretrained(
            REPO, revision="production", token=token, cache_dir=tmp_path
        )
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            REPO, revision="production", token=token, cache_dir=tmp_path
        )
        return config.hidden_size, len(tokenizer)

    assert workspace.run("promote", "v1.0.0", "production").code == 0
    assert production() == (8, 3)
    assert workspace.run("promote", "v1.1.0", "production").code == 0
    assert production() == (16, 4)  # the same cache, the stage moved
    assert workspace.run("promote", "v1.0.0", "production", "-m", "roll back").code == 0
    assert production() == (8, 3)
    saved = json.loads((workspace.root / "model" / "config.json").read_text())
    assert saved["hidden_size"] == 16  # the folder holds v1.1.0: what loaded came from the Hub
