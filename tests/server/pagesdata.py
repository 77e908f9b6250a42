"""A small published model for the page tests: a card, files (one through LFS), versions
whose Hub commits carry hfgit's trailers, and text written to try to run script."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from huggingface_hub import CommitOperationAdd, HfApi

XSS_CARD = "<script>window.__pwned = 1; alert('card')</script>"
XSS_FILE = '<img src=x onerror="alert(1)">.txt'
XSS_MESSAGE = "<img src=x onerror=\"document.body.dataset.pwned='commit'\"> tuned"
CARD = f"""---
license: apache-2.0
base_model: bert-base-uncased
datasets:
- imdb
tags:
- text-classification
- hfgit
---
# Sentiment model

Trained on **imdb**. [Docs](https://example.org/docs) and [a trap](javascript:alert('link')).

{XSS_CARD}
"""
VERSIONS = {
    "v0.1.0": {"accuracy": 0.71, "loss": 0.62},
    "v0.2.0": {"accuracy": 0.78, "loss": 0.51},
    "v0.10.0": {"accuracy": 0.83, "loss": 0.44},
    "v1.0.0": {"accuracy": 0.9, "loss": 0.31},
}


@dataclass
class Published:
    repo_id: str
    versions: dict[str, dict[str, float]] = field(default_factory=dict)
    commits: dict[str, str] = field(default_factory=dict)  # tag -> Hub commit


def trailers(tag: str, git_commit: str, metrics: dict[str, float], lr: float) -> str:
    return "\n".join(
        [
            f"Hfgit-Version: {tag}",
            f"Hfgit-Git-Commit: {git_commit}",
            "Hfgit-Metrics: " + json.dumps(metrics, sort_keys=True),
            "Hfgit-Params: " + json.dumps({"lr": lr}),
        ]
    )


def publish(
    api: HfApi,
    repo_id: str,
    versions: dict[str, dict[str, float]] | None = None,
    private: bool = False,
    card: str = CARD,
) -> Published:
    """Create `repo_id` with a card and files, then one commit and tag per version."""
    versions = VERSIONS if versions is None else versions
    api.create_repo(repo_id, private=private)
    files = {
        "README.md": card.encode(),
        "config.json": b'{"hidden_size": 8}\n',
        "weights.safetensors": bytes(range(256)) * 64,
        "configs/train.yaml": b"lr: 0.001\n",
        XSS_FILE: b"not a script\n",
    }
    api.create_commit(
        repo_id,
        [CommitOperationAdd(path, data) for path, data in files.items()],
        commit_message="Add model files",
    )
    api.upload_file(
        path_or_fileobj=b"\x00\x01binary" * 10,
        path_in_repo="vocab.idx",
        repo_id=repo_id,
        commit_message=XSS_MESSAGE,
    )
    published = Published(repo_id, dict(versions))
    for index, (tag, metrics) in enumerate(versions.items()):
        git_commit = f"{index + 1:02d}" + "ab" * 19
        info = api.create_commit(
            repo_id,
            [CommitOperationAdd("metrics.json", json.dumps(metrics).encode())],
            commit_message=f"Version {tag}",
            commit_description=trailers(tag, git_commit, metrics, 0.001 * (index + 1)),
        )
        api.create_tag(repo_id, tag=tag, revision=info.oid)
        published.commits[tag] = info.oid
    return published
