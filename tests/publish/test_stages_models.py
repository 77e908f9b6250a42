"""Stages of several models in one repository: each model's stage tags (`NAME#STAGE#N`) and
its own Hub repo's stage branches; a bare version or stage names its model or is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace
from huggingface_hub import snapshot_download
from huggingface_hub.errors import RevisionNotFoundError

from hfgit import stagetags

CONFIG = """\
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


@pytest.fixture
def models(hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Workspace:
    """Two models, clf (v1.0.0, v1.1.0) and gen (v1.0.0), published to their Hub repos."""
    root = tmp_path / "project"
    root.mkdir()
    ws = Workspace(root, hub, capsys)
    ws.git("init", "-q", "-b", "main")
    ws.write(".hfgit.yaml", CONFIG.format(endpoint=hub.url))
    ws.write(".gitignore", "models/\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    for name, tag in (("clf", "v1.0.0"), ("gen", "v1.0.0"), ("clf", "v1.1.0")):
        ws.write(f"models/{name}/config.json", json.dumps({"model": name, "version": tag}))
        ws.write(f"models/{name}/model.safetensors", os.urandom(64 * 1024))
        ws.commit(f"feat({name}): {tag}")
        ws.tag(f"{name}@{tag}")
        pushed = ws.run("push", f"{name}@{tag}")
        assert pushed.code == 0, pushed.err
    return ws


def _files(ws: Workspace, repo: str, revision: str, tmp: Path) -> dict[str, bytes]:
    folder = Path(
        snapshot_download(
            repo,
            revision=revision,
            endpoint=ws.hub.url,
            token=ws.hub.tokens["alice"],
            cache_dir=tmp,
        )
    )
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_each_model_has_its_own_stages_on_its_own_hub_repo(models: Workspace, tmp_path: Path):
    ws = models

    assert ws.run("promote", "clf@v1.0.0", "production").code == 0
    assert ws.run("promote", "gen@v1.0.0", "production").code == 0
    assert ws.run("promote", "clf@v1.1.0", "production").code == 0

    assert [t.name for t in stagetags.read(ws.root)] == [
        "clf#production#1",
        "gen#production#1",
        "clf#production#2",
    ]
    assert _files(ws, "alice/clf", "production", tmp_path / "a") == _files(
        ws, "alice/clf", "v1.1.0", tmp_path / "b"
    )
    assert _files(ws, "alice/gen", "production", tmp_path / "c") == _files(
        ws, "alice/gen", "v1.0.0", tmp_path / "d"
    )
    listed = ws.run("stages", "--json").json
    assert {(r["model"], r["stage"], r["version"], r["hub"]) for r in listed} == {
        ("clf", "production", "clf@v1.1.0", "published"),
        ("gen", "production", "gen@v1.0.0", "published"),
    }
    assert [r["model"] for r in ws.run("stages", "--json", "--model", "gen").json] == ["gen"]

    assert ws.run("demote", "production", "--model", "clf").code == 0
    with pytest.raises(RevisionNotFoundError):
        _files(ws, "alice/clf", "production", tmp_path / "e")
    assert _files(ws, "alice/gen", "production", tmp_path / "f")  # gen's stage stays


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("promote", "v1.0.0", "production"), "several models"),
        (("promote", "nope@v1.0.0", "production"), "unknown model 'nope'"),
        (("promote", "gen@v1.1.0", "production"), "no version gen@v1.1.0"),
        (("demote", "production"), "several models: pass --model NAME"),
        (("demote", "production", "--model", "gen"), "holds no version"),
    ],
)
def test_a_stage_or_version_that_names_no_model_is_one_clear_line(
    models: Workspace, args: tuple[str, ...], said: str
):
    result = models.run(*args)

    assert result.code != 0
    assert said in result.err, result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) <= 2
