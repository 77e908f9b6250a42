"""A model is named once: the other side of `git hf diff` follows a side that names it, a
`--model` that disagrees with the version says so, and GTO's `NAME@vX.Y.Z` tags in a
repository without `models:` say how to publish them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, models_workspace


@pytest.fixture
def models(hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Workspace:
    """clf v1.0.0 and v1.1.0, gen v1.0.0, each published to its Hub repo; clf v1.0.0 in
    production."""
    ws = models_workspace(hub, tmp_path / "project", capsys, monkeypatch)
    for name, tag in (("clf", "v1.0.0"), ("gen", "v1.0.0"), ("clf", "v1.1.0")):
        ws.write(f"models/{name}/config.json", json.dumps({"model": name, "version": tag}))
        ws.write(f"models/{name}/model.safetensors", os.urandom(32 * 1024))
        ws.commit(f"feat({name}): {tag}")
        ws.tag(f"{name}@{tag}")
        pushed = ws.run("push", f"{name}@{tag}")
        assert pushed.code == 0, pushed.err
    promoted = ws.run("promote", "clf@v1.0.0", "production")
    assert promoted.code == 0, promoted.err
    return ws


@pytest.mark.parametrize("order", ["stage first", "stage second"])
def test_a_bare_stage_beside_a_named_version_is_that_models(models: Workspace, order: str):
    args = ["production", "clf@v1.1.0"] if order == "stage first" else ["clf@v1.1.0", "production"]

    result = models.run("diff", *args, "--json")

    assert result.code == 0, result.err
    data = result.json
    assert data["model"] == "clf" and data["repo_id"] == "alice/clf"
    versions = [data["a"]["version"], data["b"]["version"]]
    assert sorted(versions) == ["production", "v1.1.0"]
    assert {f["path"] for f in data["files"]} >= {"model.safetensors", "config.json"}


def test_a_bare_version_beside_a_named_one_is_that_models(models: Workspace):
    result = models.run("diff", "clf@v1.0.0", "v1.1.0", "--json")

    assert result.code == 0, result.err
    assert result.json["repo_id"] == "alice/clf"
    assert result.json["config"] == [
        {"key": "version", "status": "changed", "a": "v1.0.0", "b": "v1.1.0"}
    ]


def test_versions_of_two_models_are_still_refused(models: Workspace):
    result = models.run("diff", "clf@v1.0.0", "gen@v1.0.0")

    assert result.code == 2
    assert "versions of different models" in result.err


@pytest.mark.parametrize(
    "args",
    [
        ("promote", "clf@v1.1.0", "staging", "--model", "gen"),
        ("card", "clf@v1.1.0", "--model", "gen"),
        ("pull", "clf@v1.1.0", "--model", "gen"),
        ("push", "clf@v1.1.0", "--model", "gen"),
    ],
)
def test_a_version_of_another_model_than_model_option_says_which(
    models: Workspace, args: tuple[str, ...]
):
    result = models.run(*args)

    assert result.code == 2
    assert "clf@v1.1.0 names the model clf, not --model gen" in result.err
    assert "unknown model" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert models.git("tag", "-l", "*#staging#*") == ""


def test_gto_tags_without_models_say_to_list_them(workspace: Workspace):
    workspace.tag("clf@v1.0.0", "Registering artifact clf version v1.0.0")
    workspace.tag("clf#prod#1", "Assigning stage prod to artifact clf version v1.0.0")

    pushed = workspace.run("push")
    status = workspace.run("status")

    for result in (pushed, status):
        assert result.code == 0, result.err
        assert "list clf under models: in .hfgit.yaml" in result.err
        assert "Traceback" not in result.err and len(result.err.strip().splitlines()) <= 2
    assert "git hf bump patch" not in pushed.err
    assert status.out.strip() == "no version tags yet (semver tags like v1.2.0)"


def test_the_one_models_own_name_is_no_gto_hint(workspace: Workspace):
    workspace.tag("tool-caller@v1.0.0")  # GTO's spelling of this repository's one model

    status = workspace.run("status")

    assert "models:" not in status.err


def test_a_stage_with_model_option_is_that_models_stage(models: Workspace, tmp_path: Path):
    pulled = models.run("pull", "--revision", "production", "--model", "clf", "--json")
    named = models.run("pull", "clf@production", "--json")

    assert pulled.code == 0, pulled.err
    assert "several models" not in pulled.err
    assert pulled.json["path"] == named.json["path"]
    held = json.loads((Path(pulled.json["path"]) / "config.json").read_text())
    assert held == {"model": "clf", "version": "v1.0.0"}


@pytest.mark.parametrize("command", ["push", "promote", "pull", "card"])
def test_a_stage_tag_given_as_a_version_says_what_it_is(models: Workspace, command: str):
    stage_tag = models.git("tag", "-l", "clf#production#*").splitlines()[0]
    args = [command, stage_tag] + (["staging"] if command == "promote" else [])

    result = models.run(*args)

    assert result.code == 2
    assert result.err.strip().splitlines() == [
        f"error: {stage_tag} is a stage tag (stage production), not a version: "
        "`git hf stages` shows the version it holds"
    ]


def test_the_one_model_of_a_models_list_needs_no_name(workspace: Workspace, hub: Any):
    workspace.write(
        ".hfgit.yaml",
        f"endpoint: {hub.url}\nmodels:\n"
        "  - name: clf\n    repo_id: alice/tool-caller\n    model_dir: model\n",
    )
    workspace.commit("chore: list the model, as GTO's artifacts.yaml does")
    workspace.tag("clf@v1.0.0")
    assert workspace.run("push").code == 0
    assert workspace.run("promote", "v1.0.0", "prod").code == 0

    result = workspace.run("diff", "v1.0.0", "prod", "--json")

    assert result.code == 0, result.err
    assert result.json["model"] == "clf"
    assert result.json["files"] == [] and result.json["unchanged"] > 0
    other = workspace.run("promote", "xyz@v1.0.0", "prod")
    assert other.code == 2 and "unknown model 'xyz': use one of clf" in other.err


def test_a_wrong_model_prefix_in_a_single_model_repository_blames_no_option(
    workspace: Workspace,
):
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0

    result = workspace.run("diff", "foo@v1.0.0", "v1.0.0")

    assert result.code == 2
    assert "unknown model 'foo': this repository has one model, tool-caller" in result.err
    assert "--model" not in result.err
