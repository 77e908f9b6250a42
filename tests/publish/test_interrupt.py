"""Ctrl-C stops `git hf push` at once, even while a large file is being uploaded: it says what
was published and what was not, and the interrupted version gets no Hub tag.

`git-hf push` runs as a real process against the embedded hub behind the fault proxy, which
holds the upload of the big file (the client is then blocked mid-upload); the test sends
SIGINT as soon as the proxy sees that upload start."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from drivers import as_at_a_terminal
from faultproxy import Fault, FaultProxy, Rule

REPO = "alice/tool-caller"
GIT_HF = Path(sys.executable).parent / "git-hf"
STALL = 120.0  # seconds the upload is held: far longer than any test may wait
WAIT = 30.0


def two_versions(workspace: Any) -> str:
    """v1.0.0 (small, kept), then v1.1.0 trained with 8 MiB of new weights; returns the big
    file's sha256."""
    assert workspace.run("record", "--keep").code == 0
    workspace.tag("v1.0.0")
    big = os.urandom(8 << 20)
    workspace.write("model/model.safetensors", big)
    workspace.commit("feat: bigger model")
    assert workspace.run("record").code == 0
    workspace.tag("v1.1.0")
    return hashlib.sha256(big).hexdigest()


def start_push(workspace: Any, proxy: FaultProxy, oid: str, **env: str) -> subprocess.Popen[str]:
    """`git-hf push` in its own process; returns once the upload of `oid` is held."""
    proxy.add_rule(Rule(Fault.STALL, method="PUT", path=oid, stall_seconds=STALL))
    process = subprocess.Popen(
        [str(GIT_HF), "push"],
        cwd=workspace.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        preexec_fn=as_at_a_terminal,
    )
    deadline = time.monotonic() + WAIT
    while not any(e.method == "PUT" and oid in e.path for e in proxy.events):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.05)
    return process


def hub_tags(workspace: Any) -> set[str]:
    return {t.name for t in workspace.api.list_repo_refs(REPO).tags}


def test_ctrl_c_mid_upload_stops_the_push_and_says_what_was_published(workspace, proxy):
    oid = two_versions(workspace)
    process = start_push(workspace, proxy, oid, HF_HUB_DISABLE_XET="1")  # held: an LFS PUT

    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=WAIT)  # the upload is held for 120 s

    assert process.returncode == 130, err
    assert "published: v1.0.0" in err
    assert "not published: v1.1.0 (stopped mid-upload: no Hub tag)" in err
    assert "Traceback" not in err
    assert hub_tags(workspace) == {"v1.0.0"}
    proxy.clear_rules()
    assert workspace.run("push").code == 0  # the next push publishes the rest
    assert hub_tags(workspace) == {"v1.0.0", "v1.1.0"}


def test_a_second_ctrl_c_quits_at_once(workspace, proxy):
    oid = two_versions(workspace)
    # The first Ctrl-C alone would wait longer than the test does for the upload to stop.
    process = start_push(workspace, proxy, oid, HFGIT_STOP_GRACE=str(STALL), HF_HUB_DISABLE_XET="1")

    process.send_signal(signal.SIGINT)
    time.sleep(0.3)  # not a timing assertion: two separate presses of Ctrl-C
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=WAIT)

    assert process.returncode == 130, err
    assert "Ctrl-C again to quit at once" in err
    assert "not published: v1.1.0" in err
    assert "v1.1.0" not in hub_tags(workspace)


def test_ctrl_c_before_any_upload_publishes_nothing(workspace, proxy):
    workspace.tag("v1.0.0")
    # Hold the first request that changes the Hub: the repo's creation.
    proxy.add_rule(Rule(Fault.STALL, method="POST", path="/api/repos/create", stall_seconds=STALL))
    process = subprocess.Popen(
        [str(GIT_HF), "push"],
        cwd=workspace.root,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_at_a_terminal,
    )
    deadline = time.monotonic() + WAIT
    while not any("/api/repos/create" in e.path for e in proxy.events):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)

    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=WAIT)

    assert process.returncode == 130, err
    assert "not published: v1.0.0" in err
    assert not [line for line in err.splitlines() if line.startswith("published")]
    assert not workspace.api.repo_exists(REPO)
