"""`git hf push` end to end: real git repository, embedded hub over HTTP, unmodified client."""

from __future__ import annotations

import json
import os

import yaml
from huggingface_hub import hf_hub_download

REPO = "alice/tool-caller"


def _hub_file(ws, revision: str, path: str) -> bytes:  # type: ignore[no-untyped-def]
    local = hf_hub_download(
        REPO, path, revision=revision, endpoint=ws.hub.url, token=ws.hub.tokens["alice"]
    )
    with open(local, "rb") as f:
        return f.read()


def _commit_count(ws, revision: str = "main") -> int:  # type: ignore[no-untyped-def]
    return len(ws.api.list_repo_commits(REPO, revision=revision))


def test_push_publishes_tag_as_hub_version_with_model_configs_metadata_and_card(workspace):
    commit = workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 0, result.err
    refs = workspace.api.list_repo_refs(REPO)
    assert [t.name for t in refs.tags] == ["v1.0.0"]
    files = set(workspace.api.list_repo_files(REPO, revision="v1.0.0"))
    assert {
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "experiment_metadata.json",
        "configs/train.yaml",
        "README.md",
    } <= files
    meta = json.loads(_hub_file(workspace, "v1.0.0", "experiment_metadata.json"))
    assert meta["git_commit"] == commit
    assert meta["git_tag"] == meta["version"] == "v1.0.0"
    assert meta["eval_results"] == {"accuracy": 0.91, "f1": 0.88}
    assert meta["training_params"] == {}  # no params file configured, no training record
    for key in (
        "git_branch",
        "git_dirty",
        "git_remote",
        "timestamp",
        "hfgit_version",
        "base_model",
        "system",
    ):
        assert key in meta
    assert (
        _hub_file(workspace, "v1.0.0", "configs/train.yaml")
        == (workspace.root / "configs/train.yaml").read_bytes()
    )
    weights = _hub_file(workspace, "v1.0.0", "model.safetensors")
    assert weights == (workspace.root / "model/model.safetensors").read_bytes()


def test_hub_commit_carries_trailers_that_name_the_git_commit(workspace):
    commit = workspace.tag("v1.0.0")
    workspace.run("push")

    head = workspace.api.list_repo_commits(REPO, revision="v1.0.0")[0]

    assert head.title == f"Publish v1.0.0 (git {commit[:8]})"
    assert f"Hfgit-Git-Commit: {commit}" in head.message
    assert "Hfgit-Version: v1.0.0" in head.message
    assert 'Hfgit-Metrics: {"accuracy":0.91,"f1":0.88}' in head.message


