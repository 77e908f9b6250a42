"""A promotion made while the Hub was away is published by the hooks' background worker, which
runs `git hf push` on the next version tag; stage tags themselves start no hook work."""

from __future__ import annotations

from collections.abc import Callable

from hookhelpers import CLOSED_PORT_URL, Repo, hub_tags, wait_for, worker_idle


def _branches(hub, repo_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {b.name: b.target_commit for b in hub.api().list_repo_refs(repo_id).branches}


def test_the_worker_publishes_an_offline_promotion_with_the_next_version(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("staged", hub=hub)
    repo.git("tag", "v1.0.0")
    wait_for(lambda: "v1.0.0" in hub_tags(hub, "alice/staged"), what="v1.0.0 on the Hub")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")

    offline = repo.hf("promote", "--endpoint", CLOSED_PORT_URL, "v1.0.0", "production")

    assert "git hf push" in offline.stderr
    assert repo.queue() == []  # the stage tag queued nothing
    assert "production" not in _branches(hub, "alice/staged")
    repo.commit("train more")
    repo.git("tag", "v1.1.0")
    wait_for(lambda: "production" in _branches(hub, "alice/staged"), what="the production branch")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    tags = {t.name: t.target_commit for t in hub.api().list_repo_refs("alice/staged").tags}
    assert _branches(hub, "alice/staged")["production"] == tags["v1.0.0"]
