"""Transient faults between `git hf push` and the Hub are retried inside one run.

The push goes through a fault-injecting proxy (tests/faultproxy.py) in front of the embedded
hub; waits are recorded by an injected sleep instead of being slept."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from faultproxy import Fault, Rule

from hfgit import trailers
from hfgit.hub import retry

REPO = "alice/tool-caller"


class FakeTime:
    """A clock that moves only when slept on: waits are recorded, never slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(retry, "sleep", fake.sleep)
    monkeypatch.setattr(retry, "clock", fake.clock)
    monkeypatch.setenv(retry.ENV_DEADLINE, "60")
    return fake


def _train(workspace: Any, n: int) -> dict[str, str]:
    """Tags v1.0.0..v1.{n-1}.0, each on its own commit with its own weights."""
    tagged = {}
    for i in range(n):
        workspace.write("model/model.safetensors", os.urandom(64 * 1024 + i))
        workspace.write("model/config.json", f'{{"model_type": "llama", "round": {i}}}')
        workspace.commit(f"feat: round {i}")
        tagged[f"v1.{i}.0"] = workspace.tag(f"v1.{i}.0")
    return tagged


def _versions_on_main(workspace: Any) -> list[tuple[str | None, str | None]]:
    return [
        (said.version, said.git_commit)
        for said in (trailers.parse(c.message) for c in workspace.api.list_repo_commits(REPO))
        if said.version
    ]


def _hub_tags(workspace: Any) -> list[str]:
    if not workspace.api.repo_exists(REPO):
        return []
    return [t.name for t in workspace.api.list_repo_refs(REPO).tags]


def _published(workspace: Any, tagged: dict[str, str]) -> None:
    """Every version is on the Hub once, tagged, with the weights of its own commit."""
    tags = {t.name: t.target_commit for t in workspace.api.list_repo_refs(REPO).tags}
    assert set(tags) == set(tagged)
    on_main = _versions_on_main(workspace)
    assert sorted(on_main) == sorted(tagged.items())  # one Hub commit per version, no repeats
    for tag, git_commit in tagged.items():
        meta = workspace.api.hf_hub_download(REPO, "experiment_metadata.json", revision=tag)
        assert f'"git_commit": "{git_commit}"' in Path(meta).read_text()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_flaky_hub_gets_every_version_in_one_run(workspace, proxy, fake_time, seed):
    tagged = _train(workspace, 4)
    proxy._rng.seed(seed)
    proxy.set_rates(error=0.15, drop=0.10)

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert proxy.counters["error"] + proxy.counters["drop"] > 0
    proxy.set_rates()
    _published(workspace, tagged)


def test_a_commit_whose_answer_was_lost_is_not_made_twice(workspace, proxy, fake_time):
    tagged = _train(workspace, 1)
    proxy.add_rule(Rule(Fault.DROP, method="POST", path=r"/commit/main", times=1))

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert proxy.counters["drop"] == 1
    assert len([e for e in proxy.events if e.method == "POST" and "/commit/" in e.path]) == 1
    _published(workspace, tagged)


def test_a_commit_refused_with_503_is_looked_up_then_made_once(workspace, proxy, fake_time):
    tagged = _train(workspace, 1)
    proxy.add_rule(Rule(Fault.ERROR, method="POST", path=r"/commit/main", times=2))

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert len([e for e in proxy.events if "/commit/" in e.path]) == 3
    _published(workspace, tagged)


def test_a_tag_whose_answer_was_lost_is_success(workspace, proxy, fake_time):
    tagged = _train(workspace, 1)
    proxy.add_rule(Rule(Fault.DROP, method="POST", path=r"/tag/", times=1))

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert proxy.counters["drop"] == 1
    _published(workspace, tagged)


def test_an_upload_whose_body_was_cut_is_sent_again(workspace, proxy, fake_time, over_lfs):
    tagged = _train(workspace, 1)
    proxy.add_rule(Rule(Fault.CUT, method="PUT", times=1))

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert proxy.counters["cut"] == 1
    _published(workspace, tagged)


def test_retry_after_of_a_429_is_honoured(workspace, proxy, fake_time):
    _train(workspace, 1)
    proxy.add_rule(Rule(Fault.RATE_LIMIT, method="GET", path=r"/refs", times=1, retry_after=7))

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert fake_time.sleeps[0] == 7.0


def test_waits_back_off_exponentially_with_jitter(workspace, proxy, fake_time):
    _train(workspace, 1)
    proxy.add_rule(Rule(Fault.ERROR, method="GET", path=r"/refs", times=5))

    assert workspace.run("push").code == 0

    waits = fake_time.sleeps[:5]
    bounds = [(0.25, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0)]
    assert all(low <= w <= high for w, (low, high) in zip(waits, bounds, strict=True)), waits
    assert len(set(waits)) == 5


