"""The README's quickstart runs start to end with the installed console script, endpoint: local."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("git-hf", path=os.path.dirname(sys.executable)) is None,
    reason="the git-hf console script is installed with the package",
)
def test_quickstart_publishes_two_versions_to_the_embedded_hub(tmp_path):
    env = {
        **os.environ,
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("HF_TOKEN", None)

    done = subprocess.run(
        ["sh", str(ROOT / "examples" / "quickstart.sh"), str(tmp_path / "qs")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    log = [
        line.split()
        for line in done.stdout.splitlines()
        if line.startswith("v0.") and len(line.split()) > 3
    ]
    assert [(row[0], row[-1]) for row in log] == [("v0.2.0", "published"), ("v0.1.0", "published")]
    assert "Traceback" not in done.stderr
