"""`python -m hfgit.manager VERB`: the tutorial's verbs and flags, errors as one line + exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from drivers import FIXTURES, MODEL

MODEL_REPO = "alice/mcp-finetuned-model"


def test_sync_verb_prints_the_urls(training_repo):
    training_repo.train()
    result = training_repo.run(
        "sync",
        "--model-path",
        f"./{MODEL}",
        "--experiment-name",
        "baseline_experiment",
        "--version-tag",
        "v1.0.0",
        "--private",
    )
    assert result.code == 0, result.err
    lines = dict(line.split(": ", 1) for line in result.out.splitlines())
    assert lines["model_url"].endswith(f"{MODEL_REPO}/tree/v1.0.0")
    assert lines["config_url"].endswith("/tree/main/baseline_experiment")
    assert lines["version"] == "v1.0.0"
    assert "published v1.0.0" not in result.out  # notes stay on stderr


def test_upload_model_and_list_versions_verbs(training_repo):
    training_repo.train()
    result = training_repo.run(
        "upload-model",
        "--model-path",
        MODEL,
        "--version-tag",
        "v1.0.0",
        "--commit-message",
        "Upload fine-tuned model",
    )
    assert result.code == 0, result.err
    assert result.out.strip().endswith("/tree/v1.0.0")
    listed = training_repo.run("list-versions")
    assert listed.code == 0 and listed.out.split() == ["v1.0.0"]
    assert training_repo.run("list-versions", "--json").json == ["v1.0.0"]


def test_upload_config_verb_uploads_the_named_file(training_repo):
    result = training_repo.run(
        "upload-config", "--config-file", "config.yaml", "--experiment-name", "baseline"
    )
    assert result.code == 0, result.err
    assert result.out.strip().endswith("/tree/main/baseline")
    files = training_repo.api.list_repo_files("alice/mcp-finetuned-model-configs")
    assert "baseline/config.yaml" in files


def test_download_model_verb(training_repo, tmp_path):
    training_repo.train()
    assert (
        training_repo.run("upload-model", "--model-path", MODEL, "--version-tag", "v1.0.0").code
        == 0
    )
    result = training_repo.run(
        "download-model", "--version-tag", "v1.0.0", "--local-dir", str(tmp_path / "dl")
    )
    assert result.code == 0, result.err
    assert (tmp_path / "dl" / "model.safetensors").is_file()
    assert result.out.strip() == str(tmp_path / "dl")


def test_list_experiments_verb_and_git_hf_experiments_agree(training_repo):
    training_repo.train()
    assert (
        training_repo.run("sync", "--model-path", MODEL, "--experiment-name", "baseline").code == 0
    )
    table = training_repo.run("list-experiments")
    assert table.code == 0
    assert "baseline" in table.out and "v0.0.1" in table.out and "accuracy=0.91" in table.out
    rows = training_repo.run("list-experiments", "--json").json
    # the same listing through `git hf experiments`, once a .hfgit.yaml names the repo
    training_repo.write(
        ".hfgit.yaml",
        f"repo_id: {MODEL_REPO}\nmodel_dir: {MODEL}\nendpoint: {training_repo.hub.url}\n",
    )
    hf_rows = training_repo.hf("experiments", "--json").json
    assert [(r["experiment"], r["version"], r["git_commit"], r["metrics"]) for r in hf_rows] == [
        (r["experiment_name"], r["version"], r["git_commit"], r["eval_results"]) for r in rows
    ]


def test_validate_config_verb_summarises_a_good_config(training_repo):
    result = training_repo.run("validate-config", "--config", "config.yaml")
    assert result.code == 0, result.err
    assert "model repo:   alice/mcp-finetuned-model" in result.out
    assert "configs repo: alice/mcp-finetuned-model-configs (model repo)" in result.out
    assert "semver tags like v1.2.0, next by patch" in result.out


def test_validate_config_verb_rejects_malformed_yaml_with_file_and_line(training_repo):
    shutil.copy(
        FIXTURES / "configs" / "malformed_huggingface_config.yaml",
        training_repo.root / "configs" / "huggingface_config.yaml",
    )
    result = training_repo.run("validate-config", "--config", "config.yaml")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "huggingface_config.yaml:" in lines[0] and "not valid YAML" in lines[0]
    assert "Traceback" not in result.err


def test_validate_config_verb_names_a_mistyped_key(training_repo):
    training_repo.edit_detail("max_retries: 3", "max_retries: three")
    result = training_repo.run("validate-config")
    assert result.code == 1
    assert (
        "huggingface_config.yaml:21: settings.upload.max_retries must be an integer" in result.err
    )


def test_a_missing_config_file_is_one_line_and_exit_1(training_repo):
    result = training_repo.run("list-versions", "--config", "nope.yaml")
    assert result.code == 1
    assert result.err.strip().count("\n") == 0
    assert "nope.yaml does not exist" in result.err


def test_sync_verb_refused_by_the_gate_exits_1_with_one_line(training_repo):
    config = training_repo.root / "config.yaml"
    config.write_text(config.read_text() + "\n  gate:\n    min: {accuracy: 0.8}\n")
    training_repo.train(accuracy=0.7)
    result = training_repo.run("sync", "--model-path", MODEL, "--version-tag", "v1.0.0")
    assert result.code == 1
    assert result.err.strip().splitlines()[-1] == (
        "error: v1.0.0 is not published: accuracy = 0.7 is below the gate minimum 0.8"
    )
    assert result.out == ""


def test_an_unknown_verb_is_a_usage_error(training_repo):
    assert training_repo.run("upload-everything").code == 2


def test_python_dash_m_runs_the_verbs(training_repo):
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "hfgit.manager", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0
    for verb in ("sync", "upload-model", "upload-config", "download-model", "list-versions"):
        assert verb in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "hfgit.manager", "validate-config", "--config", "config.yaml"],
        capture_output=True,
        text=True,
        env=env,
        cwd=training_repo.root,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout
