"""A version already on the Hub is reported where it is (`--json` branch and hub_commit), not
where it would go if it were published now."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hfgit.plan import published_on
from hfgit.versioning import TagScheme, parse_tag

REPO = "alice/tool-caller"


def _release(ws: Any, tag: str) -> None:
    ws.write("model/config.json", json.dumps({"version": tag}))
    ws.commit(f"feat: {tag}")
    ws.tag(tag)
    pushed = ws.run("push", tag)
    assert pushed.code == 0, pushed.err


def _hub_commit(ws: Any, tag: str) -> str:
    return next(t.target_commit for t in ws.api.list_repo_refs(REPO).tags if t.name == tag)


def test_a_version_published_to_main_then_superseded_is_reported_on_main(workspace: Any):
    _release(workspace, "v0.1.0")
    _release(workspace, "v0.2.0")

    pushed = workspace.run("push", "--json", "v0.1.0")

    assert pushed.code == 0, pushed.err
    [skipped] = pushed.json
    assert skipped["action"] == "skip"
    assert (skipped["branch"], skipped["hub_commit"]) == ("main", _hub_commit(workspace, "v0.1.0"))


def test_a_version_published_beside_a_higher_one_is_reported_on_its_line(workspace: Any):
    _release(workspace, "v0.2.0")
    workspace.git("checkout", "-q", "HEAD~1")
    _release(workspace, "v0.1.0")

    pushed = workspace.run("push", "--json", "--dry-run", "v0.1.0", "v0.2.0")

    assert pushed.code == 0, pushed.err
    where = {o["tag"]: (o["branch"], o["hub_commit"]) for o in pushed.json}
    assert where == {
        "v0.1.0": ("v0.1.x", _hub_commit(workspace, "v0.1.0")),
        "v0.2.0": ("main", _hub_commit(workspace, "v0.2.0")),
    }


SCHEME = TagScheme()


@pytest.mark.parametrize(
    ("branches", "expected"),
    [
        ({"main": "c1"}, "main"),  # main's head
        ({"main": "c2"}, "main"),  # below main's head, and its line has no branch
        ({"main": "c2", "v1.2.x": "c1"}, "v1.2.x"),  # its line's head
        ({"main": "c2", "v1.2.x": "c3"}, None),  # on main, on its line, or both
        ({}, None),
    ],
)
def test_published_on_tells_only_what_the_heads_say(branches: dict[str, str], expected: Any):
    version = parse_tag("v1.2.0", SCHEME)
    assert version is not None

    assert published_on(version, "c1", branches) == expected
