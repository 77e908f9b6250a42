"""Several models in one repository: `models:` in .hfgit.yaml, `NAME@vX.Y.Z` tags published as
`vX.Y.Z` in each model's own Hub repo, `--model` on push/log/status/bump, auto-bump scoped to
a model's files and scope, and a GTO-tagged repository published as it is."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace

SEVERAL = """\
endpoint: {endpoint}
private: true
card:
  license: apache-2.0
models:
  - name: {a}
    repo_id: alice/{a}-{suffix}
    model_dir: models/{a}
    params: configs/{a}.yaml
    card:
      description: The {a} model.
  - name: {b}
    repo_id: alice/{b}-{suffix}
    model_dir: models/{b}
    params: configs/{b}.yaml
"""


def several(ws: Workspace, suffix: str, a: str = "clf", b: str = "det") -> dict[str, str]:
    """Turn the workspace into a repository of two models; their Hub repo ids."""
    ws.write(".hfgit.yaml", SEVERAL.format(endpoint=ws.hub.url, a=a, b=b, suffix=suffix))
    ws.write(".gitignore", "model/\nmodels/\n")
    for name in (a, b):
        ws.write(f"configs/{name}.yaml", f"lr: 0.001\nname: {name}\n")
        train(ws, name)
    ws.commit("chore: two models")
    return {a: f"alice/{a}-{suffix}", b: f"alice/{b}-{suffix}"}


def train(ws: Workspace, name: str) -> None:
    ws.write(f"models/{name}/config.json", json.dumps({"model_type": name}))
    ws.write(f"models/{name}/model.safetensors", os.urandom(4096))


def hub_tags(ws: Workspace, repo_id: str) -> set[str]:
    return {t.name for t in ws.api.list_repo_refs(repo_id).tags}


def metadata(ws: Workspace, repo_id: str, revision: str) -> dict[str, Any]:
    path = ws.api.hf_hub_download(repo_id, "experiment_metadata.json", revision=revision)
    return json.loads(Path(path).read_text())


def one_line_error(result: Any, code: int, *said: str) -> None:
    assert result.code == code, (result.out, result.err)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) <= 2 and lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.err
    for text in said:
        assert text in lines[0], lines[0]


def test_two_models_publish_their_name_tags_to_their_own_hub_repos(workspace: Workspace) -> None:
    ws = workspace
    repos = several(ws, "two")
    clf = ws.tag("clf@v1.0.0")
    det = ws.tag("det@v2.1.0", "detector release")

    pushed = ws.run("push", "--json")

    assert pushed.code == 0, pushed.err
    sections = pushed.json
    assert [(s["model"], s["repo_id"]) for s in sections] == [
        ("clf", repos["clf"]),
        ("det", repos["det"]),
    ]
    assert [[v["tag"], v["hub_tag"], v["model"]] for v in sections[0]["versions"]] == [
        ["clf@v1.0.0", "v1.0.0", "clf"]
    ]
    assert hub_tags(ws, repos["clf"]) == {"v1.0.0"}
    assert hub_tags(ws, repos["det"]) == {"v2.1.0"}
    meta = metadata(ws, repos["clf"], "v1.0.0")
    assert (meta["version"], meta["git_tag"], meta["model"], meta["git_commit"]) == (
        "v1.0.0",
        "clf@v1.0.0",
        "clf",
        clf,
    )
    assert metadata(ws, repos["det"], "v2.1.0")["git_commit"] == det
    files = set(ws.api.list_repo_files(repos["det"], revision="v2.1.0"))
    assert {"config.json", "model.safetensors", "README.md"} <= files
    card = Path(ws.api.hf_hub_download(repos["clf"], "README.md", revision="v1.0.0")).read_text()
    assert 'revision="v1.0.0"' in card and "clf@v1.0.0" in card and "The clf model." in card
    [commit] = [c for c in ws.api.list_repo_commits(repos["clf"]) if "Publish" in c.title]
    assert "Hfgit-Version: v1.0.0" in commit.message and "Hfgit-Model: clf" in commit.message

    again = ws.run("push")
    assert again.code == 0 and "nothing to publish" in again.err


def test_push_log_and_status_take_one_model_with_model_option(workspace: Workspace) -> None:
    ws = workspace
    repos = several(ws, "pick")
    ws.tag("clf@v1.0.0")
    ws.tag("det@v1.0.0")

    pushed = ws.run("push", "--model", "det", "--json")

    assert pushed.code == 0, pushed.err
    assert [s["model"] for s in pushed.json] == ["det"]
    assert hub_tags(ws, repos["det"]) == {"v1.0.0"}
    assert not ws.api.repo_exists(repos["clf"])

    status = ws.run("status", "--json")
    assert status.code == 0, status.err
    assert [(s["model"], s["repo_id"], s["versions"]) for s in status.json] == [
        ("clf", repos["clf"], [{"version": "clf@v1.0.0", "state": "local-only"}]),
        ("det", repos["det"], [{"version": "det@v1.0.0", "state": "published"}]),
    ]
    assert ws.run("status", "--check", "--model", "det").code == 0
    assert ws.run("status", "--check").code == 1  # clf is not published

    text = ws.run("status")
    assert "clf (alice/clf-pick)" in text.out and "det (alice/det-pick)" in text.out
    assert text.out.index("local-only  clf@v1.0.0") < text.out.index("published   det@v1.0.0")

    log = ws.run("log", "--model", "det", "--json")
    assert log.code == 0, log.err
    [section] = log.json
    assert section["model"] == "det"
    assert [(v["version"], v["hub_tag"], v["state"]) for v in section["versions"]] == [
        ("det@v1.0.0", "v1.0.0", "published")
    ]
    logged = ws.run("log")
    assert "det (alice/det-pick)" in logged.out and "det@v1.0.0" in logged.out
    assert "alice/clf-pick is not on the Hub yet" in logged.err

    named = ws.run("push", "clf@v1.0.0")
    assert named.code == 0, named.err
    assert hub_tags(ws, repos["clf"]) == {"v1.0.0"}


def test_bump_needs_the_model_and_makes_its_name_tag(workspace: Workspace) -> None:
    ws = workspace
    several(ws, "bump")
    ws.tag("clf@v1.2.0")
    ws.commit("feat: more")

    one_line_error(ws.run("bump", "minor"), 2, "several models", "--model", "clf, det")
    made = ws.run("bump", "minor", "--model", "clf")

    assert made.code == 0, made.err
    assert made.out.strip() == "clf@v1.3.0"
    assert "clf@v1.3.0" in ws.git("tag").split()
    first = ws.run("bump", "patch", "--model", "det", "--dry-run")
    assert first.out.strip() == "det@v0.0.1"


def test_auto_bump_counts_only_the_model_s_commits(workspace: Workspace) -> None:
    ws = workspace
    several(ws, "auto")
    ws.tag("clf@v1.0.0")
    ws.tag("det@v1.0.0")
    ws.write("configs/det.yaml", "lr: 0.002\n")  # det's params file
    ws.commit("feat: a new detector head")
    ws.commit("fix(clf): threshold off by one")  # clf's scope, no file
    ws.write("README.md", "docs\n")
    ws.commit("feat!: rewrite the docs")  # neither model's files nor scope

    assert ws.run("bump", "auto", "--model", "clf", "--dry-run").out.strip() == "clf@v1.0.1"
    assert ws.run("bump", "auto", "--model", "det", "--dry-run").out.strip() == "det@v1.1.0"

    ws.run("bump", "auto", "--model", "det")
    ws.commit("docs: nothing to release")
    refused = ws.run("bump", "auto", "--model", "det")
    one_line_error(refused, 2, "no commit of model det since det@v1.1.0")


GTO = """\
endpoint: {endpoint}
models:
  - name: churn
    repo_id: alice/churn-gto
    model_dir: model
    results: eval/results.json