def test_a_hub_that_stays_down_ends_with_one_cannot_reach_line(workspace, proxy, fake_time):
    _train(workspace, 1)
    proxy.add_rule(Rule(Fault.ERROR))

    result = workspace.run("push")

    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"error: cannot reach the Hub at {proxy.url}: 503")
    assert "the retry deadline is 60 s" in lines[0]
    assert sum(fake_time.sleeps) <= 60
    assert _hub_tags(workspace) == []


def test_a_hub_that_dies_mid_upload_is_cannot_reach_not_unexpected(
    workspace, proxy, fake_time, over_lfs
):
    _train(workspace, 1)
    proxy.add_rule(Rule(Fault.CUT, method="PUT"))  # every upload of the weights is cut

    result = workspace.run("push")

    assert result.code == 1, result.err
    assert "unexpected" not in result.err
    (line,) = [e for e in result.err.splitlines() if e.startswith("error:")]
    assert line.startswith(f"error: cannot reach the Hub at {proxy.url}: ")
    assert _hub_tags(workspace) == []


def test_a_read_that_stalls_times_out_and_is_retried(workspace, proxy):
    from hfgit.hub import Hub, RetryPolicy

    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    waits: list[float] = []
    hub = Hub(
        proxy.url,
        workspace.hub.tokens["alice"],
        REPO,
        retry=RetryPolicy(deadline=30, timeout=0.5, sleep=waits.append),
    )
    proxy.add_rule(Rule(Fault.STALL, method="GET", path=r"/refs", times=1, stall_seconds=10))

    refs = hub.refs()

    assert refs is not None and "v1.0.0" in refs.tags
    assert proxy.counters["stall"] == 1 and len(waits) == 1


def _hub(workspace: Any) -> Any:
    from hfgit.hub import Hub

    return Hub(workspace.hub.url, workspace.hub.tokens["alice"], REPO)


def test_a_replayed_commit_answered_412_is_the_commit_already_made(workspace):
    from hfgit.hub import Upload

    hub = _hub(workspace)
    hub.ensure_repo(private=True)
    head = hub.refs().branches["main"]
    description = trailers.render("v1.0.0", "a" * 40, {}, None)
    made = hub.commit([Upload("w.bin", b"weights")], "main", head, "Release v1.0.0", description)

    again = hub.commit([Upload("w.bin", b"weights")], "main", head, "Release v1.0.0", description)

    assert again == made
    assert len(workspace.api.list_repo_commits(REPO)) == 2  # initial commit + one


def test_a_replayed_commit_of_something_else_is_still_a_stale_parent(workspace):
    from hfgit.errors import StaleParentError
    from hfgit.hub import Upload

    hub = _hub(workspace)
    hub.ensure_repo(private=True)
    head = hub.refs().branches["main"]
    hub.commit(
        [Upload("w.bin", b"1")], "main", head, "v1", trailers.render("v1.0.0", "a" * 40, {}, None)
    )

    with pytest.raises(StaleParentError):
        hub.commit(
            [Upload("w.bin", b"2")],
            "main",
            head,
            "v2",
            trailers.render("v2.0.0", "b" * 40, {}, None),
        )


def test_a_409_on_a_tag_already_at_the_same_version_is_success(workspace):
    from hfgit.errors import TagConflictError
    from hfgit.hub import Upload

    hub = _hub(workspace)
    hub.ensure_repo(private=True)
    head = hub.refs().branches["main"]
    same = trailers.render("v1.0.0", "a" * 40, {}, None)
    first = hub.commit([Upload("w.bin", b"1")], "main", head, "v1.0.0", same)
    hub.create_tag("v1.0.0", first, "v1.0.0")
    second = hub.commit([Upload("x.bin", b"2")], "main", first, "v1.0.0 again", same)
    other = trailers.render("v1.1.0", "b" * 40, {}, None)
    third = hub.commit([Upload("y.bin", b"3")], "main", second, "v1.1.0", other)

    assert hub.create_tag("v1.0.0", first, "v1.0.0") == first  # the same commit
    assert hub.create_tag("v1.0.0", second, "v1.0.0") == first  # a concurrent publisher's
    with pytest.raises(TagConflictError):
        hub.create_tag("v1.0.0", third, "v1.1.0")


def test_offline_mode_is_not_retried(workspace, fake_time, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)

    result = workspace.run("log")

    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert "cannot reach the Hub" in line and "offline mode" in line
    assert fake_time.sleeps == []
