"""A line chart per metric across versions, as geometry an SVG template draws.

Each version is one labelled point (a circle with a `<title>`), so the chart reads without
colour and without JavaScript; the axis shows the lowest and highest values.
"""

from __future__ import annotations

from dataclasses import dataclass

from hfgit.server.pages.history import Entry

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 16, 40
MAX_CHARTS = 12


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    version: str
    value: float


@dataclass(frozen=True)
class Chart:
    metric: str
    points: list[Point]
    low: float
    high: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def charts(entries: list[Entry]) -> list[Chart]:
    """One chart per metric any version has (a version lacking it has no point there)."""
    names: list[str] = []
    for item in entries:
        names.extend(m for m in item.metrics if m not in names)
    return [_chart(name, entries) for name in sorted(names)[:MAX_CHARTS]]


def _chart(metric: str, entries: list[Entry]) -> Chart:
    slots = max(len(entries) - 1, 1)
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    values = [e.metrics[metric] for e in entries if metric in e.metrics]
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    points = []
    for index, item in enumerate(entries):
        if metric not in item.metrics:
            continue
        value = item.metrics[metric]
        x = LEFT + (span_x * index / slots if len(entries) > 1 else span_x / 2)
        y = TOP + span_y * (1 - (value - low) / spread) if high != low else TOP + span_y / 2
        points.append(Point(x, y, item.version or item.oid[:8], value))
    return Chart(metric, points, low, high)
