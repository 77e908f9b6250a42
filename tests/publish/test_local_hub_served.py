"""README's way to browse the hub of `endpoint: local`: its `git hf serve` command, run as
written, serves the private versions to the stock client with the token it names."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from drivers import Workspace
from huggingface_hub import hf_hub_download

README = Path(__file__).resolve().parents[2] / "README.md"
DEFAULT_HUB = "~/.local/share/hfgit/hub"


def _browse_command() -> tuple[dict[str, str], list[str]]:
    """The README's command that serves the local hub: its variables and its arguments."""
    text = " ".join(README.read_text().split())  # the command may wrap across lines
    (command,) = re.findall(rf"`([^`]*git hf serve --root {re.escape(DEFAULT_HUB)}[^`]*)`", text)
    words = shlex.split(command)
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    return env, [w for w in words if "=" not in w or w.startswith("-")]


def test_the_readme_serves_the_local_hub_to_the_stock_client(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data = tmp_path / "data"
    monkeypatch.setenv("HFGIT_DATA_DIR", str(data))
    config = workspace.root / ".hfgit.yaml"
    config.write_text(re.sub(r"(?m)^endpoint: .*$", "endpoint: local", config.read_text()))
    workspace.commit("chore: the local hub")
    workspace.tag("v1.0.0")
    pushed = workspace.run("push")
    assert pushed.code == 0, pushed.err
    env, words = _browse_command()
    assert words[:3] == ["git", "hf", "serve"]
    args = [a.replace(DEFAULT_HUB, str(data / "hub")) for a in words[3:]]

    served = subprocess.Popen(
        [str(Path(sys.executable).parent / "git-hf"), "serve", *args, "--port", "0"],
        env={**_env(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert served.stdout is not None
        url = served.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        path = hf_hub_download(
            "alice/tool-caller",
            "config.json",
            revision="v1.0.0",
            endpoint=url,
            token=env.get("HFGIT_SERVE_TOKEN"),
            cache_dir=tmp_path / "cache",
        )
    finally:
        served.terminate()
        served.wait(timeout=30)
    assert Path(path).read_bytes() == (workspace.root / "model" / "config.json").read_bytes()


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HFGIT_SERVE_")}
