"""Bytes sent and storage added by new versions of one large file, over Xet and over LFS.

    python -m benchmarks.xet                 # a 512 MiB file
    python -m benchmarks.xet --size 64M      # quicker

For each transfer, one repository on a `git hf serve` of its own receives, through the
unmodified client (`HfApi.upload_file`, one process per upload, as separate commands would):
the first version of a file of random bytes, the same file again, the file with 1% of it
changed (eight regions spread over it, as a fine-tune touching a few tensors does), and an
entirely new file. Every byte the client sends to the hub goes through a counting relay (the
hub hands out the relay's URL for LFS transfers and its CAS), so "sent" is everything on the
wire: request heads, JSON, xorbs, shards, LFS bodies. "Stored" is what the hub's root grew by.
The table is printed in Markdown, with the hub's peak resident memory over each transfer
(mapped xorbs count in it: they are page cache, not the hub's own memory); `--json PATH` also
writes the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import GIT_HF, TOKEN, USER, MiB, Workspace

UPLOAD = """
import sys
from huggingface_hub import HfApi
api = HfApi(endpoint=sys.argv[1], token=sys.argv[2])
api.create_repo(sys.argv[3], exist_ok=True)
api.upload_file(path_or_fileobj=sys.argv[4], path_in_repo="model.safetensors", repo_id=sys.argv[3])
"""
STEPS = ("first version", "unchanged", "1% changed", "fully changed")
REGIONS = 8


class Relay:
    """A TCP relay to `upstream_port` counting the bytes clients send through it."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sent = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(1 << 20):
                target.sendall(data)
                if counted:
                    with self._lock:
                        self.sent += len(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def disk_usage(root: Path) -> int:
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def write_random(path: Path, size: int) -> None:
    with path.open("wb") as out:
        for start in range(0, size, 4 * MiB):
            out.write(os.urandom(min(4 * MiB, size - start)))


def change_one_percent(path: Path, size: int) -> None:
    """Rewrite 1% of the file in REGIONS regions spread evenly over it."""
    region = size // 100 // REGIONS
    with path.open("r+b") as out:
        for i in range(REGIONS):
            out.seek((2 * i + 1) * size // (2 * REGIONS))
            out.write(os.urandom(region))


def measure(workspace: Workspace, transfer: str, size: int) -> dict[str, Any]:
    """The four steps over one transfer (bytes sent, bytes stored, seconds) and the hub's
    peak memory."""
    root = workspace.path(f"hub-{transfer}")
    port = free_port()
    relay = Relay(port)
    env = dict(workspace.env, HF_HOME=str(workspace.path(f"hf-{transfer}")))
    if transfer == "xet":
        env.pop("HF_HUB_DISABLE_XET", None)
    serve = [GIT_HF, "serve", "--root", str(root), "--port", str(port)]
    hub = subprocess.Popen(
        [*serve, "--public-url", relay.url, "--user", USER, "--token", TOKEN],
        env=workspace.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert hub.stdout is not None
    if not hub.stdout.readline().startswith("http"):
        raise SystemExit("git hf serve did not start")
    weights = workspace.path(f"weights-{transfer}.bin")
    rows = []
    try:
        for step in STEPS:
            if step == "first version" or step == "fully changed":
                write_random(weights, size)
            elif step == "1% changed":
                change_one_percent(weights, size)
            sent, stored, started = relay.sent, disk_usage(root), time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", UPLOAD, relay.url, TOKEN, f"{USER}/w", str(weights)],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise SystemExit(f"{transfer} upload ({step}) failed: {done.stderr[-3000:]}")
            rows.append(
                {
                    "sent": relay.sent - sent,
                    "stored": disk_usage(root) - stored,
                    "seconds": time.perf_counter() - started,
                }
            )
        peak = _peak_bytes(hub.pid)
    finally:
        hub.terminate()
        hub.wait(timeout=30)
        relay.close()
        weights.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
    return {"steps": rows, "hub_peak": peak}


def _peak_bytes(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) * 1024
    return float("nan")


def mib(value: float) -> str:
    return f"{value / MiB:,.2f} MiB" if value >= 0.01 * MiB else f"{value / 1024:,.1f} KiB"


def table(size: int, figures: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"| {size // MiB} MiB file | Xet sent | Xet stored | LFS sent | LFS stored "
        "| Xet / LFS seconds |",
        "|---|---|---|---|---|---|",
    ]
    for i, step in enumerate(STEPS):
        xet, lfs = figures["xet"]["steps"][i], figures["lfs"]["steps"][i]
        lines.append(
            f"| {step} | {mib(xet['sent'])} | {mib(xet['stored'])} | {mib(lfs['sent'])} "
            f"| {mib(lfs['stored'])} | {xet['seconds']:.1f} / {lfs['seconds']:.1f} |"
        )
    peaks = [mib(figures[transfer]["hub_peak"]) for transfer in ("xet", "lfs")]
    lines.append(f"| hub's peak memory | {peaks[0]} | | {peaks[1]} | | |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from benchmarks.__main__ import parse_size

    parser = argparse.ArgumentParser(prog="python -m benchmarks.xet", description=__doc__)
    parser.add_argument("--size", type=parse_size, default=512 * MiB, help="file size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    workspace = Workspace()
    try:
        figures = {transfer: measure(workspace, transfer, args.size) for transfer in ("xet", "lfs")}
    finally:
        workspace.close()
    print(table(args.size, figures))
    if args.json:
        args.json.write_text(
            json.dumps({"size": args.size, "step_names": STEPS, **figures}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
