"""pre-push (advisory and strict) and post-commit auto-bump, with the real git CLI."""

from __future__ import annotations

from collections.abc import Callable

from hookhelpers import Repo, add_remote, hub_tags, wait_for, worker_idle

from hfgit.hooks import queue_report


def remote_tags(repo: Repo) -> set[str]:
    out = repo.git("ls-remote", "--tags", "origin").stdout
    return {line.split("refs/tags/")[1] for line in out.splitlines() if not line.endswith("^{}")}


def test_advisory_pre_push_never_blocks_and_queues_the_missing_version(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo("advisory")  # the Hub is down
    add_remote(repo)
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")  # made without the hook: not queued yet
    assert repo.queue() == []
    pushed = repo.git("push", "origin", "main", "v1.0.0")
    assert "publishing v1.0.0 to the Hub in the background" in pushed.stderr
    assert remote_tags(repo) == {"v1.0.0"}
    wait_for(
        lambda: queue_report(repo.git_dir)["last_error"], what="the background attempt to fail"
    )
    assert "v1.0.0" in repo.queue()


def test_strict_pre_push_blocks_a_version_whose_publish_fails(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo("strict", hooks="  pre_push: strict\n")
    add_remote(repo)
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    refused = repo.git("push", "origin", "v1.0.0", check=False)
    assert refused.returncode != 0
    assert "not pushing to origin: v1.0.0 could not be published to the Hub" in refused.stderr
    assert "HFGIT_SKIP=1" in refused.stderr and remote_tags(repo) == set()
    repo.git("push", "origin", "main")  # branches are not held back
    repo.git("push", "origin", "v1.0.0", HFGIT_SKIP="1")
    assert remote_tags(repo) == {"v1.0.0"}


def test_strict_pre_push_publishes_before_the_tag_leaves(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("strictok", hub=hub, hooks="  pre_push: strict\n  auto_push: false\n")
    add_remote(repo)
    repo.git("tag", "-a", "v2.0.0", "-m", "two")
    assert hub_tags(hub, "alice/strictok") == set()  # auto_push is off
    repo.git("push", "origin", "v2.0.0")
    assert "v2.0.0" in hub_tags(hub, "alice/strictok") and remote_tags(repo) == {"v2.0.0"}


def test_post_commit_auto_bump_tags_and_publishes_conventional_commits(
    hub, make_repo: Callable[..., Repo]
) -> None:  # type: ignore[no-untyped-def]
    # each commit retrains model/: the versions' files are kept until they are published
    repo = make_repo(
        "bump", hub=hub, hooks="  auto_bump: conventional\nkeep_until_published: true\n"
    )
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    repo.commit("docs: explain the model", file="README.md")
    repo.commit("feat: a bigger head")
    assert repo.git("tag", "--points-at", "HEAD").stdout.split() == ["v1.1.0"]
    repo.commit("fix(data): dedupe")
    assert repo.git("tag", "--points-at", "HEAD").stdout.split() == ["v1.1.1"]
    repo.commit("feat!: new tokenizer")
    assert repo.git("tag", "--points-at", "HEAD").stdout.split() == ["v2.0.0"]
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("feat: not on the release branch")
    assert set(repo.git("tag").stdout.split()) == {"v1.0.0", "v1.1.0", "v1.1.1", "v2.0.0"}
    wait_for(
        lambda: {"v1.1.0", "v1.1.1", "v2.0.0"} <= hub_tags(hub, "alice/bump"),
        what="bumped versions on the Hub",
    )
    wait_for(lambda: worker_idle(repo), what="the worker to finish")


def test_post_commit_auto_bump_off_by_default(make_repo: Callable[..., Repo], tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("nobump")
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    repo.commit("feat: something")
    assert repo.git("tag", "--points-at", "HEAD").stdout == ""
    assert not (repo.git_dir / "hooks" / "post-commit").exists()


def test_auto_bump_does_not_bump_again_when_a_tagged_commit_is_amended(
    make_repo: Callable[..., Repo],
) -> None:
    repo = make_repo("amend", hooks="  auto_bump: conventional\n  auto_push: false\n")
    repo.git("tag", "v1.0.0", HFGIT_SKIP="1")
    repo.commit("feat: topic work", file="topic.txt")
    assert repo.git("tag", "--points-at", "HEAD").stdout.split() == ["v1.1.0"]
    amended = repo.git("commit", "-q", "--amend", "-m", "feat: topic work, reworded")
    assert "not auto-bumping: v1.1.0 is not in the history of HEAD" in amended.stderr
    assert set(repo.git("tag").stdout.split()) == {"v1.0.0", "v1.1.0"}
