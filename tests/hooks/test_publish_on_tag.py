"""`git tag` publishes by itself: real git, the real shims, the real `git hf push`, the embedded hub."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hookhelpers import Repo, hub_tags, wait_for, worker_free, worker_idle

from hfgit.hooks import queue_report


@pytest.mark.parametrize("annotated", [True, False], ids=["annotated", "lightweight"])
def test_created_version_tag_is_published_by_itself(
    hub, make_repo: Callable[..., Repo], annotated: bool
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("tagme", hub=hub)
    args = ["-a", "v1.0.0", "-m", "first release"] if annotated else ["v1.0.0"]
    repo.git("tag", *args)
    wait_for(lambda: "v1.0.0" in hub_tags(hub, "alice/tagme"), what="v1.0.0 on the Hub")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    metadata = hub.api().hf_hub_download(
        "alice/tagme", "experiment_metadata.json", revision="v1.0.0"
    )
    assert json.loads(Path(metadata).read_text())["git_commit"] == head
    assert queue_report(repo.git_dir)["queued"] == [] and "published v1.0.0" in repo.log()


def test_non_version_tags_and_branch_updates_start_no_python(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path]
) -> None:
    repo = make_repo("quiet")
    calls = recorder(repo)
    repo.commit("train more")
    repo.git("checkout", "-q", "-b", "experiment")
    repo.commit("try something")
    repo.git("tag", "nightly")
    repo.git("tag", "-a", "notes", "-m", "a note")
    repo.git("tag", "v1.2")  # not a full version
    repo.git("checkout", "-q", "main")
    repo.git("update-ref", "refs/heads/copy", "HEAD")
    repo.git("tag", "-d", "nightly")
    assert not calls.exists() and repo.queue() == [] and repo.log() == ""


def test_fetched_and_pulled_version_tags_are_not_published(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path], tmp_path: Path
) -> None:
    upstream = make_repo("upstream", install=False)
    upstream.git("tag", "v0.9.0")
    subprocess.run(
        ["git", "clone", "-q", str(upstream.path), str(tmp_path / "down")],
        check=True,
        env=upstream.env,
    )
    down = Repo(tmp_path / "down", dict(upstream.env))
    down.hf("hooks", "install")
    calls = recorder(down)
    upstream.git("tag", "v1.0.0")
    upstream.git("tag", "-a", "v1.1.0", "-m", "annotated")
    down.git("fetch", "-q", "--tags")
    upstream.commit("more")
    upstream.git("tag", "v1.2.0")
    down.git("pull", "-q", "--tags", "origin", "main")
    assert {"v1.0.0", "v1.1.0", "v1.2.0"} <= set(down.git("tag").stdout.split())
    assert not calls.exists() and down.queue() == []


def test_hfgit_skip_skips_the_hook(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path]
) -> None:
    repo = make_repo("skipped")
    calls = recorder(repo)
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    assert not calls.exists() and repo.queue() == []


def test_offline_tag_stays_queued_then_publishes_with_the_next_tag(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("offline")  # endpoint: a closed port
    repo.git("tag", "v1.0.0")
    wait_for(
        lambda: queue_report(repo.git_dir)["last_error"], what="the publish failure to be recorded"
    )
    wait_for(lambda: worker_idle(repo) or repo.queue() == ["v1.0.0"], what="the worker to give up")
    report = queue_report(repo.git_dir)
    assert report["queued"] == ["v1.0.0"] and "v1.0.0" in str(report["last_error"])
    assert [e["state"] for e in report["entries"]] == ["waiting"]  # tried again later
    assert "queued: v1.0.0" in repo.hf("hooks", "status").stdout
    repo.configure(hub.url, repo_id="alice/offline")  # back online
    repo.env["HF_TOKEN"] = hub.tokens["alice"]
    repo.git("tag", "v1.0.1")  # same commit and folder as v1.0.0
    wait_for(
        lambda: {"v1.0.0", "v1.0.1"} <= hub_tags(hub, "alice/offline"),
        what="both versions on the Hub",
    )
    wait_for(lambda: worker_idle(repo), what="the queue to drain")
    report = queue_report(repo.git_dir)
    assert report["last_error"] is None and report["queued"] == []
    assert not (repo.git_dir / "hfgit" / "failed").exists()


def test_a_version_refused_in_the_background_does_not_block_the_next_one(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    """Tagged while offline, then retrained: that version is refused for good (its files are
    gone), the next one publishes, and the next git command says what failed."""
    repo = make_repo("retrained")  # endpoint: a closed port
    repo.git("tag", "v1.0.0")
    wait_for(lambda: queue_report(repo.git_dir)["last_error"], what="the publish to fail")
    wait_for(lambda: worker_free(repo), what="the worker to give up")
    repo.configure(hub.url, repo_id="alice/retrained")
    repo.env["HF_TOKEN"] = hub.tokens["alice"]
    repo.commit("better weights")  # the model folder is v1.1.0's now
    repo.git("tag", "v1.1.0")
    wait_for(lambda: "v1.1.0" in hub_tags(hub, "alice/retrained"), what="v1.1.0 on the Hub")
    wait_for(lambda: worker_free(repo), what="the worker to finish")
    assert hub_tags(hub, "alice/retrained") == {"v1.1.0"}
    report = queue_report(repo.git_dir)
    assert [(e["tag"], e["state"]) for e in report["entries"]] == [("v1.0.0", "failed")]
    assert "changed since it was tagged" in report["entries"][0]["error"]
    flag = (repo.git_dir / "hfgit" / "failed").read_text()
    assert flag.startswith("hfgit: v1.0.0 was refused in the background") and flag.count("\n") == 1
    status = repo.hf("status").stdout
    assert "v1.0.0 refused: v1.0.0: the model folder changed" in status
    assert "git hf queue retry" in status
    # the next git command shows it, from sh; the next worker does not try v1.0.0 again
    (repo.path / "NOTES.md").write_text("notes\n")
    repo.git("add", "NOTES.md")
    assert flag.strip() in repo.git("commit", "-q", "-m", "notes").stderr
    assert flag.strip() in repo.git("tag", "v1.2.0").stderr
    wait_for(lambda: "v1.2.0" in hub_tags(hub, "alice/retrained"), what="v1.2.0 on the Hub")
    wait_for(lambda: worker_free(repo), what="the worker to finish")
    assert "publishing v1.0.0 (try 1" not in repo.log().split("tag created: v1.2.0")[1]
    dropped = repo.hf("queue", "drop", "v1.0.0")
    assert "dropped v1.0.0" in dropped.stderr and repo.queue() == []
    assert not (repo.git_dir / "hfgit" / "failed").exists()
    assert queue_report(repo.git_dir)["last_error"] is None


def test_manual_push_drains_the_queue(hub, make_repo: Callable[..., Repo]) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("manual")
    repo.git("tag", "v1.0.0")
    wait_for(
        lambda: queue_report(repo.git_dir)["last_error"], what="the publish failure to be recorded"
    )
    repo.configure(hub.url, repo_id="alice/manual")
    repo.env["HF_TOKEN"] = hub.tokens["alice"]
    repo.hf("push")
    assert "v1.0.0" in hub_tags(hub, "alice/manual")
    wait_for(lambda: repo.queue() == [], what="push to forget the queued tag")


def test_hook_and_manual_push_at_once_publish_once(hub, make_repo: Callable[..., Repo]) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("race", hub=hub)
    repo.git("tag", "v1.0.0")
    repo.hf("push", "v1.0.0")
    wait_for(lambda: worker_free(repo), what="the worker to finish")
    assert "v1.0.0" in hub_tags(hub, "alice/race")
    titles = [c.title for c in hub.api().list_repo_commits("alice/race")]
    assert sum("v1.0.0" in t for t in titles) == 1, titles
