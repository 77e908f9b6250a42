"""Figures, the table they print as, and the JSON they are written to."""

from __future__ import annotations

import json
import math
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path


@dataclass
class Figure:
    """One line of the table: hfgit's figure next to its baseline from the same run.

    `ratio` is hfgit / baseline (below 1: hfgit is faster or lighter), unless `fixed_ratio`
    says otherwise (hook overhead: the time with hooks over the time without)."""

    name: str
    hfgit: float
    unit: str  # s | ms | MiB | requests | x
    target: str
    passed: bool
    baseline: float | None = None
    baseline_label: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)
    fixed_ratio: float | None = None  # when hfgit / baseline is not the ratio that matters

    @property
    def ratio(self) -> float | None:
        if self.fixed_ratio is not None:
            return self.fixed_ratio
        if self.baseline is None or not self.baseline or math.isnan(self.baseline):
            return None
        return self.hfgit / self.baseline

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio}


def shown(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return ""
    if unit == "s":
        return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "requests":
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.0f} {unit}"


def table(figures: list[Figure]) -> str:
    rows = [["figure", "hfgit", "baseline", "ratio", "target", "pass"]]
    for f in figures:
        baseline = shown(f.baseline, f.unit)
        if f.baseline_label:
            baseline = f"{baseline} ({f.baseline_label})" if baseline else f.baseline_label
        ratio = f.ratio
        rows.append(
            [
                f.name,
                shown(f.hfgit, f.unit),
                baseline,
                "" if ratio is None else f"{ratio:.2f}",
                f.target,
                "yes" if f.passed else "NO",
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def environment() -> dict[str, object]:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": cpus(),
        "git": git,
        "load_average": load,
    }


def cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def write_json(path: Path, data: dict[str, object]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")
