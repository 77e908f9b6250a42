"""`git hf queue [list|drop|retry]`, and stale state: a queued version the Hub already has at
its git commit (whoever published it) leaves the queue with its errors."""

from __future__ import annotations

import json
from collections.abc import Callable

from hookhelpers import Repo, hub_tags, wait_for, worker_free

from hfgit.hooks import queue, queue_report


def _queue_of_three(repo: Repo) -> None:
    for tag in ("v1.0.0", "v1.1.0", "v1.2.0"):
        repo.git("tag", tag, HFGIT_SKIP="1")
        queue.enqueue(repo.git_dir, tag, "a" * 40)
    queue.note_failure(repo.git_dir, "v1.1.0", "cannot reach the Hub at http://127.0.0.1:9")
    queue.refuse(repo.git_dir, "v1.2.0", "v1.2.0 is not published: accuracy = 0.5 is below 0.85")
    queue.record_error(repo.git_dir, "publishing v1.2.0 failed: accuracy", ["v1.2.0"])
    queue.refresh_flag(repo.git_dir)


def test_queue_lists_each_version_with_its_state_and_reason(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo("listed", install=False)
    assert "the queue is empty" in repo.hf("queue").stderr
    _queue_of_three(repo)

    listed = repo.hf("queue").stdout.splitlines()
    entries = json.loads(repo.hf("queue", "list", "--json").stdout)

    assert listed[0].split() == ["VERSION", "STATE", "SINCE", "REASON"]
    assert [line.split()[:2] for line in listed[1:]] == [
        ["v1.0.0", "pending"],
        ["v1.1.0", "waiting"],
        ["v1.2.0", "failed"],
    ]
    assert [(e["tag"], e["state"], e["sha"]) for e in entries] == [
        ("v1.0.0", "pending", "a" * 40),
        ("v1.1.0", "waiting", "a" * 40),
        ("v1.2.0", "failed", "a" * 40),
    ]
    assert entries[2]["error"].startswith("v1.2.0 is not published: accuracy")
    flag = (repo.git_dir / "hfgit" / "failed").read_text()
    assert flag.startswith("hfgit: v1.1.0 (and v1.2.0) could not be published in the background")


def test_queue_drop_gives_up_on_versions_and_their_errors(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo("dropped", install=False)
    _queue_of_three(repo)

    unknown = repo.hf("queue", "drop", "v1.2.0", "v9.9.9", check=False)
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "error: not queued: v9.9.9 (`git hf queue` lists the queue; "
        "`git hf push v9.9.9` publishes a local version now)"
    ]
    assert repo.queue() == ["v1.0.0", "v1.1.0", "v1.2.0"]  # nothing dropped

    repo.hf("queue", "drop", "v1.1.0", "v1.2.0")

    assert repo.queue() == ["v1.0.0"] and queue.refusals(repo.git_dir) == {}
    assert queue_report(repo.git_dir)["last_error"] is None
    assert not (repo.git_dir / "hfgit" / "failed").exists()  # what is left is pending
    assert {"v1.1.0", "v1.2.0"} <= set(repo.git("tag").stdout.split())  # the tags stay


def test_queue_retry_publishes_a_refused_version_in_the_background(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("retried", hub=hub)
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    queue.enqueue(repo.git_dir, "v1.0.0")
    queue.refuse(repo.git_dir, "v1.0.0", "a gate that was fixed since")
    queue.refresh_flag(repo.git_dir)
    assert repo.hf("queue", "retry", "v9.9.9", check=False).returncode == 1

    said = repo.hf("queue", "retry").stderr

    assert "publishing v1.0.0 in the background" in said
    wait_for(lambda: "v1.0.0" in hub_tags(hub, "alice/retried"), what="v1.0.0 on the Hub")
    wait_for(lambda: worker_free(repo) and repo.queue() == [], what="the queue to empty")
    assert not (repo.git_dir / "hfgit" / "failed").exists()
    assert queue.refusals(repo.git_dir) == {}


def test_a_version_the_hub_has_at_its_commit_leaves_the_queue_with_its_errors(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    """As a worker killed right after creating the Hub tag leaves it."""
    repo = make_repo("stale", hub=hub, install=False)
    repo.git("tag", "v1.0.0")
    repo.hf("push", "v1.0.0")
    repo.commit("retrained")
    repo.git("tag", "v1.1.0")
    for tag in ("v1.0.0", "v1.1.0"):
        queue.enqueue(repo.git_dir, tag)
        queue.note_failure(repo.git_dir, tag, "cannot reach the Hub")
    queue.record_error(repo.git_dir, "publishing v1.0.0 v1.1.0 failed", ["v1.0.0", "v1.1.0"])
    queue.refresh_flag(repo.git_dir)

    status = repo.hf("status").stdout

    assert "published   v1.0.0" in status and "local-only  v1.1.0" in status
    assert "queued for background publish: v1.1.0" in status and "v1.0.0 waiting" not in status
    assert repo.queue() == ["v1.1.0"]
    assert queue_report(repo.git_dir)["last_error_tags"] == ["v1.1.0"]
    assert "v1.1.0" in (repo.git_dir / "hfgit" / "failed").read_text()

    repo.hf("push", "v1.1.0")  # published by hand: the rest of the state goes too

    assert repo.queue() == [] and queue_report(repo.git_dir)["last_error"] is None
    assert not (repo.git_dir / "hfgit" / "failed").exists()
