"""HuggingFaceManager's methods, with the tutorial's config files, against the embedded hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drivers import MODEL, TrainingRepo

from hfgit.errors import GateError, ProvenanceError, TagConflictError

MODEL_REPO = "alice/mcp-finetuned-model"
CONFIGS_REPO = "alice/mcp-finetuned-model-configs"


def hub_json(repo: TrainingRepo, path: str, revision: str) -> dict:
    local = repo.api.hf_hub_download(MODEL_REPO, path, revision=revision)
    return json.loads(Path(local).read_text())


def configs_files(repo: TrainingRepo) -> set[str]:
    return set(repo.api.list_repo_files(CONFIGS_REPO))


def test_manager_reads_the_tutorial_files_and_exposes_config_yaml(training_repo):
    manager = training_repo.manager()
    assert manager.config["training"]["lora_r"] == 16  # the whole config.yaml, as in the tutorial
    assert manager.model_repo_name == MODEL_REPO
    assert manager.config_repo_name == CONFIGS_REPO
    assert manager.settings.config.card.authors == ("Alice Example",)


def test_sync_training_workflow_tags_head_and_publishes_like_git_hf_push(training_repo):
    training_repo.train()
    head = training_repo.git("rev-parse", "HEAD")
    urls = training_repo.manager().sync_training_workflow(
        model_path=f"./{MODEL}", experiment_name="baseline", version_tag="v1.0.0", private=True
    )
    assert urls["model_url"].endswith(f"/{MODEL_REPO}/tree/v1.0.0")
    assert urls["config_url"].endswith(f"/{CONFIGS_REPO}/tree/main/baseline")
    assert "/datasets/" not in urls["config_url"]
    assert urls["results_url"].endswith(f"/{CONFIGS_REPO}/tree/main/baseline/results")
    assert urls["git_commit"] == head
    assert training_repo.git("rev-parse", "v1.0.0^{commit}") == head
    assert training_repo.git("cat-file", "-t", "v1.0.0") == "tag"  # annotated
    files = set(training_repo.api.list_repo_files(MODEL_REPO, revision="v1.0.0"))
    assert {"model.safetensors", "config.json", "tokenizer.json", "eval_results.json"} <= files
    assert {"experiment_metadata.json", "README.md", "configs/config.yaml"} <= files
    assert "configs/huggingface_config.yaml" in files
    meta = hub_json(training_repo, "experiment_metadata.json", "v1.0.0")
    assert meta["git_commit"] == head and meta["experiment_name"] == "baseline"
    assert meta["eval_results"] == {"accuracy": 0.91, "loss": 0.3}
    assert meta["base_model"] == "Qwen/Qwen2.5-0.5B-Instruct"
    assert training_repo.api.model_info(MODEL_REPO).private is True
    assert {
        "baseline/config.yaml",
        "baseline/metadata.json",
        "baseline/results/eval_results.json",
    } <= configs_files(training_repo)


def test_sync_without_a_version_tag_creates_the_next_patch_version(training_repo):
    manager = training_repo.manager()
    training_repo.train()
    manager.sync_training_workflow(MODEL, "first", "v1.2.0")
    training_repo.train(accuracy=0.92)
    training_repo.commit("fix: tokenizer padding")
    urls = manager.sync_training_workflow(MODEL, "second")
    assert urls["version"] == "v1.2.1"
    assert manager.list_versions() == ["v1.2.1", "v1.2.0"]
    meta = hub_json(training_repo, "experiment_metadata.json", "v1.2.1")
    assert meta["git_commit"] == training_repo.git("rev-parse", "HEAD")  # re-stamped at HEAD


def test_sync_of_a_published_version_sends_nothing_again(training_repo):
    manager = training_repo.manager()
    training_repo.train()
    manager.sync_training_workflow(MODEL, "baseline", "v1.0.0")
    before = training_repo.api.list_repo_commits(MODEL_REPO)
    urls = manager.sync_training_workflow(MODEL, "baseline", "v1.0.0")
    assert urls["model_url"].endswith("/tree/v1.0.0")
    assert len(training_repo.api.list_repo_commits(MODEL_REPO)) == len(before)


def test_upload_model_publishes_with_the_commit_message_on_the_tag(training_repo):
    training_repo.train()
    url = training_repo.manager().upload_model(
        model_path=MODEL, version_tag="v1.0.0", commit_message="Upload fine-tuned MCP model"
    )
    assert url.endswith("/tree/v1.0.0")
    assert training_repo.git("tag", "-l", "--format=%(contents)", "v1.0.0") == (
        "Upload fine-tuned MCP model"
    )
    assert "v1.0.0" in {t.name for t in training_repo.api.list_repo_refs(MODEL_REPO).tags}


def test_experiment_tags_and_timestamp_tags_are_versions_too(training_repo):
    manager = training_repo.manager()
    training_repo.train()
    assert manager.upload_model(MODEL, "exp-baseline-001").endswith("/tree/exp-baseline-001")
    assert manager.upload_model(MODEL, "v20240101-120000").endswith("/tree/v20240101-120000")
    tags = {t.name for t in training_repo.api.list_repo_refs(MODEL_REPO).tags}
    assert {"exp-baseline-001", "v20240101-120000"} <= tags


def test_create_repositories_creates_the_model_and_configs_repos(training_repo):
    urls = training_repo.manager().create_repositories(private=True)
    assert urls["model_repo"].endswith(MODEL_REPO)
    assert urls["config_repo"].endswith(f"/{CONFIGS_REPO}")
    assert "/datasets/" not in urls["config_repo"]
    assert training_repo.api.model_info(MODEL_REPO).private is True
    assert training_repo.api.model_info(CONFIGS_REPO).private is True
    assert not training_repo.api.repo_exists(CONFIGS_REPO, repo_type="dataset")
    training_repo.manager().create_repositories(private=True)  # a second call is a no-op


def test_config_repo_type_dataset_puts_the_configs_repo_among_datasets(training_repo):
    detail = training_repo.root / "configs" / "huggingface_config.yaml"
    text = detail.read_text()
    detail.write_text(
        text.replace(
            'config_repo_template: "{username}/{model_name}-configs"',
            'config_repo_template: "{username}/{model_name}-configs"\n  config_repo_type: dataset',
        )
    )
    manager = training_repo.manager()
    assert manager.settings.configs_repo_type == "dataset"

    url = manager.upload_training_config(experiment_name="baseline")

    assert url.endswith(f"/datasets/{CONFIGS_REPO}/tree/main/baseline")
    files = training_repo.api.list_repo_files(CONFIGS_REPO, repo_type="dataset")
    assert "baseline/config.yaml" in files
    assert not training_repo.api.repo_exists(CONFIGS_REPO)


def test_upload_training_config_and_results_go_to_the_configs_repo(training_repo):
    manager = training_repo.manager()
    folder = training_repo.train()
    config_url = manager.upload_training_config(
        config_data=manager.config, experiment_name="baseline_experiment"
    )
    results_url = manager.upload_training_results(
        results_path=folder / "eval_results.json", experiment_name="baseline_experiment"
    )
    training_repo.write("logs/train.log", "step 1 loss 1.0\n")
    training_repo.write("logs/tb/events.out", "tb")
    manager.upload_training_results("logs", "run2")
    assert config_url.endswith("/tree/main/baseline_experiment")
    assert results_url.endswith("/tree/main/baseline_experiment/results")
    files = configs_files(training_repo)
    assert {
        "baseline_experiment/config.yaml",
        "baseline_experiment/metadata.json",
        "baseline_experiment/results/eval_results.json",
        "run2/results/train.log",
        "run2/results/tb/events.out",
    } <= files
    meta_path = training_repo.api.hf_hub_download(CONFIGS_REPO, "baseline_experiment/metadata.json")
    meta = json.loads(Path(meta_path).read_text())
    assert meta["model_name"] == "Qwen/Qwen2.5-0.5B-Instruct"
    assert meta["training_params"]["lora_r"] == 16
    assert meta["git_commit"] == training_repo.git("rev-parse", "HEAD")
    commits = training_repo.api.list_repo_commits(CONFIGS_REPO)
    assert any(c.title == "Upload config for baseline_experiment" for c in commits)


def test_generate_model_card_renders_custom_sections(training_repo):
    training_repo.train()
    card = training_repo.manager().generate_model_card(
        model_path=MODEL,
        version_tag="v1.0.0",
        custom_sections={
            "limitations": "This model may have biases...",
            "ethical_considerations": "Please use responsibly...",
            "training_data": "Trained on MCP tool calling dataset...",
        },
    )
    assert "## Limitations\n\nThis model may have biases..." in card
    assert "## Ethical considerations" in card and "## Training data" in card
    assert "license: mit" in card and "- zh" in card and "- mcp" in card
    assert "accuracy" in card and "v1.0.0" in card
    assert training_repo.git("tag", "-l") == ""  # rendering creates no tag


def test_download_model_fetches_a_version_into_local_dir(training_repo, tmp_path):
    manager = training_repo.manager()
    folder = training_repo.train()
    manager.sync_training_workflow(MODEL, "baseline", "v1.0.0")
    path = Path(manager.download_model(version_tag="v1.0.0", local_dir=tmp_path / "dl"))
    assert path == tmp_path / "dl"
    assert (path / "model.safetensors").read_bytes() == (folder / "model.safetensors").read_bytes()
    assert json.loads((path / "experiment_metadata.json").read_text())["git_tag"] == "v1.0.0"


def test_download_model_refuses_a_version_published_from_another_commit(training_repo, tmp_path):
    from hfgit.errors import ProvenanceError

    manager = training_repo.manager()
    training_repo.train()
    manager.sync_training_workflow(MODEL, "baseline", "v1.0.0")
    training_repo.git("tag", "-d", "v1.0.0")
    training_repo.commit("fix: history rewritten")
    training_repo.git("tag", "v1.0.0")

    with pytest.raises(ProvenanceError, match="local tag points at"):
        manager.download_model(version_tag="v1.0.0", local_dir=tmp_path / "dl")


def test_list_experiments_shows_name_version_commit_params_and_metrics(training_repo):
    manager = training_repo.manager()
    training_repo.train()
    manager.sync_training_workflow(MODEL, "baseline", "v1.0.0")
    rows = manager.list_experiments()
    assert len(rows) == 1
    row = rows[0]
    assert row["experiment_name"] == "baseline" and row["version"] == "v1.0.0"
    assert row["git_commit"] == training_repo.git("rev-parse", "HEAD")
    assert row["eval_results"] == {"accuracy": 0.91, "loss": 0.3}
    assert row["training_params"]["learning_rate"] == 0.0002


def test_batch_publishing_of_several_experiments(training_repo):
    """The tutorial's batch example: three experiments in a loop."""
    manager = training_repo.manager()
    experiments = [
        {"path": "./exp1", "name": "baseline", "tag": "v1.0.0", "accuracy": 0.85},
        {"path": "./exp2", "name": "optimized", "tag": "v1.1.0", "accuracy": 0.88},
        {"path": "./exp3", "name": "final", "tag": "v2.0.0", "accuracy": 0.93},
    ]
    for exp in experiments:
        training_repo.train(exp["path"], accuracy=exp["accuracy"])
    for exp in experiments:
        results = manager.sync_training_workflow(
            model_path=exp["path"], experiment_name=exp["name"], version_tag=exp["tag"]
        )
        assert results["model_url"].endswith(f"/tree/{exp['tag']}")
    assert manager.list_versions() == ["v2.0.0", "v1.1.0", "v1.0.0"]
    rows = {r["version"]: r for r in manager.list_experiments()}
    assert {v: r["experiment_name"] for v, r in rows.items()} == {
        "v2.0.0": "final",
        "v1.1.0": "optimized",
        "v1.0.0": "baseline",
    }
    assert rows["v1.1.0"]["eval_results"]["accuracy"] == 0.88
    assert {"baseline/config.yaml", "final/results/eval_results.json"} <= configs_files(
        training_repo
    )


