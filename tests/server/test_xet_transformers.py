"""transformers' `push_to_hub` uploads into the embedded hub with Xet on (skipped where
transformers is not installed: it is no dependency of hfgit). A tiny model without torch: its
config, a fast tokenizer and safetensors weights, saved and pushed by transformers' own
`PushToHubMixin`, as `model.push_to_hub` does after `save_pretrained`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import huggingface_hub.constants
import pytest

transformers = pytest.importorskip("transformers")
numpy = pytest.importorskip("numpy")
safetensors_numpy = pytest.importorskip("safetensors.numpy")
tokenizers = pytest.importorskip("tokenizers")


@pytest.fixture(autouse=True)
def _no_xet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Xet on, as the stock client has it (this replaces the server tests' Xet-off fixture)."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", False)


class TinyModel(transformers.utils.PushToHubMixin):  # type: ignore[misc]
    """A model as push_to_hub sees it: something that saves itself into a folder."""

    def __init__(self, weights: dict[str, object]) -> None:
        self.config = transformers.BertConfig(
            hidden_size=8, num_hidden_layers=1, num_attention_heads=1, intermediate_size=16
        )
        self.weights = weights

    def save_pretrained(self, save_directory: str, **_: object) -> None:
        os.makedirs(save_directory, exist_ok=True)
        self.config.save_pretrained(save_directory)
        safetensors_numpy.save_file(self.weights, os.path.join(save_directory, "model.safetensors"))


def test_push_to_hub_of_a_tiny_model_goes_over_xet_and_downloads_identical(
    hub, tmp_path, monkeypatch
):
    from huggingface_hub import hf_api, hf_hub_download

    # HF_ENDPOINT, as a user sets it before starting Python (read once, at import)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(hf_api.api, "endpoint", hub.url)
    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    if hasattr(transformers.utils.hub, "_hf_api"):  # its shared HfApi, made for another hub
        monkeypatch.setattr(transformers.utils.hub, "_hf_api", None)

    weights = {"embeddings": numpy.random.default_rng(0).standard_normal((512, 256), "float32")}
    model = TinyModel(weights)
    vocab = {"[UNK]": 0, "hello": 1, "world": 2}
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, "[UNK]")),
        unk_token="[UNK]",
    )
    token = hub.tokens["alice"]
    root = Path(hub.root)

    model.push_to_hub("alice/tiny", token=token)
    tokenizer.push_to_hub("alice/tiny", token=token)

    xorbs = [p for p in (root / "xet" / "xorbs").rglob("*") if p.is_file()]
    assert xorbs  # the weights came over Xet
    local = hf_hub_download(
        "alice/tiny", "model.safetensors", token=token, cache_dir=tmp_path, endpoint=hub.url
    )
    loaded = safetensors_numpy.load_file(local)
    assert (loaded["embeddings"] == weights["embeddings"]).all()
    config = hf_hub_download(
        "alice/tiny", "config.json", token=token, cache_dir=tmp_path, endpoint=hub.url
    )
    assert json.loads(Path(config).read_text())["hidden_size"] == 8
    assert hf_hub_download(
        "alice/tiny", "tokenizer.json", token=token, cache_dir=tmp_path, endpoint=hub.url
    )
