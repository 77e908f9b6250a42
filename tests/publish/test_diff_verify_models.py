"""`git hf diff` and `git hf verify` with several models in one repository: `clf@v1.1.0`
names the model, `--model clf` names it for a bare version, stages compare like versions."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, models_workspace
from huggingface_hub import snapshot_download

CONFIG = """\
endpoint: {endpoint}
private: true
models:
  - name: clf
    repo_id: alice/clf
    model_dir: models/clf
    gate:
      lower_is_better: [loss]
  - name: gen
    repo_id: alice/gen
    model_dir: models/gen
"""


@pytest.fixture
def models(hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Workspace:
    """clf v1.0.0 and v1.1.0 (new weights, loss down), gen v1.0.0, each in its Hub repo."""
    from hfgit.api import record_experiment

    ws = models_workspace(hub, tmp_path / "project", capsys, monkeypatch, CONFIG)
    for name, tag, loss in (("clf", "v1.0.0", 0.5), ("gen", "v1.0.0", 0.9), ("clf", "v1.1.0", 0.4)):
        ws.write(f"models/{name}/config.json", json.dumps({"model": name, "trained_as": tag}))
        ws.write(f"models/{name}/model.safetensors", os.urandom(64 * 1024))
        ws.commit(f"feat({name}): {tag}")
        record_experiment(
            model_dir=ws.root / "models" / name, metrics={"loss": loss}, repo_path=ws.root
        )
        ws.tag(f"{name}@{tag}")
        pushed = ws.run("push", f"{name}@{tag}")
        assert pushed.code == 0, pushed.err
    return ws


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": data["model"],
        "repo": data["repo_id"],
        "files": {f["path"]: f["status"] for f in data["files"]},
        "loss": [(m["a"], m["b"], m["direction"]) for m in data["metrics"] if m["name"] == "loss"],
    }


def test_diff_of_one_models_versions_named_either_way(models: Workspace):
    named = models.run("diff", "clf@v1.0.0", "clf@v1.1.0", "--json")
    by_option = models.run("diff", "v1.0.0", "v1.1.0", "--model", "clf", "--json")

    assert named.code == 0, named.err
    assert named.json == by_option.json
    summary = _summary(named.json)
    assert summary["model"] == "clf" and summary["repo"] == "alice/clf"
    assert summary["files"]["model.safetensors"] == "changed"
    assert summary["loss"] == [(0.5, 0.4, "better")]  # clf's own gate says lower is better
    shown = models.run("diff", "clf@v1.0.0", "clf@v1.1.0").out.splitlines()[0]
    assert shown == "diff clf@v1.0.0 -> clf@v1.1.0 (alice/clf)"
    assert named.json["config"] == [
        {"key": "trained_as", "status": "changed", "a": "v1.0.0", "b": "v1.1.0"}
    ]


def test_diff_against_the_local_folder_of_the_named_model(models: Workspace):
    models.write("models/gen/extra.json", "{}")

    data = models.run("diff", "gen@v1.0.0", "local", "--json").json

    assert data["b"]["path"].endswith("models/gen")
    assert {f["path"]: f["status"] for f in data["files"]} == {"extra.json": "added"}


def test_a_stage_compares_like_the_version_it_holds(models: Workspace):
    promoted = models.run("promote", "clf@v1.1.0", "production")
    assert promoted.code == 0, promoted.err

    data = models.run("diff", "clf@v1.1.0", "clf@production", "--json").json

    assert data["files"] == [] and data["params"] == [] and data["config"] == []
    assert data["b"]["version"] == "production"


def test_verify_a_models_version(models: Workspace, tmp_path: Path):
    folder = tmp_path / "gen"
    snapshot_download(
        "alice/gen",
        revision="v1.0.0",
        local_dir=folder,
        endpoint=models.hub.url,
        token=models.hub.tokens["alice"],
    )

    ok = models.run("verify", "gen@v1.0.0", "--dir", str(folder))
    wrong_model = models.run("verify", "clf@v1.0.0", "--dir", str(folder), "--json")

    assert ok.code == 0, ok.err
    assert ok.out.startswith("gen@v1.0.0: OK")
    assert wrong_model.code == 1
    assert {p["status"] for p in wrong_model.json["problems"]} == {"differs"}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("diff", "v1.0.0", "v1.1.0"), "several models"),
        (("diff", "clf@v1.0.0", "gen@v1.0.0"), "versions of different models"),
        (("diff", "nope@v1.0.0", "local"), "unknown model 'nope'"),
        (
            ("diff", "clf@v1.2.0", "local"),
            "clf@v1.2.0 is not published yet: `git hf push clf@v1.2.0`",
        ),
        (("diff", "clf@v1.0.0", "local", "--model", "gen"), "a version of clf, not of --model gen"),
        (("verify", "gen@v2.0.0"), "gen@v2.0.0 is neither a version on"),
    ],
)
def test_wrong_model_inputs_are_one_clear_line(models: Workspace, args: tuple[str, ...], said: str):
    models.tag("clf@v1.2.0")

    result = models.run(*args)

    assert result.code in (1, 2)
    assert said in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) <= 2