def test_gate_refuses_a_low_accuracy_model_and_leaves_no_tag(training_repo):
    """The tutorial's `publish only when accuracy > 0.8`, as a gate in config.yaml."""
    config = training_repo.root / "config.yaml"
    config.write_text(config.read_text() + "\n  gate:\n    min: {accuracy: 0.8}\n")
    manager = training_repo.manager()
    training_repo.train(accuracy=0.75)
    with pytest.raises(GateError, match=r"accuracy = 0.75 is below the gate minimum 0.8"):
        manager.sync_training_workflow(MODEL, "weak", "v1.0.0")
    assert training_repo.git("tag", "-l") == ""
    assert manager.list_versions() == []
    training_repo.train(accuracy=0.85)
    assert manager.sync_training_workflow(MODEL, "strong", "v1.0.0")["version"] == "v1.0.0"


def test_no_regression_gate_compares_with_the_previous_version(training_repo):
    training_repo.edit_detail("# backups\n", "gate:\n  no_regression: [accuracy]\n\n# backups\n")
    manager = training_repo.manager()
    training_repo.train(accuracy=0.9)
    manager.sync_training_workflow(MODEL, "good", "v1.0.0")
    training_repo.train(accuracy=0.8)
    training_repo.commit("feat: riskier data mix")
    with pytest.raises(GateError, match=r"accuracy regressed: 0\.8 vs 0\.9"):
        manager.sync_training_workflow(MODEL, "worse")
    assert manager.list_versions() == ["v1.0.0"]


