"""What every benchmark needs: a hermetic environment, the hub in a subprocess, timed commands
with their peak memory, medians of interleaved runs, test files and git fixtures."""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
GIT_HF = str(BIN / "git-hf")
USER = "bench"
TOKEN = "hf_benchTokenbenchToken0123"
MiB = 1 << 20
BLOCK = 4 * MiB
# Compiled modules of every command run, kept across runs outside the source tree: an installed
# package (hfgit, huggingface_hub, gto) has its bytecode, and PYTHONDONTWRITEBYTECODE would
# otherwise make an editable checkout compile hfgit at every start.
PYCACHE = Path(tempfile.gettempdir()) / "hfgit-bench-pycache"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float  # the command's peak resident memory (VmHWM, as wait4 reports it)
    stdout: str
    cpu_seconds: float = 0.0  # user + system time of the command and the processes it waited for


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Workspace:
    """A temp folder with its own HOME and git config, and the environment commands run in."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hfgit-bench-"))
        home = self.root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text(
            "[user]\n\tname = Bench\n\temail = bench@example.com\n"
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("HF_", "HFGIT_", "GIT_", "HUGGINGFACE"))
            and key != "PYTHONDONTWRITEBYTECODE"
        }
        self.env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
            GIT_CONFIG_NOSYSTEM="1",
            HF_HOME=str(home / ".cache" / "hf"),
            HF_TOKEN=TOKEN,
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_DISABLE_XET="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            HFGIT_DATA_DIR=str(self.root / "data"),
            HFGIT_HOOK_RETRY_DELAYS="",
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            PYTHONPYCACHEPREFIX=str(PYCACHE),
        )

    def path(self, name: str) -> Path:
        return self.root / name

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def run(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
        """Run a command to its end: wall seconds, peak memory, stdout; exits on failure."""
        return timed(args, cwd, env or self.env)

    def git(self, cwd: Path, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=self.env, input=stdin, text=True, capture_output=True
        )
        if done.returncode != 0:
            raise SystemExit(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
        return done.stdout.strip()


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = _communicate(process)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {err.strip()[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime)


def _communicate(process: subprocess.Popen[bytes]) -> tuple[str, str]:
    """Read both pipes to their end without reaping the child (wait4 does, for its rusage)."""
    import threading

    chunks: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        chunks[name] = stream.read()  # type: ignore[attr-defined]

    readers = [
        threading.Thread(target=drain, args=(name, stream))
        for name, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    return (
        chunks.get("out", b"").decode(errors="replace"),
        chunks.get("err", b"").decode(errors="replace"),
    )


class HubProcess:
    """`git hf serve` in a subprocess, so that its memory can be read from /proc."""

    def __init__(self, workspace: Workspace, name: str = "hub") -> None:
        self.root = workspace.path(name)
        root = str(self.root)
        self.process = subprocess.Popen(
            [GIT_HF, "serve", "--root", root, "--port", "0", "--user", USER, "--token", TOKEN],
            env=workspace.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit("git hf serve did not start")

    def reset_peak(self) -> None:
        """Start a new peak: the kernel resets VmHWM to the current RSS."""
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def peak_mib(self) -> float:
        return _status_field(self.process.pid, "VmHWM") / 1024

    def threads(self) -> int:
        return int(_status_field(self.process.pid, "Threads"))

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _status_field(pid: int, name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return float(line.split()[1])
    return float("nan")


@contextlib.contextmanager
def hub_running(workspace: Workspace, name: str = "hub") -> Iterator[HubProcess]:
    hub = HubProcess(workspace, name)
    try:
        yield hub
    finally:
        hub.close()


def write_weights(path: Path, size: int, nonce: int) -> None:
    """`size` random bytes no other file of the run has: as new to the Hub as fresh weights,
    and with nothing repeated inside (Xet would store a repeated block once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        left, index = size, 0
        while left > 0:
            block = nonce.to_bytes(8, "big") + index.to_bytes(8, "big")
            out.write((block + os.urandom(BLOCK))[: min(left, BLOCK)])
            left -= BLOCK
            index += 1


def interleaved(runs: int, *sides: Callable[[int], float]) -> list[list[float]]:
    """Each side `runs` times, alternating which goes first, so machine noise hits all alike."""
    samples: list[list[float]] = [[] for _ in sides]
    for i in range(runs):
        order = list(range(len(sides)))
        if i % 2:
            order.reverse()
        for side in order:
            samples[side].append(sides[side](i))
    return samples


def fast_import_versions(
    workspace: Workspace, repo: Path, count: int, tag_name: Callable[[int], str]
) -> list[str]:
    """A repository of `count` commits (fixed dates, so the same in every repository made
    this way), each with an annotated tag `tag_name(i)`; returns the commits, oldest first."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        workspace.git(repo, "init", "-q", "-b", "main")
    lines = []
    for i in range(count):
        when = 1_700_000_000 + i * 60
        message = f"train step {i}\n"
        content = f"step {i}\n"
        lines += [
            "commit refs/heads/main",
            f"mark :{i + 1}",
            f"author Bench <bench@example.com> {when} +0000",
            f"committer Bench <bench@example.com> {when} +0000",
            f"data {len(message)}",
            message.rstrip("\n"),
        ]
        if i:
            lines.append(f"from :{i}")
        lines += ["M 644 inline train.log", f"data {len(content)}", content.rstrip("\n"), ""]
    for i in range(count):
        note = f"version {tag_name(i)}\n"
        lines += [
            f"tag {tag_name(i)}",
            f"from :{i + 1}",
            f"tagger Bench <bench@example.com> {1_700_000_000 + i * 60 + 30} +0000",
            f"data {len(note)}",
            note.rstrip("\n"),
            "",
        ]
    marks = workspace.path(f"marks-{repo.name}")
    workspace.git(
        repo, "fast-import", "--quiet", f"--export-marks={marks}", stdin="\n".join(lines) + "\n"
    )
    workspace.git(repo, "reset", "-q", "--hard", "main")
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    return [by_mark[f":{i + 1}"] for i in range(count)]
