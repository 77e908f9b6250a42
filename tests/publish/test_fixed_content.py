"""A version's content is fixed when it is made: `git hf record` writes a manifest, push
publishes exactly those files or refuses, the bytes uploaded are the bytes checked, and the
summary counts only bytes that were sent. Real client, embedded hub, real git."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from hfgit.hub import Hub

REPO = "alice/tool-caller"


def hub_files(workspace: Any, revision: str) -> dict[str, bytes]:
    """Every model file of a Hub revision, as bytes (generated files left out)."""
    api = workspace.api
    out = {}
    for path in api.list_repo_files(REPO, revision=revision):
        if path in ("README.md", "experiment_metadata.json", ".gitattributes") or path.startswith(
            "configs/"
        ):
            continue
        out[path] = Path(api.hf_hub_download(REPO, path, revision=revision)).read_bytes()
    return out


def folder_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("experiment_metadata.json", "README.md")
    }


def hub_tags(workspace: Any) -> set[str]:
    if not workspace.api.repo_exists(REPO):
        return set()
    return {t.name for t in workspace.api.list_repo_refs(REPO).tags}


def retrain(workspace: Any, seed: str) -> dict[str, bytes]:
    """What a training run writes: new weights (same size) and config."""
    old = (workspace.root / "model/model.safetensors").stat().st_mtime_ns
    workspace.write("model/model.safetensors", hashlib.sha256(seed.encode()).digest() * 8192)
    workspace.write("model/config.json", json.dumps({"model_type": "llama", "seed": seed}))
    for name in ("model.safetensors", "config.json"):  # a later mtime, however coarse the clock
        os.utime(workspace.root / "model" / name, ns=(old + 10**9, old + 10**9))
    return folder_files(workspace.root / "model")


def test_record_writes_a_manifest_of_every_model_file(workspace):
    result = workspace.run("record", "--name", "lora-r16")

    assert result.code == 0, result.err
    recorded = json.loads((workspace.root / "model/experiment_metadata.json").read_text())
    files = {f["path"]: f for f in recorded["manifest"]["files"]}
    assert set(files) == {"config.json", "tokenizer.json", "model.safetensors"}
    weights = (workspace.root / "model/model.safetensors").read_bytes()
    assert files["model.safetensors"] == {
        "path": "model.safetensors",
        "size": len(weights),
        "sha256": hashlib.sha256(weights).hexdigest(),
    }
    assert "kept" not in recorded


def test_push_refuses_a_folder_retrained_after_it_was_recorded(workspace):
    workspace.record()
    workspace.tag("v1.0.0")
    retrain(workspace, "next run")

    result = workspace.run("push", "v1.0.0")

    assert result.code == 1
    [line] = result.err.strip().splitlines()
    assert line.startswith("error: v1.0.0: the model folder changed since it was recorded (")
    assert "model.safetensors differs" in line and "config.json differs" in line
    assert "record and tag it again" in line and "--keep" in line
    assert hub_tags(workspace) == set()
    from hfgit.hooks import queue

    reasons = queue.refusals(workspace.root / ".git")
    assert "model.safetensors differs" in reasons["v1.0.0"]


def test_force_publishes_the_changed_folder_as_it_is_now_and_says_so(workspace):
    workspace.record()
    workspace.tag("v1.0.0")
    now = retrain(workspace, "next run")

    result = workspace.run("push", "v1.0.0", "--force")

    assert result.code == 0, result.err
    assert "changed since it was recorded" in result.err and "(--force)" in result.err
    assert hub_files(workspace, "v1.0.0") == now


def test_a_folder_as_recorded_publishes_and_its_manifest_travels(workspace):
    workspace.record()
    recorded = folder_files(workspace.root / "model")
    workspace.tag("v1.0.0")

    result = workspace.run("push", "v1.0.0")

    assert result.code == 0, result.err
    assert hub_files(workspace, "v1.0.0") == recorded
    meta = json.loads(
        Path(workspace.api.hf_hub_download(REPO, "experiment_metadata.json", revision="v1.0.0"))
        .read_bytes()
        .decode()
    )
    assert {f["path"] for f in meta["manifest"]["files"]} == set(recorded)


def test_a_tag_without_record_says_the_folder_changed_after_the_tag(workspace):
    workspace.tag("v1.0.0", message="Release v1.0.0")
    now = retrain(workspace, "after the tag")
    later = (workspace.root / "model/model.safetensors").stat().st_mtime + 3600
    for name in ("model.safetensors", "config.json"):
        os.utime(workspace.root / "model" / name, (later, later))

    result = workspace.run("push", "v1.0.0")

    assert result.code == 0, result.err
    [note] = [line for line in result.err.splitlines() if "as it is now" in line]
    assert "changed after v1.0.0 was made" in note and "model.safetensors" in note
    assert hub_files(workspace, "v1.0.0") == now


def test_record_keep_publishes_the_kept_copy_after_retraining_then_drops_it(workspace):
    assert workspace.run("record", "--keep").code == 0
    recorded = folder_files(workspace.root / "model")
    workspace.tag("v1.0.0")
    kept = list((workspace.root / ".git/hfgit/keep").iterdir())
    assert any(p.is_dir() for p in kept)
    retrain(workspace, "next run")

    result = workspace.run("push", "v1.0.0")

    assert result.code == 0, result.err
    assert hub_files(workspace, "v1.0.0") == recorded
    assert list((workspace.root / ".git/hfgit/keep").iterdir()) == []


@pytest.mark.parametrize("size", [300 * 1024, 11 << 20], ids=["inline-checked", "lfs-verified"])
def test_a_file_changed_between_the_check_and_the_upload_publishes_nothing(
    workspace, monkeypatch, size
):
    workspace.write("model/model.safetensors", os.urandom(size))
    workspace.record()
    workspace.tag("v1.0.0")
    real_commit = Hub.commit
    weights = workspace.root / "model/model.safetensors"

    def retrain_then_commit(self: Hub, *args: Any, **kwargs: Any) -> str:
        weights.write_bytes(os.urandom(size))  # same size: only the content gives it away
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(Hub, "commit", retrain_then_commit)
    result = workspace.run("push", "v1.0.0")

    assert result.code == 1, result.err
    assert "model.safetensors changed while v1.0.0 was being published" in result.err
    assert "nothing of it is on the Hub" in result.err
    assert hub_tags(workspace) == set()
    assert len(workspace.api.list_repo_commits(REPO)) == 1  # the repo's creation only


def test_content_the_hub_already_stores_is_not_counted_as_sent(workspace, hub_requests):
    first = (workspace.root / "model/model.safetensors").read_bytes()
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    workspace.write("model/model.safetensors", os.urandom(len(first)))
    workspace.commit("feat: retrained")
    workspace.tag("v1.1.0")
    assert workspace.run("push").code == 0
    workspace.write("model/model.safetensors", first)  # back to v1.0.0's weights
    workspace.commit("revert: the first weights were better")
    workspace.tag("v1.2.0")
    hub_requests.clear()

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    status = {f["path"]: f["status"] for f in outcome["files"]}
    assert status["model.safetensors"] == "stored"
    assert outcome["bytes_stored"] == len(first)
    assert outcome["bytes_sent"] < len(first)
    assert not [r for r in hub_requests if r.startswith("PUT")]  # no LFS upload at all
    assert hub_files(workspace, "v1.2.0")["model.safetensors"] == first


def test_the_summary_names_what_the_hub_already_stored(workspace):
    first = (workspace.root / "model/model.safetensors").read_bytes()
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.write("model/model.safetensors", os.urandom(len(first)))
    workspace.commit("feat: retrained")
    workspace.tag("v1.1.0")
    workspace.run("push")
    workspace.write("model/model.safetensors", first)
    workspace.commit("revert")
    workspace.tag("v1.2.0")

    result = workspace.run("push")

    assert result.code == 0, result.err
    [line] = [line for line in result.err.splitlines() if line.startswith("published v1.2.0")]
    assert "256.0 KiB already stored on the Hub" in line
    assert "256.0 KiB sent" not in line


def train_two_versions(workspace: Any, keep: bool) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """v1.0.0 recorded and tagged, then v1.1.0 trained, recorded and tagged at a new commit."""
    flag = ["--keep"] if keep else []
    assert workspace.run("record", *flag).code == 0
    first = folder_files(workspace.root / "model")
    workspace.tag("v1.0.0")
    workspace.commit("feat: wider")
    second = retrain(workspace, "second run")
    assert workspace.run("record", *flag).code == 0
    workspace.tag("v1.1.0")
    return first, second


def test_without_hooks_each_kept_version_publishes_its_own_files(workspace):
    first, second = train_two_versions(workspace, keep=True)

    result = workspace.run("push")

    assert result.code == 0, result.err
    assert hub_files(workspace, "v1.0.0") == first
    assert hub_files(workspace, "v1.1.0") == second
    assert list((workspace.root / ".git/hfgit/keep").iterdir()) == []


def test_without_keep_the_earlier_version_is_refused_by_its_own_record(workspace):
    _, second = train_two_versions(workspace, keep=False)

    result = workspace.run("push", "v1.0.0")

    assert result.code == 1
    assert "v1.0.0: the model folder changed since it was recorded" in result.err
    assert workspace.run("push", "v1.1.0").code == 0
    assert hub_files(workspace, "v1.1.0") == second
