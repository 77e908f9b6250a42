"""What `git hf push` says it sent, over Xet: the bytes that crossed the wire (hf_xet sends only
the chunks the Hub lacks), not the sizes of the changed files; over LFS, which sends new
content whole, the sizes as before."""

from __future__ import annotations

import random
import re
from typing import Any

from hfgit.commands.output import size

MiB = 1024 * 1024
WEIGHTS = 8 * MiB
CHANGED = (3 * MiB, WEIGHTS // 100)  # offset, length: 1% of the weights


def two_versions(workspace: Any) -> bytes:
    """v1.0.0 pushed; v1.1.0 tagged with 1% of its weights changed. Returns v1.1.0's weights."""
    rng = random.Random(11)  # fixed bytes: where the client's chunks fall depends on the data
    weights = bytearray(rng.randbytes(WEIGHTS))
    version(workspace, "v1.0.0", bytes(weights))
    assert workspace.run("push").code == 0
    offset, length = CHANGED
    weights[offset : offset + length] = rng.randbytes(length)
    version(workspace, "v1.1.0", bytes(weights))
    return bytes(weights)


def version(workspace: Any, tag: str, weights: bytes) -> None:
    workspace.write("model/model.safetensors", weights)
    workspace.commit(f"feat: weights of {tag}")
    assert workspace.run("record").code == 0
    workspace.tag(tag)


def sent_inline(outcome: dict[str, Any]) -> int:
    """Sizes of the small files the commit carries itself (the card, the metadata...)."""
    return sum(
        f["size"]
        for f in outcome["files"]
        if f["status"] in ("new", "changed") and f["path"] != "model.safetensors"
    )


def test_a_version_with_one_percent_of_its_weights_changed_reports_what_crossed_the_wire(
    workspace, xorb_bytes
):
    two_versions(workspace)
    before = xorb_bytes[0]

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    status = {f["path"]: f["status"] for f in outcome["files"]}
    assert status["model.safetensors"] == "changed"
    received = xorb_bytes[0] - before
    assert CHANGED[1] <= received < WEIGHTS // 4  # deduplicated: the changed chunks only
    # hf_xet's count of what it sent, and the small files the commit carried
    assert abs(outcome["bytes_sent"] - (received + sent_inline(outcome))) <= 1024
    assert outcome["bytes_sent"] < WEIGHTS // 4


def test_the_push_summary_says_the_bytes_sent_not_the_size_of_the_changed_weights(
    workspace, xorb_bytes
):
    two_versions(workspace)
    before = xorb_bytes[0]

    result = workspace.run("push")

    assert result.code == 0, result.err
    [line] = [line for line in result.err.splitlines() if "published v1.1.0" in line]
    said = re.search(r"([\d.]+) (B|KiB|MiB|GiB) sent", line)
    assert said is not None, line
    assert said.group(0) != f"{size(WEIGHTS)} sent"
    sent = float(said.group(1)) * 1024 ** ["B", "KiB", "MiB", "GiB"].index(said.group(2))
    received = xorb_bytes[0] - before
    assert received - 1024 <= sent <= received + 64 * 1024  # and the card, the metadata


def test_a_first_push_over_xet_reports_the_whole_new_weights_as_sent(workspace, xorb_bytes):
    weights = random.Random(12).randbytes(WEIGHTS)
    version(workspace, "v1.0.0", weights)

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    assert WEIGHTS <= outcome["bytes_sent"] <= xorb_bytes[0] + sent_inline(outcome)


def test_over_lfs_the_changed_weights_are_sent_whole_and_reported_so(
    workspace, xorb_bytes, monkeypatch
):
    from hfgit.server import cas
    from hfgit.server.problems import ApiError

    def no_xet(*args: object) -> None:
        raise ApiError(501, "This hub does not speak Xet", code="XetDisabled")

    monkeypatch.setattr(cas, "token_endpoint", no_xet)
    two_versions(workspace)

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    assert xorb_bytes[0] == 0
    assert outcome["bytes_sent"] == WEIGHTS + sent_inline(outcome)
    assert outcome["warnings"] == []


def test_a_push_that_cannot_read_hf_xets_reports_says_its_figure_is_the_files_size(
    workspace, monkeypatch
):
    from hfgit.hub import xet

    two_versions(workspace)
    monkeypatch.setattr(xet, "_route_sessions", lambda: False)  # as with huggingface_hub 1.x

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    assert outcome["bytes_sent"] == WEIGHTS + sent_inline(outcome)
    assert any("not measured" in w for w in outcome["warnings"])
    assert "v1.1.0: bytes sent over Xet not measured" in result.err
