"""`git hf diff` and `git hf verify` on real versions published to the embedded hub."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from drivers import Workspace
from huggingface_hub import snapshot_download

REPO = "alice/tool-caller"
WEIGHTS = "model.safetensors"


def _publish(ws: Workspace, tag: str, params: dict[str, object], metrics: dict[str, float]) -> None:
    from hfgit.api import record_experiment

    ws.commit(f"train {tag}")
    record_experiment(
        model_dir=ws.root / "model", params=params, metrics=metrics, repo_path=ws.root
    )
    ws.tag(tag)
    result = ws.run("push", tag)
    assert result.code == 0, result.err


@pytest.fixture
def two_versions(workspace: Workspace) -> Workspace:
    """v1.0.0, then v1.1.0 with new weights, a file added and one removed, accuracy up and
    loss up (lower is better), params and config.json changed."""
    ws = workspace
    config = (ws.root / ".hfgit.yaml").read_text()
    ws.write(".hfgit.yaml", config + "gate:\n  lower_is_better: [loss]\n")
    ws.write("model/generation_config.json", json.dumps({"max_new_tokens": 64}))
    _publish(
        ws,
        "v1.0.0",
        {"lr": 0.0002, "epochs": 3, "lora": {"r": 16}},
        {"accuracy": 0.91, "loss": 0.30},
    )
    ws.write("model/model.safetensors", os.urandom(300 * 1024))
    ws.write("model/config.json", json.dumps({"model_type": "llama", "hidden_size": 128}))
    ws.write("model/notes.txt", "trained longer\n")
    (ws.root / "model/generation_config.json").unlink()
    _publish(
        ws,
        "v1.1.0",
        {"lr": 0.0001, "epochs": 3, "lora": {"r": 32}, "warmup": 10},
        {"accuracy": 0.93, "loss": 0.35},
    )
    return ws


def test_diff_of_two_versions_names_files_metrics_params_and_config_keys(
    two_versions, hub_requests
):
    result = two_versions.run("diff", "v1.0.0", "v1.1.0", "--json")

    assert result.code == 0, result.err
    data = result.json
    assert data["a"]["version"] == "v1.0.0" and data["b"]["version"] == "v1.1.0"
    files = {f["path"]: f for f in data["files"]}
    assert files["notes.txt"]["status"] == "added" and files["notes.txt"]["a"] is None
    assert files["generation_config.json"]["status"] == "removed"
    weights = files[WEIGHTS]
    assert weights["status"] == "changed"
    assert (weights["a"]["size"], weights["b"]["size"]) == (256 * 1024, 300 * 1024)
    published = two_versions.api.get_paths_info(REPO, [WEIGHTS], revision="v1.1.0")[0]
    assert weights["b"]["sha256"] == published.lfs.sha256
    assert files["config.json"]["status"] == "changed"
    assert files["config.json"]["b"]["blob_id"] == published_blob(two_versions, "config.json")
    assert "tokenizer.json" not in files  # the same in both
    assert data["unchanged"] >= 2
    metrics = {m["name"]: m for m in data["metrics"]}
    assert metrics["accuracy"]["direction"] == "better"
    assert metrics["accuracy"]["delta"] == pytest.approx(0.02)
    assert metrics["loss"]["direction"] == "worse" and metrics["loss"]["lower_is_better"]
    params = {p["key"]: p for p in data["params"]}
    assert params["lr"] == {"key": "lr", "status": "changed", "a": 0.0002, "b": 0.0001}
    assert params["lora.r"]["b"] == 32 and params["warmup"]["status"] == "added"
    assert "epochs" not in params
    assert data["config"] == [{"key": "hidden_size", "status": "changed", "a": 64, "b": 128}]
    # only the small files were read: no weights crossed the wire
    reads = [r for r in hub_requests if "/resolve/" in r]
    assert reads and all(r.endswith(("/experiment_metadata.json", "/config.json")) for r in reads)


def published_blob(ws: Workspace, path: str) -> str:
    return ws.api.get_paths_info(REPO, [path], revision="v1.1.0")[0].blob_id


def test_diff_reads_like_diff_stat(two_versions):
    result = two_versions.run("diff", "v1.0.0", "v1.1.0")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"diff v1.0.0 -> v1.1.0 ({REPO})"
    weights = next(line for line in lines if WEIGHTS in line)
    assert "| changed" in weights and "256.0 KiB -> 300.0 KiB" in weights and "sha256" in weights
    assert any("notes.txt" in line and "| added" in line for line in lines)
    assert " 6 files differ (1 added, 1 removed, 4 changed), 3 unchanged" in lines
    assert any(line.split()[:1] == ["loss"] and line.endswith("worse") for line in lines)
    assert "metrics (lower is better: loss)" in lines
    assert any(line.split() == ["lr", "0.0002", "->", "0.0001"] for line in lines)
    assert any(line.split() == ["hidden_size", "64", "->", "128"] for line in lines)


def test_diff_of_a_version_and_the_local_folder(two_versions):
    ws = two_versions
    ws.write("model/config.json", json.dumps({"model_type": "llama", "hidden_size": 256}))
    ws.write("configs/train.yaml", "lr: 0.0001\nepochs: 5\n")

    unchanged = ws.run("diff", "v1.1.0", "local", "--json").json
    dot = ws.run("diff", "v1.1.0", ".", "--json").json

    assert dot == unchanged
    files = {f["path"]: f["status"] for f in unchanged["files"]}
    assert files == {"config.json": "changed", "configs/train.yaml": "changed"}
    assert unchanged["b"]["version"] == "local"
    assert set(unchanged["not_compared"]) == {
        "README.md",
        "experiment_metadata.json",
        ".gitattributes",
    }
    assert unchanged["config"] == [{"key": "hidden_size", "status": "changed", "a": 128, "b": 256}]
    assert unchanged["metrics"] and all(m["direction"] == "same" for m in unchanged["metrics"])


def test_diff_local_first_compares_the_other_way(two_versions):
    data = two_versions.run("diff", "local", "v1.0.0", "--json").json

    files = {f["path"]: f["status"] for f in data["files"]}
    assert files["notes.txt"] == "removed" and files["generation_config.json"] == "added"
    assert {m["name"]: m["direction"] for m in data["metrics"]}["accuracy"] == "worse"


def test_verify_accepts_the_pulled_snapshot(two_versions):
    pulled = two_versions.run("pull", "v1.1.0")
    assert pulled.code == 0, pulled.err

    result = two_versions.run("verify", "v1.1.0")

    assert result.code == 0, result.err
    assert result.out.startswith("v1.1.0: OK, ") and len(result.out.splitlines()) == 1
    assert "byte for byte" in result.out


def _downloaded(ws: Workspace, tmp_path: Path, version: str = "v1.1.0") -> Path:
    folder = tmp_path / "copy"
    snapshot_download(
        REPO, revision=version, local_dir=folder, endpoint=ws.hub.url, token=ws.hub.tokens["alice"]
    )
    return folder


def test_verify_names_each_differing_missing_and_extra_file(two_versions, tmp_path):
    folder = _downloaded(two_versions, tmp_path)
    assert two_versions.run("verify", "v1.1.0", "--dir", str(folder)).code == 0
    weights = bytearray((folder / WEIGHTS).read_bytes())
    weights[1000] ^= 0x01
    (folder / WEIGHTS).write_bytes(bytes(weights))  # one bit, same size
    (folder / "notes.txt").unlink()
    (folder / "stray.bin").write_bytes(b"x")

    result = two_versions.run("verify", "v1.1.0", "--dir", str(folder))

    assert result.code == 1
    assert result.out.splitlines() == [
        f"differs  {WEIGHTS} (sha256 differs)",
        "missing  notes.txt",
        "extra    stray.bin",
    ]
    assert result.err.strip().splitlines() == [
        f"error: {folder} does not hold v1.1.0 as on the Hub: 1 differs, 1 missing, 1 extra"
    ]


def test_verify_compares_small_files_by_git_blob_id(two_versions, tmp_path):
    folder = _downloaded(two_versions, tmp_path)
    text = (folder / "config.json").read_text()
    (folder / "config.json").write_text(text.replace("128", "129"))  # same size

    result = two_versions.run("verify", "v1.1.0", "--dir", str(folder), "--json")

    assert result.code == 1
    problem = result.json["problems"][0]
    assert problem["path"] == "config.json" and problem["status"] == "differs"
    assert problem["expected"]["blob_id"] == published_blob(two_versions, "config.json")
    assert problem["found"]["blob_id"] != problem["expected"]["blob_id"]
    assert result.json["ok"] is False


def test_verify_of_an_older_version_finds_the_newer_files(two_versions, tmp_path):
    folder = _downloaded(two_versions, tmp_path, "v1.1.0")

    result = two_versions.run("verify", "v1.0.0", "--dir", str(folder), "--json")

    assert result.code == 1
    statuses = {p["path"]: p["status"] for p in result.json["problems"]}
    assert statuses[WEIGHTS] == "differs"
    assert statuses["notes.txt"] == "extra"
    assert statuses["generation_config.json"] == "missing"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "v9.9.9", "v1.0.0"], "v9.9.9 is neither a version on"),
        (["diff", "v1.0.0", "v1.2.0"], "v1.2.0 is not published yet: `git hf push v1.2.0`"),
        (["verify", "v9.9.9"], "v9.9.9 is neither a version on"),
        (["verify", "v1.0.0", "--dir", "nowhere"], "nowhere does not exist"),
        (["verify", "v1.0.0"], "v1.0.0 is not in the Hugging Face cache: `git hf pull v1.0.0`"),
        (["diff", "local", "."], "both sides are the local folder"),
    ],
)
def test_wrong_inputs_are_one_clear_line(two_versions, args, message):
    two_versions.tag("v1.2.0")

    result = two_versions.run(*args)

    assert result.code in (1, 2)
    assert message in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) <= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "v1.0.0", "local"], "v1.0.0 is not published yet: `git hf push v1.0.0`"),
        (["verify", "v2.0.0"], "alice/tool-caller is not on the Hub at"),
    ],
)
def test_before_anything_is_published_a_version_is_one_clear_line(workspace, args, message):
    workspace.tag("v1.0.0")

    result = workspace.run(*args)

    assert result.code == 1
    assert message in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
