"""The "changed after vX was made" note compares a file's mtime with when the tag was made,
exactly: git keeps an annotated tag's date in whole seconds, so the time comes from the tag's
ref file when it is the one `git tag` wrote, else the tag's whole second counts."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

SECOND = 1_000_000_000
T = int(time.time()) - 3600  # a whole second, the tag's date, an hour ago


def _tag_at(ws: Any, monkeypatch: pytest.MonkeyPatch, file_at: float, ref_at: float | None) -> None:
    """Model files written at T + `file_at` s; `git tag -a v1.0.0` dated T, its ref file
    written at T + `ref_at` s (None: packed, as after `git gc`)."""
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"@{T} +0000")
    ws.tag("v1.0.0", message="Release v1.0.0")
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        stamp = T * SECOND + int(file_at * SECOND)
        os.utime(ws.root / "model" / name, ns=(stamp, stamp))
    ref = ws.root / ".git/refs/tags/v1.0.0"
    if ref_at is None:
        ws.git("pack-refs", "--all")
        assert not ref.exists()
    else:
        stamp = T * SECOND + int(ref_at * SECOND)
        os.utime(ref, ns=(stamp, stamp))


def _note(ws: Any) -> str:
    pushed = ws.run("push", "v1.0.0")
    assert pushed.code == 0, pushed.err
    return "\n".join(line for line in pushed.err.splitlines() if "changed after" in line)


@pytest.mark.parametrize("ref_at", [0.7, None], ids=["loose ref", "packed ref"])
def test_files_written_in_the_tags_second_before_it_are_no_change(
    workspace: Any, monkeypatch: pytest.MonkeyPatch, ref_at: float | None
) -> None:
    _tag_at(workspace, monkeypatch, file_at=0.5, ref_at=ref_at)

    assert _note(workspace) == ""


def test_a_file_written_after_the_tag_within_its_second_is_still_noted(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tag_at(workspace, monkeypatch, file_at=0.9, ref_at=0.7)

    assert "changed after v1.0.0 was made (config.json, model.safetensors" in _note(workspace)


def test_a_file_written_a_second_after_a_packed_tag_is_noted(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tag_at(workspace, monkeypatch, file_at=1.2, ref_at=None)

    assert "changed after v1.0.0 was made" in _note(workspace)