"""


def test_a_gto_tagged_repository_is_published_as_it_is(workspace: Workspace) -> None:
    ws = workspace
    first = ws.tag("churn@v1.0.0", "Registering artifact churn version v1.0.0")
    ws.tag("churn#prod#1", "Assigning stage prod to artifact churn version v1.0.0")
    ws.commit("feat: retrain")
    ws.write("model/model.safetensors", os.urandom(2048))
    second = ws.tag("churn@v1.1.0")
    ws.tag("churn#staging#1")
    ws.write(".hfgit.yaml", GTO.format(endpoint=ws.hub.url))

    pushed = ws.run("push", "--json")

    assert pushed.code == 0, pushed.err
    [section] = pushed.json
    assert [v["tag"] for v in section["versions"]] == ["churn@v1.0.0", "churn@v1.1.0"]
    assert hub_tags(ws, "alice/churn-gto") == {"v1.0.0", "v1.1.0"}
    assert metadata(ws, "alice/churn-gto", "v1.0.0")["git_commit"] == first
    assert metadata(ws, "alice/churn-gto", "v1.1.0")["git_commit"] == second
    status = ws.run("status", "--json", "--check")
    assert status.code == 0, status.err
    assert [v["version"] for v in status.json[0]["versions"]] == ["churn@v1.1.0", "churn@v1.0.0"]
    log = ws.run("log")
    assert "churn@v1.1.0" in log.out and "#" not in log.out


def test_single_model_config_keeps_plain_tags(workspace: Workspace) -> None:
    ws = workspace
    ws.tag("v1.0.0")
    ws.tag("other@v1.0.0")  # not this repository's spelling

    pushed = ws.run("push", "--json")

    assert pushed.code == 0, pushed.err
    assert [o["tag"] for o in pushed.json] == ["v1.0.0"]
    assert "model" not in pushed.json[0] and "hub_tag" not in pushed.json[0]
    assert hub_tags(ws, "alice/tool-caller") == {"v1.0.0"}
    assert isinstance(ws.run("status", "--json").json, dict)


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["push", "--model", "nope"], 2, ["unknown model 'nope'", "clf, det"]),
        (["log", "--model", "nope"], 2, ["unknown model 'nope'"]),
        (["push", "v1.0.0"], 2, ["several models", "clf@v1.0.0"]),
        (["push", "seg@v1.0.0"], 2, ["unknown model 'seg'", "clf, det"]),
        (["bump", "patch", "--model", "nope"], 2, ["unknown model 'nope'"]),
        (["card"], 2, ["several models: pass --model NAME"]),
    ],
)
def test_wrong_model_inputs_are_one_line(
    workspace: Workspace, args: list[str], code: int, said: list[str]
) -> None:
    several(workspace, "wrong")
    one_line_error(workspace.run(*args), code, *said)


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (("name: det", "name: clf"), ".hfgit.yaml:12: models[1].name clf is models[0]'s too"),
        (
            ("repo_id: alice/det-conf", "repo_id: alice/CLF-conf"),
            ".hfgit.yaml:13: models[1].repo_id alice/CLF-conf is models[0]'s too",
        ),
        (("name: det", "name: Det.v2"), ".hfgit.yaml:12: models[1].name must be lowercase"),
        (("name: det", "title: det"), "missing required key models[1].name"),
    ],
)
def test_wrong_models_lists_are_one_line_naming_file_line_and_key(
    workspace: Workspace, edit: tuple[str, str], said: str
) -> None:
    several(workspace, "conf")
    path = workspace.root / ".hfgit.yaml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]))
    one_line_error(workspace.run("status"), 1, said)
    checked = workspace.run("validate")
    assert checked.code == 1 and said in checked.err + checked.out


def test_record_and_validate_take_one_of_several_models(workspace: Workspace) -> None:
    ws = workspace
    repos = several(ws, "rec")

    one_line_error(ws.run("record"), 2, "several models: pass --model NAME (one of clf, det)")
    recorded = ws.run("record", "--model", "clf")

    assert recorded.code == 0, recorded.err
    written = ws.root / "models/clf/experiment_metadata.json"
    assert recorded.out.strip() == str(written) and written.is_file()
    assert not (ws.root / "models/det/experiment_metadata.json").exists()
    checked = ws.run("validate")
    assert checked.code == 0 and f"clf: {repos['clf']}" in checked.err
    assert f"det: {repos['det']}" in checked.err
    [det] = ws.run("validate", "--model", "det", "--json").json
    assert (det["model"], det["repo_id"], det["model_dir"]) == ("det", repos["det"], "models/det")


def test_pull_and_card_find_the_model_a_version_names(workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    repos = several(ws, "pull")
    commit = ws.tag("det@v1.0.0")
    assert ws.run("push", "--model", "det").code == 0

    pulled = ws.run("pull", "det@v1.0.0", "--local-dir", str(tmp_path / "det"), "--json")

    assert pulled.code == 0, pulled.err
    assert (pulled.json["git_commit"], pulled.json["verified"]) == (commit, True)
    assert (tmp_path / "det" / "model.safetensors").is_file()
    same = ws.run("pull", "v1.0.0", "--model", "det", "--local-dir", str(tmp_path / "again"))
    assert same.code == 0, same.err
    card = ws.run("card", "--model", "det")
    assert card.code == 0 and f'"{repos["det"]}", revision="v1.0.0"' in card.out
    one_line_error(ws.run("pull", "v1.0.0"), 2, "several models", "e.g. clf@v1.0.0")
    [row] = ws.run("experiments", "--model", "det", "--json").json
    assert (row["version"], row["git_commit"]) == ("det@v1.0.0", commit)
    one_line_error(ws.run("experiments"), 2, "several models: pass --model NAME")
