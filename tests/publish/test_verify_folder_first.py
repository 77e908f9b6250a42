"""`git hf verify --dir DIR` says a folder is missing before it asks the Hub anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from drivers import Workspace


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_wrong_dir_is_one_line_and_no_hub_request(
    workspace: Workspace, hub_requests: list[str], tmp_path: Path, kind: str
):
    workspace.tag("v1.0.0")
    target = tmp_path / "not-here"
    if kind == "file":
        target.write_text("x")

    result = workspace.run("verify", "v1.0.0", "--dir", str(target))

    assert result.code == 1
    said = "does not exist" if kind == "missing" else "is not a folder"
    assert result.err.strip().splitlines() == [
        f"error: {target} {said}: pass --dir the folder that holds v1.0.0"
    ]
    assert hub_requests == []
