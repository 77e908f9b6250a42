"""`git hf push` uploads over Xet to the embedded hub (served, or `endpoint: local`): a new
version whose weights changed in a few places sends and stores only the changed chunks."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
from drivers import as_at_a_terminal

MiB = 1024 * 1024
CHANGED = [(1 * MiB, 256 * 1024), (6 * MiB, 256 * 1024)]  # (offset, length): 0.5 of 8 MiB


def version(workspace: Any, tag: str, weights: bytes) -> None:
    workspace.write("model/model.safetensors", weights)
    workspace.commit(f"feat: weights of {tag}")
    assert workspace.run("record").code == 0
    workspace.tag(tag)


@pytest.mark.parametrize("endpoint", ["served", "local"])
def test_a_version_with_partly_changed_weights_sends_only_the_changed_chunks(
    workspace, xorb_bytes, endpoint
):
    if endpoint == "local":  # a repo of its own in the session's local hub
        config = workspace.root / ".hfgit.yaml"
        text = config.read_text().replace(workspace.hub.url, "local")
        config.write_text(text.replace("alice/tool-caller", f"alice/xet-{os.urandom(4).hex()}"))
    # fixed bytes: where the client's content-defined chunks fall depends on the data
    rng = random.Random(8)
    weights = bytearray(rng.randbytes(8 * MiB))
    version(workspace, "v1.0.0", bytes(weights))
    assert workspace.run("push").code == 0
    first = xorb_bytes[0]
    for offset, length in CHANGED:
        weights[offset : offset + length] = rng.randbytes(length)
    version(workspace, "v1.1.0", bytes(weights))

    result = workspace.run("push")

    assert result.code == 0, result.err
    changed = sum(length for _, length in CHANGED)
    assert first >= 8 * MiB
    # each changed region costs itself plus the chunks it starts and ends in (<= 128 KiB each)
    assert changed <= xorb_bytes[0] - first <= changed + len(CHANGED) * 2 * 128 * 1024
    if endpoint == "served":
        downloaded = workspace.api.hf_hub_download(
            "alice/tool-caller", "model.safetensors", revision="v1.1.0"
        )
        assert Path(downloaded).read_bytes() == bytes(weights)


def test_an_endpoint_that_hands_out_no_xet_token_gets_lfs(workspace, xorb_bytes, monkeypatch):
    from hfgit.server import cas
    from hfgit.server.problems import ApiError

    def no_xet(*args: object) -> None:
        raise ApiError(501, "This hub does not speak Xet", code="XetDisabled")

    monkeypatch.setattr(cas, "token_endpoint", no_xet)  # a hub of an earlier version, say
    weights = os.urandom(MiB)
    version(workspace, "v1.0.0", weights)

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert xorb_bytes[0] == 0
    lfs = [p for p in (workspace.hub.root / "lfs").rglob("*") if len(p.name) == 64]
    assert len(lfs) == 1 and lfs[0].read_bytes() == weights


def test_ctrl_c_mid_xet_upload_stops_the_push_and_the_version_gets_no_tag(workspace, proxy):
    import signal
    import subprocess
    import sys
    import time

    from faultproxy import Fault, Rule

    version(workspace, "v1.0.0", os.urandom(4 * MiB))
    # the proxy hands out its own URL for the CAS too: the xorb upload passes through it
    proxy.add_rule(Rule(Fault.STALL, method="POST", path="/v1/xorbs/", stall_seconds=120))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "git-hf"), "push"],
        cwd=workspace.root,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_at_a_terminal,
    )
    deadline = time.monotonic() + 60
    while not any("/v1/xorbs/" in e.path for e in proxy.events):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the xorb upload never started"
        time.sleep(0.05)

    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "not published: v1.0.0" in err and "Traceback" not in err
    tags = workspace.api.list_repo_refs("alice/tool-caller").tags
    assert [t.name for t in tags] == []
    proxy.clear_rules()
    assert workspace.run("push").code == 0  # the next push publishes it


@pytest.mark.parametrize("turned_off_by", ["hfgit", "the user"])
def test_a_hub_that_takes_xet_gets_it_unless_the_user_turned_xet_off(monkeypatch, turned_off_by):
    import huggingface_hub.constants

    from hfgit.hub import Hub, library

    url = "http://127.0.0.1:9"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(library, "_xet_turned_off", turned_off_by == "hfgit")
    monkeypatch.setitem(library._xet_offered, url, True)  # as `endpoint: local` says

    Hub(url, None, "alice/x").library()

    assert huggingface_hub.constants.HF_HUB_DISABLE_XET is (turned_off_by == "the user")