def test_a_training_time_record_at_another_commit_is_refused(training_repo):
    from hfgit.api import record_experiment

    folder = training_repo.train()
    record_experiment(model_dir=folder, metrics={"accuracy": 0.9}, repo_path=training_repo.root)
    training_repo.commit("feat: unrelated change after training")
    with pytest.raises(ProvenanceError, match="retrain at HEAD"):
        training_repo.manager().sync_training_workflow(MODEL, "stale", "v1.0.0")
    assert training_repo.git("tag", "-l") == ""


def test_a_version_tag_already_on_the_hub_from_another_commit_is_a_conflict(training_repo):
    manager = training_repo.manager()
    training_repo.train()
    manager.sync_training_workflow(MODEL, "one", "v1.0.0")
    training_repo.git("tag", "-d", "v1.0.0")
    training_repo.commit("feat: more")
    training_repo.train()
    with pytest.raises(TagConflictError, match="pick another version tag"):
        manager.sync_training_workflow(MODEL, "two", "v1.0.0")


def test_hfgit_skip_publishes_nothing(training_repo, monkeypatch):
    training_repo.train()
    monkeypatch.setenv("HFGIT_SKIP", "1")
    urls = training_repo.manager().sync_training_workflow(MODEL, "skipped", "v1.0.0")
    assert urls["model_url"] is None and urls["version"] is None
    assert training_repo.git("tag", "-l") == ""


