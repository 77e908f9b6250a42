"""examples/huggingface_usage.py runs start to end against the embedded hub."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "huggingface_usage.py"


def test_the_usage_example_runs_every_flow(tmp_path):
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "model_url: http://127.0.0.1:8765/alice/mcp-finetuned-model/tree/v1.0.0" in out
    assert "refused: v1.3.0 is not published: accuracy = 0.7" in out
    assert "['v1.2.0', 'v1.1.0', 'v1.0.1', 'v1.0.0']" in out
    assert out.rstrip().endswith("all examples ran")
    assert "Traceback" not in done.stderr
