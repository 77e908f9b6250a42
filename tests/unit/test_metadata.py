"""experiment_metadata.json: metrics flattening, params files, the fields a version carries."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hfgit import __version__
from hfgit.errors import HfgitError, ModelFolderError
from hfgit.gitrepo import GitRepo
from hfgit.metadata import (
    Provenance,
    load_mapping,
    load_mapping_file,
    numeric_metrics,
    read_recorded,
    record,
    system_info,
    to_bytes,
    version_metadata,
    write_json_atomic,
)

SHA = "0123456789abcdef0123456789abcdef01234567"
PROVENANCE = Provenance(SHA, "v1.2.0", "main", "https://github.com/alice/m")
MOMENT = datetime(2024, 3, 1, 12, 30, 5, tzinfo=timezone.utc)

# What experiment_metadata.json holds at least (a contract with scripts reading it).
REQUIRED_FIELDS = {
    "git_commit",
    "git_tag",
    "git_branch",
    "git_dirty",
    "git_remote",
    "version",
    "timestamp",
    "hfgit_version",
    "base_model",
    "training_params",
    "eval_results",
    "system",
}


# --- numeric_metrics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "metrics"),
    [
        ({}, {}),
        ({"accuracy": 0.9, "steps": 100}, {"accuracy": 0.9, "steps": 100.0}),
        ({"eval": {"acc": 1, "loss": 0.5}}, {"eval/acc": 1.0, "eval/loss": 0.5}),
        ({"a": {"b": {"c": 2}}}, {"a/b/c": 2.0}),
        ({"ok": True, "name": "x", "none": None, "list": [1, 2]}, {}),
        ({"eval": {"note": "s", "f1": 0.8}, "loss": 1}, {"eval/f1": 0.8, "loss": 1.0}),
        ({1: 0.5}, {"1": 0.5}),
    ],
)
def test_numeric_metrics_flattens_nested_objects_and_keeps_numbers(values, metrics):
    result = numeric_metrics(values)
    assert result == metrics
    assert all(type(v) is float for v in result.values())


# --- load_mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mapping"),
    [
        ('{"lr": 0.001, "epochs": 3}', {"lr": 0.001, "epochs": 3}),
        ("lr: 0.001\nepochs: 3\n", {"lr": 0.001, "epochs": 3}),
        (b"lr: 1.0e-3\n", {"lr": 0.001}),
        ("", {}),
        ("# only a comment\n", {}),
    ],
)
def test_load_mapping_reads_json_or_yaml(text, mapping):
    assert load_mapping(text, "params.yaml") == mapping


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("lr: [0.1\n", "train.yaml: not valid JSON or YAML"),
        ('{"lr": 0.1', "train.yaml: not valid JSON or YAML"),
        ("- 1\n- 2\n", "train.yaml: expected an object of name -> value, found list"),
        ("0.5", "train.yaml: expected an object of name -> value, found float"),
        ("just text", "found str"),
    ],
)
def test_load_mapping_errors_name_the_source(text, says):
    with pytest.raises(HfgitError) as info:
        load_mapping(text, "train.yaml")
    assert says in str(info.value)


def test_load_mapping_file_reads_and_names_a_missing_file(tmp_path):
    (tmp_path / "m.json").write_text('{"acc": 1}')
    assert load_mapping_file(tmp_path / "m.json") == {"acc": 1}
    with pytest.raises(HfgitError, match=r"nope\.json: no such file"):
        load_mapping_file(tmp_path / "nope.json")


def test_load_mapping_does_not_construct_python_objects():
    with pytest.raises(HfgitError, match="not valid JSON or YAML"):
        load_mapping("x: !!python/object/apply:os.system ['true']\n", "evil.yaml")


# --- version_metadata --------------------------------------------------------------------


def test_version_metadata_has_every_field_design_requires():
    data = version_metadata(
        PROVENANCE,
        "v1.2.0",
        MOMENT,
        recorded=None,
        params={"lr": 0.001},
        metrics={"accuracy": 0.9},
        base_model="distilbert/distilbert-base-uncased",
    )
    assert set(data) >= REQUIRED_FIELDS
    assert data["git_commit"] == SHA
    assert data["git_tag"] == "v1.2.0"
    assert data["git_branch"] == "main"
    assert data["git_dirty"] is False
    assert data["git_remote"] == "https://github.com/alice/m"
    assert data["version"] == "v1.2.0"
    assert data["timestamp"] == "2024-03-01T12:30:05Z"
    assert data["hfgit_version"] == __version__
    assert data["base_model"] == "distilbert/distilbert-base-uncased"
    assert data["training_params"] == {"lr": 0.001}
    assert data["eval_results"] == {"accuracy": 0.9}
    assert {"python", "platform", "packages"} <= set(data["system"])


def test_version_metadata_keeps_what_training_recorded():
    recorded = {
        "git_dirty": True,
        "experiment_name": "baseline",
        "recorded_at": "2024-02-28T10:00:00Z",
        "system": {"python": "3.11.0", "platform": "gpu-box", "packages": {"torch": "2.3"}},
    }
    data = version_metadata(PROVENANCE, "v1.2.0", MOMENT, recorded, {}, {}, None)
    assert data["git_dirty"] is True
    assert data["experiment_name"] == "baseline"
    assert data["recorded_at"] == "2024-02-28T10:00:00Z"
    assert data["system"] == recorded["system"]  # the training machine, not the publisher


def test_version_timestamp_is_utc():
    plus_two = datetime(2024, 3, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    data = version_metadata(PROVENANCE, "v1.2.0", plus_two, None, {}, {}, None)
    assert data["timestamp"] == "2024-03-01T12:30:05Z"


def test_metadata_serializes_to_stable_json(tmp_path):
    data = version_metadata(PROVENANCE, "v1.2.0", MOMENT, None, {"when": MOMENT}, {}, None)
    raw = to_bytes(data)
    assert raw == to_bytes(data)
    assert raw.endswith(b"\n")
    assert json.loads(raw)["training_params"]["when"] == str(MOMENT)
    path = tmp_path / "experiment_metadata.json"
    write_json_atomic(path, data)
    assert path.read_bytes() == raw
    assert [p.name for p in tmp_path.iterdir()] == ["experiment_metadata.json"]


def test_system_info_names_python_and_key_packages():
    info = system_info()
    assert info["python"].count(".") == 2
    assert info["platform"]
    assert "huggingface_hub" in info["packages"]  # a dependency, so always installed


# --- read_recorded / record --------------------------------------------------------------


def test_read_recorded_without_a_file_is_none(tmp_path):
    assert read_recorded(tmp_path) is None


def test_read_recorded_invalid_json_says_how_to_fix(tmp_path):
    (tmp_path / "experiment_metadata.json").write_text("{broken")
    with pytest.raises(ModelFolderError, match=r"not valid JSON.*git hf record"):
        read_recorded(tmp_path)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_record_stamps_the_folder_with_head_and_round_trips(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "train.py").write_text("print('train')\n")
    git(tmp_path, "add", "train.py")
    git(tmp_path, "commit", "-q", "-m", "train")
    git(tmp_path, "remote", "add", "origin", "https://bob:hf_secretToken123@github.com/bob/m.git")
    head = git(tmp_path, "rev-parse", "HEAD")
    model_dir = tmp_path / "out" / "model"

    (model_dir / "weights.bin").parent.mkdir(parents=True)
    (model_dir / "weights.bin").write_bytes(b"w")  # untracked output does not make it dirty
    path = record(GitRepo.discover(tmp_path), model_dir, {"lr": 0.1}, {"acc": 0.5}, "base")

    data = read_recorded(model_dir)
    assert path == model_dir / "experiment_metadata.json"
    assert data["git_commit"] == head
    assert data["git_branch"] == "main"
    assert data["git_dirty"] is False
    assert data["git_remote"] == "https://github.com/bob/m.git"  # credentials stripped
    assert "hf_secretToken123" not in path.read_text()
    assert (data["training_params"], data["eval_results"]) == ({"lr": 0.1}, {"acc": 0.5})
    assert data["experiment_name"] == "base"

    (tmp_path / "train.py").write_text("print('changed')\n")
    record(GitRepo.discover(tmp_path), model_dir)
    assert read_recorded(model_dir)["git_dirty"] is True


def test_record_needs_a_first_commit(tmp_path):
    git(tmp_path, "init", "-q")
    with pytest.raises(HfgitError, match="no commit yet"):
        record(GitRepo.discover(tmp_path), tmp_path / "model")


def test_extra_recorded_fields_travel_with_the_version_without_overriding_provenance():
    from datetime import datetime, timezone

    from hfgit.metadata import Provenance, version_metadata

    provenance = Provenance("a" * 40, "v1.0.0", "main", None)
    recorded = {"git_commit": "b" * 40, "model_name": "mcp-finetuned", "dataset_version": "2024-06"}

    meta = version_metadata(
        provenance, "v1.0.0", datetime.now(timezone.utc), recorded, {}, {}, None
    )

    assert meta["model_name"] == "mcp-finetuned" and meta["dataset_version"] == "2024-06"
    assert meta["git_commit"] == "a" * 40


@pytest.mark.parametrize("shape", ["missing", "file"])
def test_record_never_creates_or_overwrites_a_model_folder(tmp_path, monkeypatch, shape):
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "first")
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "modle"
    if shape == "file":
        target.write_text("not a folder")
    with pytest.raises(ModelFolderError, match="modle") as info:
        record(GitRepo.discover(tmp_path), target)
    assert ("does not exist" if shape == "missing" else "is a file") in str(info.value)
    assert not target.is_dir()


def test_platform_is_named_without_starting_a_process(monkeypatch):
    import platform
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError(f"started {args[0]!r}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    info = system_info()
    monkeypatch.undo()

    name = info["platform"]
    assert name.startswith(f"{platform.system()}-{platform.release()}-{platform.machine()}")
    if platform.uname().processor in ("", platform.machine()):  # platform() would add nothing
        assert name == platform.platform(terse=True)
