"""A version that drops a file of the previous one and brings new weights publishes: the files
the Hub client hashes as it uploads are checked, and the deletion goes with the commit."""

from __future__ import annotations

import os
from typing import Any

REPO = "alice/tool-caller"


def test_a_version_without_a_file_of_the_last_one_deletes_it_on_the_hub(workspace: Any) -> None:
    workspace.write("model/notes.txt", "only in v1.0.0\n")
    workspace.tag("v1.0.0")
    assert workspace.run("push", "v1.0.0").code == 0
    (workspace.root / "model" / "notes.txt").unlink()
    workspace.write("model/model.safetensors", os.urandom(300 * 1024))  # a size new to the Hub
    workspace.commit("feat: retrain")
    workspace.tag("v1.1.0")

    result = workspace.run("push", "v1.1.0")

    assert result.code == 0, result.err
    files = workspace.api.list_repo_files(REPO, revision="v1.1.0")
    assert "notes.txt" not in files and "model.safetensors" in files
    assert "notes.txt" in workspace.api.list_repo_files(REPO, revision="v1.0.0")
