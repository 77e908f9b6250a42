"""`git hf pull STAGE` checks provenance against the version the stage holds; `promote` says
what it did in few lines: offline once, and GTO's spelling of a version without `models:`
the way `push` and `status` say it."""

from __future__ import annotations

import json
from typing import Any

DOWN = "http://127.0.0.1:9"  # nothing listens there: the Hub cannot be reached


def _published(ws: Any, *tags: str) -> None:
    for tag in tags:
        ws.write("model/config.json", json.dumps({"version": tag}))
        ws.commit(f"feat: {tag}")
        ws.tag(tag)
        pushed = ws.run("push", tag)
        assert pushed.code == 0, pushed.err


def test_pulling_a_stage_checks_provenance_against_the_version_it_holds(workspace: Any) -> None:
    _published(workspace, "v1.0.0", "v1.1.0")
    assert workspace.run("promote", "v1.0.0", "production").code == 0

    pulled = workspace.run("pull", "production", "--json")

    assert pulled.code == 0, pulled.err
    assert "provenance not checked" not in pulled.err
    assert pulled.json["verified"] is True
    assert pulled.json["git_commit"] == workspace.git("rev-parse", "v1.0.0^{commit}")


def test_pulling_a_stage_whose_version_tag_moved_is_a_provenance_error(workspace: Any) -> None:
    _published(workspace, "v1.0.0")
    assert workspace.run("promote", "v1.0.0", "production").code == 0
    workspace.commit("chore: elsewhere")
    workspace.git("tag", "-f", "v1.0.0")  # the local tag now points at another commit

    pulled = workspace.run("pull", "production")

    assert pulled.code == 1
    assert "production (v1.0.0) on the Hub was published from git" in pulled.err


def test_pulling_a_stage_without_its_version_tag_names_that_tag(workspace: Any) -> None:
    _published(workspace, "v1.0.0")
    assert workspace.run("promote", "v1.0.0", "production").code == 0
    workspace.git("tag", "-d", "v1.0.0")

    pulled = workspace.run("pull", "production")

    assert pulled.code == 0, pulled.err
    assert "no local tag v1.0.0: provenance not checked" in pulled.err
    assert "no local tag production" not in pulled.err


def test_an_offline_promotion_says_it_once(workspace: Any) -> None:
    _published(workspace, "v1.0.0")

    offline = workspace.run("promote", "--endpoint", DOWN, "v1.0.0", "staging")

    assert offline.code == 0, offline.err
    lines = offline.err.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("warning: cannot reach the Hub")
    assert "promoted staging -> v1.0.0" in lines[1] and "`git hf push` publishes it" in lines[1]


def test_promoting_gtos_spelling_without_models_says_how_to_list_the_model(
    workspace: Any,
) -> None:
    workspace.tag("clf@v1.0.0", "Registering artifact clf version v1.0.0")

    promoted = workspace.run("promote", "clf@v1.0.0", "prod")

    assert promoted.code == 1
    assert "list clf under models: in .hfgit.yaml" in promoted.err
    assert "no version" not in promoted.err and len(promoted.err.strip().splitlines()) == 1
