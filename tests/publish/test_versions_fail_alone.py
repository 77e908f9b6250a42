"""A version that cannot be published is reported and skipped; the others go on, and the
push exits 1 with a line per version (and `--json` carries each version's error)."""

from __future__ import annotations

import json
from typing import Any

from faultproxy import Fault, Rule

from hfgit.hub import retry

REPO = "alice/tool-caller"
GATE = "gate:\n  min: {accuracy: 0.85}\n"


def _versions(workspace: Any, accuracies: list[float]) -> list[str]:
    """v1.0.0, v1.1.0, ... each on its own commit, with its own eval results."""
    tags = []
    for i, accuracy in enumerate(accuracies):
        workspace.write("eval/results.json", json.dumps({"accuracy": accuracy}))
        workspace.commit(f"feat: round {i}")
        workspace.tag(f"v1.{i}.0")
        tags.append(f"v1.{i}.0")
    return tags


def _hub_tags(workspace: Any) -> dict[str, str]:
    return {t.name: t.target_commit for t in workspace.api.list_repo_refs(REPO).tags}


def _main(workspace: Any) -> str:
    return {b.name: b.target_commit for b in workspace.api.list_repo_refs(REPO).branches}["main"]


def _with_gate(workspace: Any) -> None:
    config = workspace.root / ".hfgit.yaml"
    config.write_text(config.read_text() + GATE)
    workspace.commit("chore: gate")


def test_a_version_refused_by_its_gate_is_skipped_and_the_others_publish(workspace):
    _with_gate(workspace)
    _versions(workspace, [0.91, 0.5, 0.93])

    result = workspace.run("push")

    assert result.code == 1
    tags = _hub_tags(workspace)
    assert set(tags) == {"v1.0.0", "v1.2.0"} and _main(workspace) == tags["v1.2.0"]
    lines = result.err.strip().splitlines()
    assert "v1.1.0: not published: v1.1.0 is not published: accuracy = 0.5" in result.err
    assert lines[-1].startswith("error: v1.1.0 was not published: v1.1.0 is not published")
    assert lines[-1].endswith("(the other 2 versions went through)")
    assert [line.split()[1] for line in lines if line.startswith("published ")] == [
        "v1.0.0",
        "v1.2.0",
    ]


def test_push_json_carries_each_versions_outcome_and_error(workspace):
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    workspace.git("tag", "-d", "v1.0.0")
    workspace.commit("fix: retrained")
    workspace.tag("v1.0.0")  # moved: a conflict with the Hub
    workspace.commit("feat: next")
    workspace.tag("v1.1.0")

    result = workspace.run("push", "--json")

    assert result.code == 1
    by_tag = {o["tag"]: o for o in result.json}
    assert by_tag["v1.0.0"]["action"] == "conflict" and by_tag["v1.0.0"]["retry"] is False
    assert by_tag["v1.0.0"]["error"].startswith("tag v1.0.0 diverged")
    assert by_tag["v1.1.0"]["error"] is None and by_tag["v1.1.0"]["hub_commit"]
    assert _hub_tags(workspace)["v1.1.0"] == by_tag["v1.1.0"]["hub_commit"]
    assert result.err.strip().splitlines()[-1].startswith("error: v1.0.0 was not published")


def test_a_single_version_fails_with_its_own_error(workspace):
    _with_gate(workspace)
    _versions(workspace, [0.5])

    result = workspace.run("push", "v1.0.0")

    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "error: v1.0.0 is not published: accuracy = 0.5 is below the gate minimum 0.85"
    ]


def test_dry_run_names_a_version_that_would_be_refused(workspace):
    _with_gate(workspace)
    _versions(workspace, [0.91, 0.5])

    result = workspace.run("push", "--dry-run")

    assert result.code == 1
    assert "v1.0.0  publish -> main" in result.out
    assert "v1.1.0  not publishable: v1.1.0 is not published: accuracy = 0.5" in result.out
    assert not workspace.api.repo_exists(REPO)


def test_a_hub_that_stops_answering_stops_the_push_and_keeps_the_rest_for_later(
    workspace, proxy, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(retry, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    monkeypatch.setattr(retry, "clock", lambda: now[0])
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    for tag in ("v1.1.0", "v1.2.0"):
        workspace.commit(f"feat: {tag}")
        workspace.tag(tag)
    proxy.add_rule(Rule(Fault.ERROR, method="POST", path=r"/commit/"))

    result = workspace.run("push", "--json", "v1.0.0", "v1.1.0", "v1.2.0")

    assert result.code == 1
    outcome = {o["tag"]: (o["error"], o["retry"]) for o in result.json}
    assert outcome["v1.0.0"] == (None, False)  # already there: skipped
    assert outcome["v1.1.0"][0].startswith("cannot reach the Hub") and outcome["v1.1.0"][1]
    assert outcome["v1.2.0"][0].startswith("not tried: the push stopped earlier (cannot reach")
    assert outcome["v1.2.0"][1] is True
    assert set(_hub_tags(workspace)) == {"v1.0.0"}
