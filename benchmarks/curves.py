"""How each cost grows: publish time against size, status and log against the number of
versions, hook overhead against the number of tags. Printed as small tables."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks import hookcost, versions
from benchmarks.harness import HubProcess, MiB, Workspace, median
from benchmarks.publishing import Publisher, publish_runs

Say = Callable[[str], None]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in [headers, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def publish_curve(
    workspace: Workspace,
    hub: HubProcess,
    sizes: list[int],
    runs: int,
    say: Say,
    transfer: str = "lfs",
) -> tuple[str, list[dict[str, float]]]:
    publisher = Publisher(workspace, hub, transfer)
    points = []
    for size in sizes:
        say(f"publish curve: {size // MiB} MiB")
        measured = publish_runs(publisher, size, runs)
        mine, theirs = median(measured.hfgit), median(measured.hf)
        points.append(
            {
                "mib": size / MiB,
                "hfgit_s": mine,
                "hf_upload_s": theirs,
                "ratio": mine / theirs,
                "hfgit_mib_s": size / MiB / mine,
                "client_peak_mib": max(measured.client_peaks),
                "server_peak_mib": max(measured.server_peaks),
            }
        )
    rows = [
        [
            f"{p['mib']:.0f}",
            f"{p['hfgit_s']:.2f}",
            f"{p['hf_upload_s']:.2f}",
            f"{p['ratio']:.2f}",
            f"{p['hfgit_mib_s']:.0f}",
            f"{p['client_peak_mib']:.0f} / {p['server_peak_mib']:.0f}",
        ]
        for p in points
    ]
    headers = ["MiB", "hfgit s", "hf upload s", "ratio", "hfgit MiB/s", "peak MiB client / hub"]
    return _table(headers, rows), points


def versions_curve(
    workspace: Workspace, hub: HubProcess, counts: list[int], runs: int, say: Say
) -> tuple[str, list[dict[str, float]]]:
    points = []
    for count in counts:
        say(f"versions curve: {count} versions")
        made = versions.Versions(workspace, hub, count)
        cold = median([made.hfgit("status", cold=True) for _ in range(runs)])
        made.hfgit("status")
        status = median([made.hfgit("status") for _ in range(runs)])
        log = median([made.hfgit("log") for _ in range(runs)])
        points.append(
            {
                "versions": count,
                "status_cold_s": cold,
                "status_warm_s": status,
                "log_warm_s": log,
                "log_requests_cold": made.log_requests(cold=True),
                "log_requests_warm": made.log_requests(cold=False),
            }
        )
    rows = [
        [
            str(p["versions"]),
            f"{p['status_cold_s']:.2f}",
            f"{p['status_warm_s']:.2f}",
            f"{p['log_warm_s']:.2f}",
            f"{p['log_requests_cold']:.0f} / {p['log_requests_warm']:.0f}",
        ]
        for p in points
    ]
    headers = [
        "versions",
        "status cold s",
        "status warm s",
        "log warm s",
        "log requests cold / warm",
    ]
    return _table(headers, rows), points


def hooks_curve(
    workspace: Workspace, counts: list[int], ops: int, say: Say
) -> tuple[str, list[dict[str, float]]]:
    repos = hookcost.HookRepos(workspace, "hooks-curve")
    points = []
    for count in counts:
        say(f"hooks curve: {count} tags")
        repos.add_tags(count)
        results = repos.overhead(ops)
        point: dict[str, float] = {"tags": count}
        for what in ("commit", "tag"):
            plain, hooked = results[what]
            plain_cpu, hooked_cpu = results[f"{what} cpu"]
            point[f"{what}_ms"] = median(plain)
            point[f"{what}_extra_ms"] = median(hooked) - median(plain)
            point[f"{what}_extra_cpu_ms"] = median(hooked_cpu) - median(plain_cpu)
        points.append(point)
    rows = [
        [
            f"{p['tags']:.0f}",
            f"{p['commit_ms']:.2f}",
            f"{p['commit_extra_ms']:+.2f}",
            f"{p['commit_extra_cpu_ms']:+.2f}",
            f"{p['tag_ms']:.2f}",
            f"{p['tag_extra_ms']:+.2f}",
            f"{p['tag_extra_cpu_ms']:+.2f}",
        ]
        for p in points
    ]
    headers = [
        "tags",
        "git commit ms",
        "hooks add",
        "of it CPU",
        "git tag ms",
        "hooks add",
        "of it CPU",
    ]
    return _table(headers, rows), points
