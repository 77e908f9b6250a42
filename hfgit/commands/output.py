"""stdout is data, stderr is conversation: tables, JSON, sizes, coloured notes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click


def say(message: str) -> None:
    """A note for the human: stderr, never stdout."""
    click.echo(message, err=True)


def warn(message: str) -> None:
    click.echo(style(message, fg="yellow"), err=True)


def style(text: str, **kwargs: Any) -> str:
    if os.environ.get("NO_COLOR") or not sys.stderr.isatty():
        return text
    return click.style(text, **kwargs)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned table on stdout."""
    cells = [
        [str(c) for c in headers],
        *[[("" if c is None else str(c)) for c in row] for row in rows],
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def metrics_text(values: Mapping[str, Any], limit: int = 3) -> str:
    return ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in list(values.items())[:limit]
    )


def experiments_table(
    rows: Iterable[tuple[str | None, str, str | None, Mapping[str, Any], Mapping[str, Any]]],
) -> None:
    """(experiment, version, git commit, params, metrics) per published version, as a table."""
    table(
        ["EXPERIMENT", "VERSION", "GIT", "PARAMS", "METRICS"],
        [
            [name or "-", version, (commit or "?")[:8], metrics_text(params), metrics_text(metrics)]
            for name, version, commit, params, metrics in rows
        ],
    )