def test_card_is_a_valid_hub_card_for_this_exact_version(workspace):
    commit = workspace.tag("v1.0.0")
    workspace.run("push")

    card = _hub_file(workspace, "v1.0.0", "README.md").decode()

    assert card.startswith("---\n")
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["license"] == "apache-2.0"
    assert meta["base_model"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert meta["datasets"] == ["alice/tool-calls"]
    metrics = meta["model-index"][0]["results"][0]["metrics"]
    assert {m["name"]: m["value"] for m in metrics} == {"accuracy": 0.91, "f1": 0.88}
    assert 'revision="v1.0.0"' in card
    assert commit in card


def test_push_skips_version_already_on_hub(workspace, hub_requests):
    workspace.tag("v1.0.0")
    workspace.run("push")
    commits_before = _commit_count(workspace)
    hub_requests.clear()

    again = workspace.run("push", "v1.0.0", "--json")

    assert again.code == 0
    assert again.json[0]["action"] == "skip"
    assert _commit_count(workspace) == commits_before
    assert not [r for r in hub_requests if r.startswith(("POST", "PUT", "DELETE"))]


def test_push_with_no_tag_publishes_every_unpublished_version_oldest_first(workspace):
    workspace.tag("v1.0.0")
    workspace.commit("fix: tokenizer")
    workspace.tag("v1.0.1")
    workspace.tag("not-a-version")

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    assert [o["tag"] for o in result.json] == ["v1.0.0", "v1.0.1"]
    assert sorted(t.name for t in workspace.api.list_repo_refs(REPO).tags) == ["v1.0.0", "v1.0.1"]


def test_next_version_with_unchanged_weights_sends_only_small_files(workspace, hub_requests):
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.write("model/config.json", json.dumps({"model_type": "llama", "hidden_size": 128}))
    workspace.commit("feat: wider")
    workspace.tag("v1.1.0")
    hub_requests.clear()

    result = workspace.run("push", "--json")

    status = {f["path"]: f["status"] for f in result.json[0]["files"]}
    assert status["model.safetensors"] == "unchanged"
    assert status["config.json"] == "changed"
    assert not [r for r in hub_requests if r.startswith("PUT")]  # no LFS upload at all
    assert result.json[0]["bytes_skipped"] >= 256 * 1024


def test_older_line_publishes_on_its_own_branch_and_leaves_main(workspace):
    workspace.tag("v1.1.0")
    workspace.commit("feat: new line")
    workspace.tag("v1.2.0")
    workspace.run("push", "v1.2.0")
    main_before = workspace.api.list_repo_refs(REPO).branches

    result = workspace.run("push", "v1.1.0", "--json")

    assert result.code == 0, result.err
    assert result.json[0]["branch"] == "v1.1.x"
    refs = workspace.api.list_repo_refs(REPO)
    main = {b.name: b.target_commit for b in refs.branches}
    assert main["main"] == {b.name: b.target_commit for b in main_before}["main"]
    assert {t.name: t.target_commit for t in refs.tags}["v1.1.0"] == main["v1.1.x"]


def test_main_holds_the_highest_version(workspace):
    workspace.tag("v1.0.0")
    workspace.commit("feat: x")
    workspace.tag("v2.0.0")
    workspace.run("push")

    refs = workspace.api.list_repo_refs(REPO)

    tags = {t.name: t.target_commit for t in refs.tags}
    assert {b.name: b.target_commit for b in refs.branches}["main"] == tags["v2.0.0"]


def test_tag_conflict_is_refused_and_force_moves_the_tag(workspace):
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.git("tag", "-d", "v1.0.0")
    workspace.commit("fix: retrained")
    new_commit = workspace.tag("v1.0.0")

    refused = workspace.run("push", "v1.0.0")

    assert refused.code == 1
    assert "v1.0.0 diverged" in refused.err and "--force" in refused.err
    assert len(refused.err.strip().splitlines()) == 1

    forced = workspace.run("push", "v1.0.0", "--force")

    assert forced.code == 0, forced.err
    assert "will get new content" in forced.err
    meta = json.loads(_hub_file(workspace, "v1.0.0", "experiment_metadata.json"))
    assert meta["git_commit"] == new_commit


def test_dry_run_prints_the_plan_and_changes_nothing(workspace, hub_requests):
    workspace.tag("v1.0.0")

    result = workspace.run("push", "--dry-run")

    assert result.code == 0, result.err
    assert "v1.0.0  publish -> main" in result.out
    assert "model.safetensors" in result.out and "new" in result.out
    assert "Publish v1.0.0" in result.out
    assert "upload:   at most " in result.out  # over Xet, the chunks the Hub lacks only
    assert not workspace.api.repo_exists(REPO)
    assert not [
        r
        for r in hub_requests
        if r.startswith(("POST /api/repos", "PUT", "DELETE")) and "paths-info" not in r
    ]


def test_dry_run_json_lists_each_file_with_its_size(workspace):
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.commit("fix: nothing in the model")
    workspace.tag("v1.0.1")

    plan = workspace.run("push", "--dry-run", "--json").json

    assert plan[0]["dry_run"] is True
    files = {f["path"]: f for f in plan[0]["files"]}
    assert files["model.safetensors"] == {
        "path": "model.safetensors",
        "size": 256 * 1024,
        "status": "unchanged",
    }
    assert files["experiment_metadata.json"]["status"] == "changed"
    assert [t.name for t in workspace.api.list_repo_refs(REPO).tags] == ["v1.0.0"]


def test_prerelease_tags_publish(workspace):
    workspace.tag("v2.0.0-rc.1")

    result = workspace.run("push", "v2.0.0-rc.1")

    assert result.code == 0, result.err
    assert [t.name for t in workspace.api.list_repo_refs(REPO).tags] == ["v2.0.0-rc.1"]


def test_new_repo_is_private_by_default(workspace):
    workspace.tag("v1.0.0")
    workspace.run("push")

    assert workspace.api.repo_info(REPO).private is True
    assert not workspace.hub.api(None).repo_exists(REPO)


def test_recorded_folder_from_another_commit_is_refused_unless_forced(workspace):
    workspace.record()
    workspace.commit("feat: another change after training")
    workspace.tag("v1.0.0")

    refused = workspace.run("push")

    assert refused.code == 1
    assert "recorded at git commit" in refused.err
    assert not workspace.api.repo_exists(REPO)
    assert workspace.run("push", "--force").code == 0


def test_recorded_metrics_and_params_travel_with_the_version(workspace):
    workspace.record(metrics={"accuracy": 0.95})
    workspace.tag("v1.0.0")

    assert workspace.run("push").code == 0

    meta = json.loads(_hub_file(workspace, "v1.0.0", "experiment_metadata.json"))
    assert meta["eval_results"] == {"accuracy": 0.95}
    assert meta["training_params"] == {"lr": 0.0002, "epochs": 3}
    assert meta["experiment_name"] == "lora-r16"


def test_dirty_worktree_at_record_time_is_warned_about(workspace):
    workspace.write("train.py", "print('uncommitted change')\n")
    workspace.record()
    workspace.git("checkout", "train.py")
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 0
    assert "uncommitted changes" in result.err


def test_symlink_out_of_the_model_folder_is_refused(workspace, tmp_path):
    outside = tmp_path / "secret.bin"
    outside.write_bytes(b"not yours")
    os.symlink(outside, workspace.root / "model" / "extra.bin")
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 1
    assert "outside the model folder" in result.err
    assert not workspace.api.repo_exists(REPO)


def test_gate_refuses_a_version_below_threshold(workspace):
    workspace.write(
        ".hfgit.yaml",
        (workspace.root / ".hfgit.yaml").read_text() + "gate:\n  min: {accuracy: 0.95}\n",
    )
    workspace.tag("v1.0.0")

    result = workspace.run("push")

    assert result.code == 1
    assert "accuracy = 0.91 is below the gate minimum 0.95" in result.err
    assert not workspace.api.repo_exists(REPO)


def test_a_lost_tag_is_recovered_without_a_new_commit(workspace):
    """A push that died between its commit and its tag can simply be run again."""
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.api.delete_tag(REPO, tag="v1.0.0")
    commits = _commit_count(workspace)

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    assert result.json[0]["files_sent"] == 0
    assert _commit_count(workspace) == commits
    assert [t.name for t in workspace.api.list_repo_refs(REPO).tags] == ["v1.0.0"]


def test_a_forced_republish_that_fails_leaves_the_old_tag_in_place(workspace, monkeypatch):
    from hfgit.errors import HubUnreachableError
    from hfgit.hub import Hub

    workspace.tag("v1.0.0")
    workspace.run("push")
    before = {t.name: t.target_commit for t in workspace.api.list_repo_refs(REPO).tags}
    workspace.git("tag", "-d", "v1.0.0")
    workspace.commit("fix: retrained")
    workspace.tag("v1.0.0")

    def network_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise HubUnreachableError("cannot reach the Hub (connection reset)")

    monkeypatch.setattr(Hub, "commit", network_down)
    failed = workspace.run("push", "v1.0.0", "--force")

    assert failed.code == 1
    assert {t.name: t.target_commit for t in workspace.api.list_repo_refs(REPO).tags} == before


def test_a_push_that_fails_mid_upload_tags_nothing_and_can_simply_be_rerun(workspace, monkeypatch):
    from hfgit.errors import HubUnreachableError
    from hfgit.hub import Hub

    workspace.tag("v1.0.0")
    real_commit = Hub.commit

    def dropped(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise HubUnreachableError("cannot reach the Hub (connection reset during upload)")

    monkeypatch.setattr(Hub, "commit", dropped)
    failed = workspace.run("push")
    assert failed.code == 1
    assert workspace.api.list_repo_refs(REPO).tags == []

    monkeypatch.setattr(Hub, "commit", real_commit)
    again = workspace.run("push", "--json")

    assert again.code == 0, again.err
    assert [t.name for t in workspace.api.list_repo_refs(REPO).tags] == ["v1.0.0"]


def test_a_push_whose_hub_branch_moves_meanwhile_plans_again_and_publishes(workspace, monkeypatch):
    from hfgit import sync
    from hfgit.hub import Hub
    from hfgit.project import Project

    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    workspace.commit("fix: retrained")
    workspace.tag("v1.1.0")
    real_commit = Hub.commit
    moved: list[str] = []

    def racing(hub, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not moved:  # another publisher lands on main between our plan and our commit
            moved.append(
                workspace.api.upload_file(
                    path_or_fileobj=b"elsewhere", path_in_repo="other.txt", repo_id=REPO
                ).oid
            )
        return real_commit(hub, *args, **kwargs)

    monkeypatch.setattr(Hub, "commit", racing)
    said: list[str] = []
    pauses: list[float] = []
    (outcome,) = sync.push(Project.open(), ["v1.1.0"], say=said.append, sleep=pauses.append)

    assert outcome.action == "publish" and outcome.branch == "main"
    assert pauses == [sync.STALE_PAUSE]
    assert [s for s in said if "moved meanwhile" in s] == [
        "v1.1.0: the Hub branch main moved meanwhile; planning again"
    ]
    tags = {t.name: t.target_commit for t in workspace.api.list_repo_refs(REPO).tags}
    assert tags["v1.1.0"] == outcome.hub_commit
    assert "other.txt" not in workspace.api.list_repo_files(REPO, revision="v1.1.0")