def test_a_disabled_integration_publishes_nothing(training_repo):
    config = training_repo.root / "config.yaml"
    config.write_text(
        config.read_text().replace(
            "  enabled: true                    # enable",
            "  enabled: false                   # enable",
        )
    )
    training_repo.train()

    urls = training_repo.manager().sync_training_workflow(MODEL, "off", "v1.0.0")

    assert urls["model_url"] is None and urls["version"] is None
    assert training_repo.git("tag", "-l") == ""
    assert not training_repo.api.repo_exists(MODEL_REPO)


def test_an_endpoint_key_in_config_yaml_wins_over_hf_endpoint(training_repo, monkeypatch):
    config = training_repo.root / "config.yaml"
    text = config.read_text().replace(
        "  enabled: true                    # enable",
        f"  endpoint: {training_repo.hub.url}\n  enabled: true                    # enable",
    )
    config.write_text(text)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    training_repo.train()
    url = training_repo.manager().upload_model(MODEL, "v1.0.0")
    assert url.startswith(training_repo.hub.url)


def test_a_model_name_without_namespace_uses_the_repo_templates(training_repo):
    config = training_repo.root / "config.yaml"
    config.write_text(config.read_text().replace('"alice/mcp-finetuned-model"', '"mcp-tool-model"'))
    manager = training_repo.manager()
    assert manager.model_repo_name == "alice/mcp-tool-model"
    assert manager.config_repo_name == "alice/mcp-tool-model-configs"
    training_repo.train()
    assert manager.upload_model(MODEL, "v0.1.0").endswith("alice/mcp-tool-model/tree/v0.1.0")
