"""Older lines go to their own Hub branch, which starts at the highest Hub version below them,
never at a higher one; the version main's head holds counts before its tag is made."""

from __future__ import annotations

from typing import Any

from hfgit import trailers

REPO = "alice/tool-caller"


def _history(workspace: Any, revision: str) -> list[str]:
    """The versions in a Hub revision's history, newest first (untagged commits included)."""
    said = [
        trailers.parse(c.message or "")
        for c in workspace.api.list_repo_commits(REPO, revision=revision)
    ]
    titles = [c.title for c in workspace.api.list_repo_commits(REPO, revision=revision)]
    return [s.version or titles[i] for i, s in enumerate(said)]


def _release(workspace: Any, *tags: str) -> None:
    for tag in tags:
        workspace.commit(f"feat: {tag}")
        workspace.tag(tag)
    assert workspace.run("push", *tags).code == 0


def test_a_line_branch_starts_at_its_previous_version_not_at_main(workspace):
    _release(workspace, "v1.6.0", "v1.7.0")
    workspace.git("checkout", "-q", "-b", "maint-1.6", "v1.6.0")
    _release(workspace, "v1.6.1")

    assert _history(workspace, "v1.6.x") == ["v1.6.1", "v1.6.0", "initial commit"]
    assert _history(workspace, "main")[0] == "v1.7.0"


def test_a_new_line_starts_at_the_nearest_lower_version(workspace):
    _release(workspace, "v1.5.0", "v1.7.0")
    _release(workspace, "v1.6.0")

    assert _history(workspace, "v1.6.x") == ["v1.6.0", "v1.5.0", "initial commit"]


def test_a_line_below_every_hub_version_starts_at_the_first_commit(workspace):
    _release(workspace, "v2.0.0")
    _release(workspace, "v1.0.0")

    assert _history(workspace, "v1.0.x") == ["v1.0.0", "initial commit"]
    files = workspace.api.list_repo_files(REPO, revision="v1.0.0")
    assert "model.safetensors" in files and "experiment_metadata.json" in files


def test_a_lower_version_goes_to_its_line_while_main_holds_an_untagged_higher_one(workspace):
    """Another publisher committed v5.3.0 on main and has not created its tag yet."""
    _release(workspace, "v5.1.0")
    head = workspace.git("rev-parse", "HEAD")
    workspace.api.upload_file(
        path_or_fileobj=b"their weights",
        path_in_repo="model.safetensors",
        repo_id=REPO,
        commit_message="Publish v5.3.0 (git 12345678)",
        commit_description=f"Model version v5.3.0.\n\n{trailers.render('v5.3.0', head, {}, None)}",
    )
    main_before = _history(workspace, "main")
    workspace.commit("fix: an older line")
    workspace.tag("v5.2.0")

    result = workspace.run("push", "--json", "v5.2.0")

    assert result.code == 0, result.err
    assert result.json[0]["branch"] == "v5.2.x"
    assert _history(workspace, "main") == main_before  # main still holds v5.3.0
    assert _history(workspace, "v5.2.x") == ["v5.2.0", "v5.1.0", "initial commit"]
