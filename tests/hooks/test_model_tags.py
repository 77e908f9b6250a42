"""Hooks in a repository of several models: `git tag NAME@vX.Y.Z` publishes `vX.Y.Z` to that
model's Hub repo by itself, the sh filter takes every model's tags and nothing else (GTO's
stage tags start no Python), and auto-bump tags only the models a commit concerns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hookhelpers import Repo, add_remote, hub_tags, wait_for, worker_free, worker_idle

from hfgit.hooks import queue_report

SEVERAL = """\
endpoint: {endpoint}
private: false
hooks:
  auto_push: {auto_push}
  auto_bump: {auto_bump}
models:
  - name: clf
    repo_id: alice/{prefix}-clf
    model_dir: models/clf
  - name: det
    repo_id: alice/{prefix}-det
    model_dir: models/det
    configs: [configs/det.yaml]
"""


def several(
    repo: Repo, prefix: str, auto_push: bool = True, auto_bump: str = "off"
) -> dict[str, str]:
    """Make `repo` a repository of two models (committed) and install the hooks for them."""
    endpoint = (repo.path / ".hfgit.yaml").read_text().split("endpoint: ")[1].split()[0]
    text = SEVERAL.format(
        endpoint=endpoint, prefix=prefix, auto_push=str(auto_push).lower(), auto_bump=auto_bump
    )
    (repo.path / ".hfgit.yaml").write_text(text)
    (repo.path / "configs").mkdir()
    (repo.path / "configs/det.yaml").write_text("threshold: 0.5\n")
    repo.commit("chore: clf weights", file="models/clf/weights.bin")
    repo.commit("chore: det weights", file="models/det/weights.bin")
    repo.hf("hooks", "install")
    return {"clf": f"alice/{prefix}-clf", "det": f"alice/{prefix}-det"}


def test_name_tags_are_published_by_the_hook_to_each_model_s_repo(
    hub: Any, make_repo: Callable[..., Repo]
) -> None:
    repo = make_repo("two-models", hub=hub, install=False)
    repos = several(repo, "hooked")
    head = repo.git("rev-parse", "HEAD").stdout.strip()

    repo.git("tag", "clf@v1.0.0")
    repo.git("tag", "-a", "det@v0.3.0", "-m", "detector")

    wait_for(lambda: hub_tags(hub, repos["clf"]) == {"v1.0.0"}, what="clf's v1.0.0 on the Hub")
    wait_for(lambda: hub_tags(hub, repos["det"]) == {"v0.3.0"}, what="det's v0.3.0 on the Hub")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    path = hub.api().hf_hub_download(repos["det"], "experiment_metadata.json", revision="v0.3.0")
    meta = json.loads(Path(path).read_text())
    assert (meta["git_tag"], meta["version"], meta["model"], meta["git_commit"]) == (
        "det@v0.3.0",
        "v0.3.0",
        "det",
        head,
    )
    assert "configs/det.yaml" in hub.api().list_repo_files(repos["det"], revision="v0.3.0")
    assert repo.queue() == [] and "published clf@v1.0.0" in repo.log()
    status = json.loads(repo.hf("status", "--json", "--check").stdout)
    assert [s["versions"] for s in status] == [
        [{"version": "clf@v1.0.0", "state": "published"}],
        [{"version": "det@v0.3.0", "state": "published"}],
    ]


def test_the_filter_takes_each_model_s_tags_and_no_others(
    make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path]
) -> None:
    repo = make_repo("filtered", install=False)
    several(repo, "filtered", auto_push=True)
    shim = (repo.git_dir / "hooks" / "reference-transaction").read_text()
    assert "clf\\@v[0-9]*.[0-9]*.[0-9]*" in shim and "det\\@v[0-9]*.[0-9]*.[0-9]*" in shim
    calls = recorder(repo)

    repo.git("tag", "-a", "seg#prod#1", "-m", "Assigning stage prod to seg version v1.0.0")
    repo.git("tag", "seg@v1.0.0")  # no such model
    repo.git("tag", "v1.0.0")  # a bare version names no model here
    assert not calls.exists() and repo.queue() == []

    repo.git("tag", "det@v2.0.0")
    # the recorder's file exists a moment before its line is written: wait for the line
    wait_for(
        lambda: calls.exists() and calls.read_text().strip(), what="git-hf to start for det@v2.0.0"
    )
    assert "det@v2.0.0" in calls.read_text()


def test_auto_bump_tags_the_models_a_commit_concerns(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo("bumping", install=False)
    several(repo, "bumping", auto_push=False, auto_bump="conventional")

    repo.commit("feat: a better detector threshold", file="configs/det.yaml")
    assert set(repo.git("tag").stdout.split()) == {"det@v0.1.0"}

    repo.commit("fix(clf): calibrate", file="notes.txt")
    assert set(repo.git("tag").stdout.split()) == {"det@v0.1.0", "clf@v0.0.1"}

    repo.commit("feat: documentation site", file="docs/index.md")
    assert set(repo.git("tag").stdout.split()) == {"det@v0.1.0", "clf@v0.0.1"}

    repo.commit("feat!: new weights for both", file="models/clf/weights.bin")
    assert "clf@v1.0.0" in repo.git("tag").stdout.split()
    assert "det@v1.0.0" not in repo.git("tag").stdout.split()


def test_a_name_tag_pushed_to_a_git_remote_is_published_by_pre_push(
    hub: Any, make_repo: Callable[..., Repo]
) -> None:
    repo = make_repo("pushing-models", hub=hub, install=False)
    repos = several(repo, "prepush")
    add_remote(repo)
    repo.git("tag", "det@v1.0.0", HFGIT_SKIP="1")  # the tag hook does not see it
    assert repo.queue() == []

    pushed = repo.git("push", "-q", "origin", "det@v1.0.0")

    assert "publishing det@v1.0.0 to the Hub in the background" in pushed.stderr
    wait_for(lambda: hub_tags(hub, repos["det"]) == {"v1.0.0"}, what="det's v1.0.0 on the Hub")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    assert not hub_tags(hub, repos["clf"])


def test_a_refused_name_tag_is_marked_failed_with_the_push_s_reason(
    hub: Any, make_repo: Callable[..., Repo]
) -> None:
    repo = make_repo("gated-models", hub=hub, install=False)
    several(repo, "gated")
    config = repo.path / ".hfgit.yaml"
    text = config.read_text().replace(
        "    model_dir: models/clf\n",
        "    model_dir: models/clf\n    results: eval/clf.json\n    gate: {min: {accuracy: 0.9}}\n",
    )
    config.write_text(text)
    repo.commit("chore: gate clf", file="eval/clf.json", content='{"accuracy": 0.5}\n')

    repo.git("tag", "clf@v1.0.0")

    def entries() -> list[dict[str, Any]]:
        return queue_report(repo.git_dir)["entries"]  # type: ignore[return-value]

    wait_for(lambda: [e["state"] for e in entries()] != ["pending"], what="the publish to end")
    wait_for(lambda: worker_free(repo), what="the worker to let go")
    [entry] = entries()
    assert (entry["tag"], entry["state"]) == ("clf@v1.0.0", "failed")
    assert "accuracy" in entry["error"] and "clf@v1.0.0 is not published" in entry["error"]
