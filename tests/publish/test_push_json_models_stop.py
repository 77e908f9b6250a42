"""`git hf push --json` with several models, when one model's repository refuses the push:
the JSON still reports the models published before it, and names the one that stopped it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, models_workspace

CONFIG = """\
endpoint: {endpoint}
private: true
models:
  - name: clf
    repo_id: alice/clf
    model_dir: models/clf
  - name: det
    repo_id: bob/det              # alice's token cannot write there
    model_dir: models/det
"""


@pytest.fixture
def two_owners(hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any):
    ws = models_workspace(hub, tmp_path / "project", capsys, monkeypatch, CONFIG)
    for name in ("clf", "det"):
        ws.write(f"models/{name}/config.json", json.dumps({"model": name}))
    ws.commit("feat: two models")
    ws.tag("clf@v1.0.0")
    ws.tag("det@v1.0.0")
    return ws


def test_push_json_keeps_the_models_published_before_a_refusal(two_owners: Workspace):
    result = two_owners.run("push", "--json")

    assert result.code == 1
    clf, det = result.json
    assert (clf["model"], [v["tag"] for v in clf["versions"]]) == ("clf", ["clf@v1.0.0"])
    assert clf["versions"][0]["error"] is None and "error" not in clf
    assert (det["model"], det["repo_id"], det["versions"]) == ("det", "bob/det", [])
    assert "no write access to bob/det" in det["error"]
    assert result.err.strip().splitlines()[-1] == f"error: {det['error']}"
    hub_tags = {t.name for t in two_owners.api.list_repo_refs("alice/clf").tags}
    assert hub_tags == {"v1.0.0"}
