"""The embedded hub under concurrent uploads: N clients (processes of the unmodified client)
committing a large file each at the same moment, against one client alone. Each client has
hashed its file before the start, so what is timed is the transfer the hub serves: LFS batch,
PUT (the hub hashes and stores every byte), verify, commit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import USER, HubProcess, MiB, Workspace, median, write_weights
from benchmarks.report import Figure, cpus

ROOT = Path(__file__).resolve().parents[1]
MIN_SPEEDUP = 1.5


@dataclass(frozen=True)
class Usage:
    """What one run used: wall seconds, MiB uploaded, CPU seconds of the clients, of the hub,
    and of everything else on the machine meanwhile (other work sharing the cores)."""

    seconds: float
    mib: float
    clients_cpu: float
    hub_cpu: float
    others_cpu: float


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_cpu() -> float:
    """CPU seconds the whole machine spent busy so far (all cores, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Uploads:
    def __init__(self, workspace: Workspace, hub: HubProcess, size: int) -> None:
        self.workspace, self.hub, self.size = workspace, hub, size
        self.count = 0
        self.errors: list[str] = []
        self.peak_threads = 0
        self.client_cpu: list[float] = []  # CPU seconds of each client's upload
        self.runs: dict[int, list[Usage]] = {}  # clients at once -> what each run used

    def at_once(self, clients: int) -> float:
        """Seconds from the start signal until every client's commit is done."""
        files = []
        for _ in range(clients):
            self.count += 1
            path = self.workspace.path(f"upload-{self.count}.bin")
            write_weights(path, self.size, 10_000 + self.count)
            files.append((f"{USER}/concurrent-{self.count}", path))
        env = {**self.workspace.env, "HF_ENDPOINT": self.hub.url}
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "benchmarks.uploader", self.hub.url, repo_id, str(path)],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for repo_id, path in files
        ]
        for process in processes:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                self.errors.append(process.stderr.read().strip()[-500:] if process.stderr else "")
        hub_cpu, machine_cpu = process_cpu(self.hub.process.pid), busy_cpu()
        started = time.perf_counter()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        while any(p.poll() is None for p in processes):
            self.peak_threads = max(self.peak_threads, self.hub.threads())
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        hub_cpu, machine_cpu = process_cpu(self.hub.process.pid) - hub_cpu, busy_cpu() - machine_cpu
        clients_cpu = 0.0
        for process in processes:
            out = process.stdout.read().strip() if process.stdout else ""
            if process.returncode != 0 or out.startswith("error"):
                err = process.stderr.read() if process.stderr else ""
                self.errors.append(out or err.strip()[-500:])
            else:
                self.client_cpu.append(float(out.split()[1]))
                clients_cpu += float(out.split()[1])
        mib = clients * self.size / MiB
        self.runs.setdefault(clients, []).append(
            Usage(seconds, mib, clients_cpu, hub_cpu, max(0.0, machine_cpu - clients_cpu - hub_cpu))
        )
        for _, path in files:
            path.unlink()
        return seconds


def figures(
    workspace: Workspace, hub: HubProcess, size: int, clients: int, runs: int
) -> list[Figure]:
    uploads = Uploads(workspace, hub, size)
    alone, together = [], []
    for i in range(runs):
        pair = [
            lambda: alone.append(uploads.at_once(1)),
            lambda: together.append(uploads.at_once(clients)),
        ]
        for run in pair if i % 2 == 0 else reversed(pair):
            run()
    one = size / MiB / median(alone)
    aggregate = clients * size / MiB / median(together)
    speedup = aggregate / one
    return [
        Figure(
            f"{clients} clients uploading {size // MiB} MiB each at once: aggregate throughput",
            aggregate,
            "MiB/s",
            f">= {MIN_SPEEDUP}x one client alone, no errors",
            speedup >= MIN_SPEEDUP and not uploads.errors,
            one,
            "one client alone",
            {"one client, s": alone, f"{clients} clients, s": together},
        ),
        Figure(
            f"{clients} clients at once: failed uploads (hub threads at peak: {uploads.peak_threads})",
            len(uploads.errors),
            "errors",
            "0",
            not uploads.errors,
        ),
        ceiling(uploads.runs[clients], one),
    ]


def ceiling(runs: list[Usage], one: float) -> Figure:
    """The most the cores left by other work allowed the clients and the hub together, at
    the CPU each MiB cost them: when it is below 1.5x one client alone, no hub could reach it."""
    per_mib = median([(r.clients_cpu + r.hub_cpu) / r.mib for r in runs])
    clients = median([r.clients_cpu / r.mib for r in runs]) * 1000
    hub = median([r.hub_cpu / r.mib for r in runs]) * 1000
    free = median([cpus() - r.others_cpu / r.seconds for r in runs])
    most = free / per_mib
    return Figure(
        f"CPU ceiling of those runs: {clients:.2f} ms (clients) + {hub:.2f} ms (hub) of CPU "
        f"per MiB, {free:.2f} of {cpus()} cores left by other work",
        most,
        "MiB/s",
        f"{MIN_SPEEDUP}x one alone is reachable only if the ceiling allows it",
        True,
        one,
        "one client alone",
        {
            "clients CPU s": [r.clients_cpu for r in runs],
            "hub CPU s": [r.hub_cpu for r in runs],
            "other CPU s": [r.others_cpu for r in runs],
            "seconds": [r.seconds for r in runs],
        },
    )
