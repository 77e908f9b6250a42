"""Short chaos runs (benchmarks/chaos.py runs the long ones): `git hf push` SIGKILLed at
seeded random points, the hub SIGKILLed mid-push and restarted, and two publishers racing
while one's tag step is held. After every step the Hub keeps the invariants of
tests/invariants.py, and a final push converges."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from chaos import REPO_ID, TOKEN, USER, HubProcess, Publisher, kill_at, requests_seen, wait_for
from faultproxy import Fault, FaultProxy, Rule
from invariants import Made, problems


def _versions(publisher: Publisher, rng: random.Random, *tags: str) -> None:
    for tag in tags:
        publisher.make_version(tag, rng)


def test_a_push_killed_at_random_points_converges_on_the_next_run(hub: Any, tmp_path: Path):
    rng = random.Random(20261201)
    made = Made()
    api = hub.api("alice")
    with FaultProxy(hub.url) as proxy:  # counts requests, so that kills land mid-push
        publisher = Publisher.create(tmp_path / "work", proxy.url, hub.tokens["alice"], made)
        _versions(publisher, rng, "v1.0.0", "v1.1.0", "v1.2.0")
        kills = 0
        for _ in range(3):
            kills += kill_at(publisher.start("push"), requests_seen(proxy), rng.randint(2, 30))
            assert problems(api, REPO_ID, made) == []
        final = publisher.hf("push")
    assert kills >= 1  # a kill that lands after the push ended tests nothing
    assert final.returncode == 0, final.stderr
    assert problems(api, REPO_ID, made, converged=True) == []


def test_a_hub_killed_mid_push_and_restarted_converges(tmp_path: Path):
    rng = random.Random(7)
    made = Made()
    server = HubProcess(tmp_path / "hub", USER, TOKEN).start()
    try:
        with FaultProxy(server.url) as proxy:
            publisher = Publisher.create(tmp_path / "work", proxy.url, TOKEN, made)
            _versions(publisher, rng, "v2.0.0", "v2.1.0")
            killed = 0
            for at in (rng.randint(3, 12), rng.randint(12, 20)):
                seen, push = requests_seen(proxy), publisher.start("push")
                killed += kill_at(push, seen, at, kill=server.kill)
                server.kill()  # (if the push ended first)
                _, err = push.communicate(timeout=120)
                assert push.returncode in (0, 1), err  # a dead hub is one line, exit 1
                assert "unexpected error" not in err and "Traceback" not in err
                server.start()
                assert problems(_api(server), REPO_ID, made) == []
            final = publisher.hf("push")
        assert killed >= 1
        assert final.returncode == 0, final.stderr
        assert problems(_api(server), REPO_ID, made, converged=True) == []
    finally:
        server.stop()


def test_a_lower_version_published_while_a_higher_ones_tag_waits_goes_to_its_line(
    hub: Any, tmp_path: Path
):
    """A commits v5.3.0 on main; its tag step is held. B publishes v5.2.0 meanwhile: it reads
    main's head (v5.3.0, not tagged yet) and goes to v5.2.x, which starts at v5.1.0."""
    rng = random.Random(5)
    made = Made()
    api = hub.api("alice")
    a = Publisher.create(tmp_path / "a", hub.url, hub.tokens["alice"], made)
    _versions(a, rng, "v5.1.0")
    assert a.hf("push").returncode == 0
    b = a.clone(tmp_path / "b", hub.url, hub.tokens["alice"])
    _versions(a, rng, "v5.3.0")
    _versions(b, rng, "v5.2.0")
    with FaultProxy(hub.url) as proxy:
        proxy.add_rule(Rule(Fault.STALL, method="POST", path=r"/tag/", stall_seconds=300))
        a.configure(proxy.url)
        push_a = a.start("push")
        wait_for(lambda: proxy.counters["stall"] >= 1, what="A's tag request to be held")
        pushed_b = b.hf("push", "--json")
        proxy.release_stalls()
        _, err = push_a.communicate(timeout=120)
    assert pushed_b.returncode == 0, pushed_b.stderr
    assert [o["branch"] for o in json.loads(pushed_b.stdout)] == ["v5.2.x"]
    assert push_a.returncode == 0, err
    assert problems(api, REPO_ID, made, converged=True) == []
    line = [c.title for c in api.list_repo_commits(REPO_ID, revision="v5.2.x")]
    assert [t.split()[1] for t in line[:2]] == ["v5.2.0", "v5.1.0"]


def _api(server: HubProcess) -> Any:
    from huggingface_hub import HfApi

    return HfApi(endpoint=server.url, token=server.token)
