"""docs/ci.md's publish step for several models, run as a CI runs it: a fresh checkout of
each pushed `NAME@vX.Y.Z` tag, the token only in the environment, no stdin."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from drivers import Workspace, models_workspace

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
TRAIN = """\
import json, os, pathlib
name = os.environ["GITHUB_REF_NAME"].partition("@")[0]
folder = pathlib.Path("models") / name
folder.mkdir(parents=True, exist_ok=True)
(folder / "config.json").write_text(json.dumps({"model": name}))
(folder / "model.safetensors").write_bytes(name.encode() * 4096)
"""


def _publish_script() -> str:
    """The shell block of the page's section on several models."""
    section = DOC.read_text(encoding="utf-8").split("## Several models in one repository")[1]
    (script,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    return script


@pytest.fixture
def origin(hub: Any, tmp_path: Path, capsys: Any) -> tuple[Workspace, Path]:
    ws = models_workspace(hub, tmp_path / "project", capsys)
    ws.write("train.py", TRAIN)
    ws.commit("feat: train both models in CI")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    ws.git("remote", "add", "origin", str(bare))
    ws.git("push", "-q", "origin", "main")
    return ws, bare


def _ci_run(script: str, bare: Path, tag: str, token: str, hub_url: str, root: Path) -> Any:
    work, home = root / f"build-{tag}", root / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").touch()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "CI": "true",
        "HF_ENDPOINT": hub_url,
        "HF_TOKEN": token,
        "GITHUB_REF_NAME": tag,
    }
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], env=env, check=True)
    subprocess.run(["git", "checkout", "-q", "--detach", tag], cwd=work, env=env, check=True)
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, work


@pytest.mark.parametrize("tag", ["clf@v1.0.0", "gen@v0.1.0"])
def test_the_publish_step_for_several_models_publishes_the_tags_model(origin, tmp_path, tag):
    ws, bare = origin
    ws.tag(tag, f"release {tag}")
    ws.git("push", "-q", "origin", tag)
    token = ws.hub.tokens["alice"]

    done, work = _ci_run(_publish_script(), bare, tag, token, ws.hub.url, tmp_path / "ci")

    assert done.returncode == 0, done.stderr
    name, _, version = tag.partition("@")
    (published,) = json.loads((work / "publish.json").read_text())
    assert (published["model"], published["repo_id"]) == (name, f"alice/{name}")
    assert [(o["tag"], o["error"]) for o in published["versions"]] == [(tag, None)]
    hub_tags = {t.name for t in ws.hub.api("alice").list_repo_refs(f"alice/{name}").tags}
    assert hub_tags == {version}
    assert token not in done.stdout + done.stderr
