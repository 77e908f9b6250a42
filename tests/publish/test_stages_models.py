"""Stages of several models in one repository: each model's stage tags (`NAME#STAGE#N`) and
its own Hub repo's stage branches; a bare version or stage names its model or is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, models_workspace
from huggingface_hub import snapshot_download
from huggingface_hub.errors import RevisionNotFoundError

from hfgit import stagetags


@pytest.fixture
def models(hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Workspace:
    """Two models, clf (v1.0.0, v1.1.0) and gen (v1.0.0), published to their Hub repos."""
    ws = models_workspace(hub, tmp_path / "project", capsys, monkeypatch)
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
        "clf#production#2",  # N counts per model
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

    assert ws.run("promote", "v1.0.0", "staging", "--model", "gen").code == 0
    assert stagetags.read(ws.root)[-1].name == "gen#staging#2"
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


# The tags `gto register` / `assign` / `deprecate` (gto 1.10.1) wrote for: register v1.0.0
# and v1.1.0; assign prod to v1.0.0, then to v1.1.0; assign dev to v1.0.0, then unassign it;
# assign staging to v1.1.0 with -m "looks good". (name, version whose commit it is on, message)
GTO_TAGS = [
    ("tool-caller@v1.0.0", "v1.0.0", "Registering artifact tool-caller version v1.0.0"),
    ("tool-caller@v1.1.0", "v1.1.0", "Registering artifact tool-caller version v1.1.0"),
    ("tool-caller#prod#1", "v1.0.0", "Assigning stage prod to artifact tool-caller version v1.0.0"),
    ("tool-caller#prod#2", "v1.1.0", "Assigning stage prod to artifact tool-caller version v1.1.0"),
    ("tool-caller#dev#3", "v1.0.0", "Assigning stage dev to artifact tool-caller version v1.0.0"),
    (
        "tool-caller#dev!#4",
        "v1.0.0",
        "Unassigning stage 'dev' to artifact 'tool-caller' version 'v1.0.0'",
    ),
    ("tool-caller#staging#5", "v1.1.0", "looks good"),
]
GTO_CONFIG = """\
endpoint: {endpoint}
private: true
models:
  - name: tool-caller
    repo_id: alice/tool-caller
    model_dir: model
"""


def test_a_gto_repository_reads_as_gto_shows_it_and_publishes_its_stages(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
):
    root = tmp_path / "gto-repo"
    root.mkdir()
    ws = Workspace(root, hub, capsys)
    ws.git("init", "-q", "-b", "main")
    ws.write(".hfgit.yaml", GTO_CONFIG.format(endpoint=hub.url))
    ws.write(".gitignore", "model/\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("HF_TOKEN", hub.tokens["alice"])
    commits = {}
    for version in ("v1.0.0", "v1.1.0"):
        ws.write("model/config.json", json.dumps({"version": version}))
        ws.write("model/model.safetensors", os.urandom(32 * 1024))
        commits[version] = ws.commit(f"train {version}")
        for name, on, message in GTO_TAGS:
            if on == version and "@" in name:
                ws.git("tag", "-a", name, commits[on], "-m", message)
        assert ws.run("push").code == 0  # the version, as the folder holds it now
    for name, on, message in GTO_TAGS:
        if "#" in name:
            ws.git("tag", "-a", name, commits[on], "-m", message)

    before = {r["stage"]: (r["version"], r["hub"]) for r in ws.run("stages", "--json").json}
    pushed = ws.run("push")
    after = {r["stage"]: r for r in ws.run("stages", "--json").json}

    # what `gto show tool-caller` printed: v1.1.0 in staging and prod, v1.0.0 in none
    assert before == {
        "prod": ("tool-caller@v1.1.0", "pending"),
        "staging": ("tool-caller@v1.1.0", "pending"),
    }
    assert pushed.code == 0, pushed.err
    assert {s: r["hub"] for s, r in after.items()} == {"prod": "published", "staging": "published"}
    assert after["staging"]["message"] == "looks good"
    assert _files(ws, "alice/tool-caller", "prod", tmp_path / "a") == _files(
        ws, "alice/tool-caller", "v1.1.0", tmp_path / "b"
    )
    history = ws.run("stages", "--history", "--json").json
    assert [(r["tag"], r["version"]) for r in history] == [
        (name, f"tool-caller@{on}") for name, on, _ in GTO_TAGS if "#" in name
    ]
    assert ws.run("promote", "tool-caller@v1.0.0", "prod").code == 0
    assert stagetags.read(root)[-1].name == "tool-caller#prod#6"
