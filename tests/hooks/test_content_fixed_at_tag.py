"""Training goes on while the background publisher works: five versions trained, recorded and
tagged back to back with the hooks installed, while the worker is held back. Every Hub tag
then holds exactly the files its version was made with, or the version is refused with the
reason; with keep mode every version publishes its own files.

Real git, the real shims and hook path, the real `git hf push`, the embedded hub."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hookhelpers import Repo, hub_tags, wait_for

from hfgit.fsio import locked
from hfgit.hooks import queue

VERSIONS = [f"v3.{i}.0" for i in range(1, 6)]
GENERATED = ("README.md", "experiment_metadata.json", ".gitattributes")


def train(repo: Repo, run: int) -> dict[str, bytes]:
    """What a training run leaves in the model folder (each run its own weights)."""
    model = repo.path / "model"
    files = {
        "weights.safetensors": os.urandom(48 * 1024),
        "config.json": json.dumps({"run": run}).encode(),
        "weights.bin": f"weights of run {run}\n".encode(),
    }
    for name, data in files.items():
        (model / name).write_bytes(data)
        later = 1_700_000_000_000_000_000 + run * 10**9  # a new mtime, however coarse the clock
        os.utime(model / name, ns=(later, later))
    return files


def hub_files(hub: Any, repo_id: str, tag: str) -> dict[str, bytes]:
    api = hub.api()
    return {
        path: Path(api.hf_hub_download(repo_id, path, revision=tag)).read_bytes()
        for path in api.list_repo_files(repo_id, revision=tag)
        if path not in GENERATED
    }


def make_versions(repo: Repo, record: bool, keep: bool = False) -> dict[str, dict[str, bytes]]:
    """Five versions, each trained, (recorded,) committed and tagged, while the worker is held:
    the hook queues and pins each tag (and keeps a copy), and the next training starts once
    it has."""
    made = {}
    with locked(repo.git_dir / "hfgit" / "worker.lock"):  # "another worker is running"
        for run, tag in enumerate(VERSIONS, start=1):
            (repo.path / "train.py").write_text(f"run = {run}\n")
            repo.git("add", "train.py")
            repo.git("commit", "-q", "-m", f"feat: run {run}")
            made[tag] = train(repo, run)
            if record:
                repo.hf("record", "--name", f"run-{run}")
            repo.git("tag", tag)
            pin = repo.git_dir / "hfgit" / "pins" / f"{tag}.json"
            wait_for(lambda p=pin: _pinned(p, keep), what=f"the hook to pin {tag}")
    return made


def _pinned(pin: Path, keep: bool) -> bool:
    try:
        kept = json.loads(pin.read_text())["kept"]
    except (OSError, ValueError, KeyError):
        return False
    return bool(kept) or not keep


def publish_queue(repo: Repo) -> None:
    """The held-back worker runs now, as it would once the running one finished (or the last
    tag's hook already started it: then that one is waited for)."""
    repo.hf("hook", "worker")
    wait_for(lambda: not _busy(repo), what="the worker to finish")


def _busy(repo: Repo) -> bool:
    with locked(repo.git_dir / "hfgit" / "worker.lock", blocking=False) as free:
        return not free


def assert_hub_tags_hold_what_was_tagged(
    hub: Any, repo_id: str, made: dict[str, dict[str, bytes]]
) -> set[str]:
    """The invariant: every Hub tag points at a commit whose files are byte-identical to what
    its version was made with. Returns the tags on the Hub."""
    tags = hub_tags(hub, repo_id)
    for tag in tags:
        on_hub = hub_files(hub, repo_id, tag)
        assert {k: on_hub.get(k) for k in made[tag]} == made[tag], f"{tag} holds other files"
    return tags


@pytest.mark.parametrize("record", [True, False], ids=["recorded", "tagged-only"])
def test_retraining_never_publishes_another_runs_files_under_a_version(
    hub: Any, make_repo: Callable[..., Repo], record: bool
) -> None:
    repo = make_repo("busy", hub=hub)
    made = make_versions(repo, record)

    publish_queue(repo)

    on_hub = assert_hub_tags_hold_what_was_tagged(hub, "alice/busy", made)
    since = "it was recorded" if record else "it was tagged"
    refused = queue.refusals(repo.git_dir)
    for tag in VERSIONS[:-1]:  # retrained since: not their files any more
        assert tag not in on_hub
        assert f"{tag}: the model folder changed since {since}" in refused[tag]
        assert "weights.safetensors differs" in refused[tag]
    status = repo.hf("status", check=False)
    assert f"the model folder changed since {since}" in status.stdout + status.stderr
    repo.hf("push", VERSIONS[-1], check=False)  # the folder still holds the last version
    assert VERSIONS[-1] in assert_hub_tags_hold_what_was_tagged(hub, "alice/busy", made)


@pytest.mark.parametrize("record", [True, False], ids=["record-keep", "tag-keep"])
def test_with_keep_mode_every_queued_version_publishes_its_own_files(
    hub: Any, make_repo: Callable[..., Repo], record: bool
) -> None:
    repo = make_repo("kept", hub=hub, hooks="")
    config = repo.path / ".hfgit.yaml"
    config.write_text(config.read_text() + "keep_until_published: true\n")
    repo.git("commit", "-q", "-am", "chore: keep each version until published")
    made = make_versions(repo, record, keep=True)
    keep_dir = repo.git_dir / "hfgit" / "keep"
    assert len([p for p in keep_dir.iterdir() if p.is_dir()]) == len(VERSIONS)

    publish_queue(repo)

    assert assert_hub_tags_hold_what_was_tagged(hub, "alice/kept", made) == set(VERSIONS)
    assert queue.refusals(repo.git_dir) == {}
    assert [p for p in keep_dir.iterdir()] == []  # dropped once published


def test_retraining_the_moment_a_tag_is_made_never_publishes_another_runs_files(
    hub: Any, make_repo: Callable[..., Repo]
) -> None:
    """No waiting for the hook: the next run may overwrite the folder before the hook has even
    looked at it. The version is then refused (its files changed after the tag), never
    published with the next run's files."""
    repo = make_repo("hasty", hub=hub)
    made = {}
    with locked(repo.git_dir / "hfgit" / "worker.lock"):
        for run, tag in enumerate(VERSIONS[:3], start=1):
            model = repo.path / "model"
            made[tag] = {"weights.safetensors": os.urandom(32 * 1024), "config.json": b"%d" % run}
            for name, data in made[tag].items():
                (model / name).write_bytes(data)
            repo.git("tag", tag)
        for tag in VERSIONS[:3]:
            pin = repo.git_dir / "hfgit" / "pins" / f"{tag}.json"
            wait_for(lambda p=pin: _pinned(p, keep=False), what=f"the hook to pin {tag}")

    publish_queue(repo)

    on_hub = assert_hub_tags_hold_what_was_tagged(hub, "alice/hasty", made)
    refused = queue.refusals(repo.git_dir)
    assert VERSIONS[2] in on_hub  # the folder still holds the last run
    for tag in VERSIONS[:2]:
        assert tag not in on_hub and tag in refused
        assert "changed" in refused[tag]


def test_a_hook_that_pins_after_the_next_run_started_still_publishes_the_kept_copy(
    hub: Any, make_repo: Callable[..., Repo]
) -> None:
    """`record --keep` before the tag: even when the hook pins only after the next run began
    writing (its pin marks those files as changed after the tag), the record made at the
    tag's commit names the version's files by sha256 and its kept copy publishes them."""
    repo = make_repo("late-pin", hub=hub)
    config = repo.path / ".hfgit.yaml"
    config.write_text(config.read_text() + "keep_until_published: true\n")
    repo.git("commit", "-q", "-am", "chore: keep each version until published")
    made = make_versions(repo, record=True, keep=True)
    for tag in VERSIONS:  # as if each hook had run after the next training's first write
        pin = repo.git_dir / "hfgit" / "pins" / f"{tag}.json"
        data = json.loads(pin.read_text())
        data["late"] = ["weights.safetensors"]
        pin.write_text(json.dumps(data))

    publish_queue(repo)

    assert assert_hub_tags_hold_what_was_tagged(hub, "alice/late-pin", made) == set(VERSIONS)
    assert queue.refusals(repo.git_dir) == {}
