"""Publishing new weights: `git hf push` of a first version against `hf upload` of the same
folder, both to `git hf serve` and both over the same transfer: plain LFS (`HF_HUB_DISABLE_XET=1`
for both), or Xet (neither side told to avoid it; each file's transfer is checked afterwards on
the hub), each run with weights neither side has sent before. Also the peak memory of the
pushing process and of the hub while it receives."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import GIT_HF, USER, HubProcess, MiB, Workspace, interleaved, median
from benchmarks.report import Figure

CONFIG = '{"model_type": "llama", "hidden_size": 4096}\n'
MEMORY_LIMIT_MIB = 150
_NONCES = itertools.count(1)


@dataclass
class PublishRuns:
    """Seconds and peaks of each run, per side."""

    hfgit: list[float]
    hf: list[float]
    client_peaks: list[float]  # hfgit's pushing process, MiB
    server_peaks: list[float]  # the hub during hfgit's push, MiB
    hf_client_peaks: list[float]
    hf_server_peaks: list[float]


class Publisher:
    """Makes the folders and runs both sides; each call publishes weights never seen before."""

    def __init__(self, workspace: Workspace, hub: HubProcess, transfer: str = "lfs") -> None:
        self.workspace, self.hub, self.transfer = workspace, hub, transfer
        self.env = {**workspace.env, "HF_ENDPOINT": hub.url}
        if transfer == "xet":
            del self.env["HF_HUB_DISABLE_XET"]
        self.transfers: set[str] = set()  # how the weights travelled, as the hub recorded it

    def _check_transfer(self, repo_id: str) -> None:
        """How the weights reached the hub: its Xet store or its LFS store holds them."""
        from huggingface_hub import HfApi

        api = HfApi(endpoint=self.hub.url, token=self.env["HF_TOKEN"])
        [info] = api.get_paths_info(repo_id, ["model.safetensors"])
        lfs = getattr(info, "lfs", None)
        if lfs is None:
            self.transfers.add("unknown")
            return
        sha = lfs.sha256
        for transfer in ("xet", "lfs"):
            folder = self.hub.root / transfer
            if (folder / "files" / sha[:2] / sha[2:4] / sha).exists() or (
                folder / sha[:2] / sha[2:4] / sha
            ).exists():
                self.transfers.add(transfer)
                return
        self.transfers.add("unknown")

    def _nonce(self) -> int:
        return next(_NONCES)  # unique across publishers: repositories and folders never clash

    def hfgit(self, size: int) -> tuple[float, float, float]:
        """(seconds, client peak, server peak) of `git hf push` of a new model's first version."""
        from benchmarks.harness import write_weights

        nonce = self._nonce()
        repo = self.workspace.path(f"publish-hfgit-{nonce}")
        model = repo / "model"
        model.mkdir(parents=True)
        ws = self.workspace
        ws.git(repo, "init", "-q", "-b", "main")
        (repo / ".hfgit.yaml").write_text(f"repo_id: {USER}/hfgit-{nonce}\nmodel_dir: model\n")
        (repo / ".gitignore").write_text("model/\n")
        (model / "config.json").write_text(CONFIG)
        write_weights(model / "model.safetensors", size, nonce)
        ws.git(repo, "add", "-A")
        ws.git(repo, "commit", "-qm", "train")
        ws.git(repo, "tag", "-a", "v1.0.0", "-m", "first")
        self.hub.reset_peak()
        run = ws.run([GIT_HF, "push", "-q"], repo, self.env)
        server = self.hub.peak_mib()
        (model / "model.safetensors").unlink()
        self._check_transfer(f"{USER}/hfgit-{nonce}")
        return run.seconds, run.peak_mib, server

    def hf(self, size: int) -> tuple[float, float, float]:
        """The same for `hf upload` of the same folder to a new repository."""
        from benchmarks.harness import write_weights

        nonce = self._nonce()
        folder = self.workspace.path(f"publish-hf-{nonce}")
        folder.mkdir()
        (folder / "config.json").write_text(CONFIG)
        write_weights(folder / "model.safetensors", size, nonce)
        self.hub.reset_peak()
        hf = str(Path(GIT_HF).parent / "hf")
        run = self.workspace.run(
            [hf, "upload", f"{USER}/hf-{nonce}", ".", ".", "-q"], folder, self.env
        )
        server = self.hub.peak_mib()
        (folder / "model.safetensors").unlink()
        self._check_transfer(f"{USER}/hf-{nonce}")
        return run.seconds, run.peak_mib, server


def transfer_label(publisher: Publisher) -> str:
    """ "LFS, both sides" or "Xet, both sides"; anything else is not like with like and says so."""
    names = {"lfs": "LFS", "xet": "Xet", "unknown": "unknown"}
    if publisher.transfers == {publisher.transfer}:
        return f"{names[publisher.transfer]}, both sides"
    seen = "/".join(names[t] for t in sorted(publisher.transfers))
    return f"{names[publisher.transfer]} asked, {seen} used"


def publish_runs(publisher: Publisher, size: int, runs: int) -> PublishRuns:
    peaks: dict[str, list[float]] = {"client": [], "server": [], "hf_client": [], "hf_server": []}

    def hfgit(_: int) -> float:
        seconds, client, server = publisher.hfgit(size)
        peaks["client"].append(client)
        peaks["server"].append(server)
        return seconds

    def hf(_: int) -> float:
        seconds, client, server = publisher.hf(size)
        peaks["hf_client"].append(client)
        peaks["hf_server"].append(server)
        return seconds

    mine, theirs = interleaved(runs, hfgit, hf)
    return PublishRuns(
        mine, theirs, peaks["client"], peaks["server"], peaks["hf_client"], peaks["hf_server"]
    )


def figures(publisher: Publisher, size: int, runs: int) -> list[Figure]:
    measured = publish_runs(publisher, size, runs)
    amount = f"{size // MiB} MiB ({transfer_label(publisher)})"
    mine, theirs = median(measured.hfgit), median(measured.hf)
    client, server = max(measured.client_peaks), max(measured.server_peaks)
    return [
        Figure(
            f"publish {amount} of new weights",
            mine,
            "s",
            "ratio <= 1.05",
            mine / theirs <= 1.05,
            theirs,
            "hf upload",
            {"hfgit": measured.hfgit, "hf upload": measured.hf},
        ),
        Figure(
            f"peak memory publishing {amount}, client",
            client,
            "MiB",
            f"< {MEMORY_LIMIT_MIB} MiB",
            client < MEMORY_LIMIT_MIB,
            max(measured.hf_client_peaks),
            "hf upload",
            {"hfgit": measured.client_peaks, "hf upload": measured.hf_client_peaks},
        ),
        Figure(
            f"peak memory publishing {amount}, server",
            server,
            "MiB",
            f"< {MEMORY_LIMIT_MIB} MiB",
            server < MEMORY_LIMIT_MIB,
            max(measured.hf_server_peaks),
            "hf upload",
            {"hfgit": measured.server_peaks, "hf upload": measured.hf_server_peaks},
        ),
    ]
