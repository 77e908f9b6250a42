"""`git hf serve` as a real process: prints its URL, answers the client, validates options."""

from __future__ import annotations

import subprocess
import sys

from huggingface_hub import HfApi


def test_serve_prints_its_url_answers_whoami_and_stops_cleanly_on_sigterm(tmp_path):
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(tmp_path / "root"), "--port", "0",
               "--user", "alice", "--token", "hf_cliToken123456", "--user", "bob", "--token", "hf_cliBob123456"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert HfApi(endpoint=url, token="hf_cliBob123456").whoami()["name"] == "bob"
        assert (tmp_path / "root" / "repos").is_dir()
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_serve_rejects_unpaired_users_and_tokens(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(tmp_path), "--user", "alice"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--user and --token" in result.stderr


def test_serve_reports_a_busy_port_in_one_line(hub, tmp_path):
    port = hub.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(tmp_path), "--port", port],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and f":{port}" in result.stderr
