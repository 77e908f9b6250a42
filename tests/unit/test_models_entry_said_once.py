"""An entry of `models:` that is not a mapping is one problem, named by its index."""

from __future__ import annotations

from pathlib import Path

from hfgit.config import check_config


def test_an_entry_that_is_no_mapping_is_said_once_by_index(tmp_path: Path):
    path = tmp_path / ".hfgit.yaml"
    text = "models:\n  - clf\n  - name: det\n    repo_id: alice/det\n    model_dir: m\n  - 3\n"

    config, problems = check_config(text, path)

    assert config is None
    assert problems == [
        f"{path}:1: models[0] must be a mapping with name, repo_id, model_dir...",
        f"{path}:1: models[2] must be a mapping with name, repo_id, model_dir...",
    ]
