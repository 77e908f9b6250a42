"""`git hf push` over Xet to a hub that dies, or whose Xet storage refuses every request, right
after it handed out the write token: hf_xet's own retries are held to hfgit's retry deadline,
so the push fails in one line, exits 1, long before hf_xet's own schedule (minutes) would end;
and the same push, run again once the hub is back, publishes the version.

The pushes are `git-hf` processes, as a user runs them."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from chaos import TOKEN, USER, HubProcess, Publisher, wait_for
from faultproxy import Fault, FaultProxy, Rule
from invariants import Made

from hfgit.hub import RetryPolicy, xet

DEADLINE = "2"  # $HFGIT_RETRY_DEADLINE of the pushes, in seconds
BOUND = 90  # seconds: generous; hf_xet's own schedule (5 retries, waits up to 6 min) takes minutes
MiB = 1024 * 1024


def xet_publisher(path: Path, endpoint: str, token: str) -> Publisher:
    """A publisher over Xet, with hfgit's short deadline and none of hf_xet's settings."""
    publisher = Publisher.create(path, endpoint, token, Made())
    del publisher.env["HF_HUB_DISABLE_XET"]
    publisher.env["HFGIT_RETRY_DEADLINE"] = DEADLINE
    for _, name in xet.settings(RetryPolicy()):
        publisher.env.pop(name, None)
    publisher.make_version("v1.0.0", random.Random(3), weights=4 * MiB)
    return publisher


def one_error_line(err: str) -> str:
    assert "Traceback" not in err and "unexpected error" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


def hub_tags(url: str, publisher: Publisher) -> list[str]:
    from huggingface_hub import HfApi

    api = HfApi(endpoint=url, token=publisher.env["HF_TOKEN"])
    return [t.name for t in api.list_repo_refs(publisher.repo_id).tags]


def test_a_hub_killed_after_handing_out_the_write_token_fails_the_push_in_bounded_time(
    tmp_path: Path,
):
    server = HubProcess(tmp_path / "hub", USER, TOKEN).start()
    proxy = FaultProxy(server.url).start()  # where the push sees the hub; closed, it is gone
    try:
        publisher = xet_publisher(tmp_path / "work", proxy.url, TOKEN)
        # the first request to the Xet storage waits here: the write token was handed out
        held = proxy.add_rule(Rule(Fault.STALL, path="/api/cas/", stall_seconds=BOUND))
        push = publisher.start("push")
        wait_for(lambda: held.hits or push.poll() is not None, what="a Xet storage request")
        assert held.hits, push.communicate()
        server.kill()
        proxy.close()  # nothing answers at the hub's address any more

        try:
            _, err = push.communicate(timeout=BOUND)
        except subprocess.TimeoutExpired:
            push.kill()
            raise AssertionError(f"the push still ran {BOUND} s after the hub died") from None

        assert push.returncode == 1, err
        assert "cannot reach the Hub at" in one_error_line(err)
        server.start()
        proxy = FaultProxy(server.url, port=urlparse(proxy.url).port or 0).start()
        assert hub_tags(server.url, publisher) == []
        again = publisher.hf("push", timeout=BOUND)
        assert again.returncode == 0, again.stderr
        assert hub_tags(server.url, publisher) == ["v1.0.0"]
    finally:
        proxy.close()
        server.stop()


def test_a_xet_storage_refusing_every_request_fails_the_push_in_bounded_time(
    hub: Any, tmp_path: Path
):
    with FaultProxy(hub.url) as proxy:
        publisher = xet_publisher(tmp_path / "work", proxy.url, hub.tokens["alice"])
        refused = proxy.add_rule(Rule(Fault.ERROR, path="/api/cas/", status=503))

        failed = publisher.hf("push", timeout=BOUND)

        assert failed.returncode == 1, failed.stderr
        line = one_error_line(failed.stderr)
        assert "cannot reach the Hub at" in line and "503" in line
        assert any("/xet-write-token/" in e.path for e in proxy.events)
        assert refused.hits > 0
        assert hub_tags(hub.url, publisher) == []
        proxy.clear_rules()
        again = publisher.hf("push", timeout=BOUND)
        assert again.returncode == 0, again.stderr
        assert hub_tags(hub.url, publisher) == ["v1.0.0"]


def test_hfgit_s_xet_session_retries_within_the_deadline_and_the_users_settings_win(
    monkeypatch: Any,
):
    monkeypatch.setenv(xet.RETRIES[1], "11")  # the user's
    monkeypatch.delenv(xet.WAIT[1], raising=False)
    policy = RetryPolicy(deadline=60.0, max_delay=8.0, timeout=30.0)

    with xet.metered(policy) as meter:
        read = xet.config(meter.overrides)  # what hfgit's session is made with

    assert read.get("client.retry_max_attempts") == 11
    assert read.get("client.retry_max_duration").total_seconds() == 7.5  # 60 s over 8 waits
    assert read.get("client.connect_timeout").total_seconds() == 10
    assert read.get("client.read_timeout").total_seconds() == 30
    assert not meter.bounded  # the user chose hf_xet's retries: hfgit's own apply as before
    assert os.environ[xet.RETRIES[1]] == "11" and xet.WAIT[1] not in os.environ


def test_hf_xet_s_waits_add_up_to_the_deadline_at_most():
    for deadline in (0.0, 1.0, 2.0, 7.0, 60.0, 600.0):
        bounds = xet.settings(RetryPolicy(deadline=deadline))
        retries = bounds[xet.RETRIES]
        wait = int(bounds[xet.WAIT].removesuffix("ms")) / 1000
        assert retries * wait <= deadline + 0.001
        assert wait <= RetryPolicy().max_delay
        assert (retries > 0) == (deadline > 0)
