"""Chaos drivers shared by tests/publish/test_chaos.py (short runs) and benchmarks/chaos.py
(long runs): a hub served by `git hf serve` in a subprocess (SIGKILLed and restarted on the
same port and storage), publishers that are real `git-hf push` processes in git work trees of
their own, kills at the Nth request seen by a fault proxy, and what each version held when it
was made (tests/invariants.py checks the Hub against it).

The caller provides a hermetic environment (HOME, git config, no real token): the test suite's
conftest does, and the benchmark sets one up itself."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from faultproxy import FaultProxy
from invariants import Made

BIN = Path(sys.executable).parent
REPO_ID = "alice/chaos"
USER, TOKEN = "alice", "hf_chaosTokenChaosToken0123"  # of a hub served here (HubProcess)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HubProcess:
    """`git hf serve` in a subprocess; `kill` is a SIGKILL, `start` again serves the same
    storage on the same port."""

    def __init__(self, root: Path, user: str, token: str) -> None:
        self.root, self.user, self.token = root, user, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> HubProcess:
        self.process = subprocess.Popen(
            [str(BIN / "git-hf"), "serve", "--root", str(self.root), "--port", str(self.port)],
            env={**os.environ, "HFGIT_SERVE_USER": self.user, "HFGIT_SERVE_TOKEN": self.token},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "serving ... on <url>": it accepts from now on
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Publisher:
    """A git work tree with a model folder and `.hfgit.yaml`, publishing with the installed
    git-hf exactly as a user would. `made` records what each version held when tagged."""

    def __init__(
        self, path: Path, endpoint: str, env: dict[str, str], made: Made, repo_id: str = REPO_ID
    ) -> None:
        self.path, self.env, self.made = path, env, made
        self.endpoint, self.repo_id = endpoint, repo_id

    @classmethod
    def create(
        cls,
        path: Path,
        endpoint: str,
        token: str,
        made: Made,
        env: dict[str, str] | None = None,
        repo_id: str = REPO_ID,
    ) -> Publisher:
        env = {
            **(env or os.environ),
            "HF_TOKEN": token,
            "HF_ENDPOINT": endpoint,
            "HF_HUB_DISABLE_XET": "1",
        }
        path.mkdir(parents=True)
        publisher = cls(path, endpoint, env, made, repo_id)
        publisher.git("init", "-q", "-b", "main")
        publisher.configure(endpoint)
        (path / ".gitignore").write_text("model/\n")
        publisher.git("add", "-A")
        publisher.git("commit", "-q", "-m", "start")
        return publisher

    def clone(self, path: Path, endpoint: str, token: str) -> Publisher:
        subprocess.run(["git", "clone", "-q", str(self.path), str(path)], check=True, env=self.env)
        env = {**self.env, "HF_TOKEN": token, "HF_ENDPOINT": endpoint}
        other = Publisher(path, endpoint, env, self.made, self.repo_id)
        other.configure(endpoint)
        return other

    def configure(self, endpoint: str) -> None:
        """Point the work tree (and the token) at `endpoint`, e.g. a fault proxy."""
        self.endpoint = endpoint
        self.env["HF_ENDPOINT"] = endpoint
        (self.path / ".hfgit.yaml").write_text(
            f"repo_id: {self.repo_id}\nmodel_dir: model\nendpoint: {endpoint}\nprivate: false\n"
        )

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def hf(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "git-hf"), *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(BIN / "git-hf"), *args],
            cwd=self.path,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def make_version(self, tag: str, rng: random.Random, weights: int = 96 * 1024) -> str:
        """Train (new weights), commit, record with a kept copy, tag: the version's content is
        fixed, however the folder changes after."""
        model = self.path / "model"
        model.mkdir(exist_ok=True)
        (model / "model.safetensors").write_bytes(rng.randbytes(weights))
        (model / "config.json").write_text(json.dumps({"version": tag, "seed": rng.random()}))
        (self.path / "train.py").write_text(f"# trained for {tag}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", f"feat: {tag}")
        recorded = self.hf("record", "--keep")
        assert recorded.returncode == 0, recorded.stderr
        self.git("tag", tag)
        commit = self.git("rev-parse", "HEAD")
        self.made.add(tag, commit, model)
        return commit


def kill_at(
    process: subprocess.Popen[str],
    seen: Callable[[], int],
    requests: int,
    kill: Callable[[], None] | None = None,
    timeout: float = 120,
) -> bool:
    """Once `seen()` reaches `requests`, SIGKILL `process` (or call `kill`, e.g. to kill the
    hub under it); False when the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if seen() >= requests:
            if kill is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
            else:
                kill()
            return True
        time.sleep(0.005)
    process.kill()
    process.wait()
    raise AssertionError(f"the push did not reach request {requests} in {timeout:.0f} s")


def wait_for(predicate: Callable[[], object], timeout: float = 120, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)


def requests_seen(proxy: FaultProxy) -> Callable[[], int]:
    start = proxy.counters["requests"]
    return lambda: proxy.counters["requests"] - start
