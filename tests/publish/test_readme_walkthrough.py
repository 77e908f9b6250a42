"""The README's "Using it in your own repository" walk-through, run as written.

The shell block is read from README.md, so the README cannot change without this test seeing
it. Stand-ins: `pip` (hfgit is installed already), `$EDITOR` (makes the README's example
change) and the training repository's own `train.py`. The Hub is the embedded one, reached the
way a user reaches a Hub of their choosing: HF_ENDPOINT and HF_TOKEN."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hfgit.fsio import locked

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REPO_ID = "alice/tool-caller"

TRAIN = """\
import json, os, pathlib, yaml

params = yaml.safe_load(pathlib.Path("configs/train.yaml").read_text())
out = pathlib.Path("outputs/model")
out.mkdir(parents=True, exist_ok=True)
(out / "config.json").write_text(json.dumps({"model_type": "llama", "lora_r": params["lora_r"]}))
(out / "model.safetensors").write_bytes(os.urandom(64 * 1024))
pathlib.Path("eval").mkdir(exist_ok=True)
pathlib.Path("eval/results.json").write_text(json.dumps({"accuracy": 0.91, "f1": 0.88}))
print("trained with lora_r", params["lora_r"])
"""
EDITOR = f"""\
#!{sys.executable}
import pathlib, sys

path = pathlib.Path(sys.argv[1])
path.write_text(path.read_text().replace("lora_r: 8", "lora_r: 16"))
"""
PIP = """\
#!/bin/sh
[ "$1" = install ] || { echo "pip stand-in: expected install, got $*" >&2; exit 2; }
echo "$*" >> "$PIP_CALLS"
"""


def walkthrough() -> str:
    section = (ROOT / "README.md").read_text().split("## Using it in your own repository", 1)[1]
    return re.findall(r"```sh\n(.*?)```", section, re.DOTALL)[0]


def _script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def _training_repo(root: Path) -> None:
    """A training project as it is before hfgit: code, a config, outputs ignored."""
    root.mkdir()
    (root / "configs").mkdir()
    (root / "configs" / "train.yaml").write_text("lr: 0.0002\nepochs: 3\nlora_r: 8\n")
    (root / "train.py").write_text(TRAIN)
    (root / ".gitignore").write_text("outputs/\neval/\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "first model"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _wait_for_worker(git_dir: Path) -> None:
    """The hook's background worker has logged the tag and let go of its lock."""
    state = git_dir / "hfgit"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        logged = (state / "hook.log").is_file() and "tag created" in (
            state / "hook.log"
        ).read_text()
        if logged:
            with locked(state / "worker.lock", timeout=60) as free:
                if free:
                    return
        time.sleep(0.05)
    raise AssertionError("the background worker did not finish within 60 s")


@pytest.mark.skipif(
    not (BIN / "git-hf").exists(), reason="the git-hf console script is installed with the package"
)
def test_readme_walkthrough_runs_as_written(hub, tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    _script(tools / "pip", PIP)
    editor = _script(tmp_path / "editor", EDITOR)
    repo = tmp_path / "your-training-repo"
    _training_repo(repo)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(tools), str(BIN), os.environ["PATH"]]),
        "EDITOR": str(editor),
        "PIP_CALLS": str(tmp_path / "pip-calls"),
        "HF_ENDPOINT": hub.url,
        "HF_TOKEN": hub.tokens["alice"],
        "COLUMNS": "120",
    }

    done = subprocess.run(
        ["sh", "-e", "-x", "-c", walkthrough()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    _wait_for_worker(repo / ".git")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "pip-calls").read_text().startswith("install ")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"tagged {head[:8]} as v0.1.0" in done.stderr
    assert "publishing v0.1.0 in the background" in done.stderr
    # push either waited for the hook's publish or (if it ran first) published itself
    push_said = done.stderr.split("+ git hf push", 1)[1].split("+ git hf log", 1)[0]
    assert re.search(
        r"published in the background while this push waited|published v0\.1\.0", push_said
    ), push_said
    assert "nothing to publish" not in push_said
    rows = [row for row in map(str.split, done.stdout.splitlines()) if row[:1] == ["v0.1.0"]]
    rows = [row for row in rows if len(row) > 1]  # bump prints the bare tag
    assert len(rows) == 1 and rows[0][-1] == "published", done.stdout
    assert "accuracy=0.91" in done.stdout

    api = hub.api()
    assert {t.name for t in api.list_repo_refs(REPO_ID).tags} == {"v0.1.0"}
    meta = json.loads(
        Path(
            api.hf_hub_download(REPO_ID, "experiment_metadata.json", revision="v0.1.0")
        ).read_text()
    )
    assert meta["git_commit"] == head
    assert meta["training_params"]["lora_r"] == 16  # trained after the edit, at the tagged commit
    assert meta["git_dirty"] is False
