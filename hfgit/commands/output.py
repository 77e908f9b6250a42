"""stdout is data, stderr is conversation: tables, JSON, sizes, coloured notes."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
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


def terminal_width() -> int:
    """Columns to fit tables into: $COLUMNS, else the terminal's, else 80."""
    return shutil.get_terminal_size((80, 24)).columns


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting `m_2` before `m_10`: runs of digits compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", name)
        if part
    )


def metric_items(values: Mapping[str, Any]) -> list[str]:
    """`name=value` for each entry, in natural order of the names."""
    return [
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in sorted(values.items(), key=lambda item: (natural_key(item[0]), item[0]))
    ]


def metrics_text(values: Mapping[str, Any], limit: int = 3) -> str:
    """The first `limit` entries in natural order, then "+N more" for the rest."""
    items = metric_items(values)
    shown = ", ".join(items[:limit])
    hidden = len(items) - limit
    return f"{shown}, +{hidden} more" if hidden > 0 else shown


def fit_metrics(values: Mapping[str, Any], width: int) -> str:
    """As many entries as fit in `width` characters, in natural order, then "+N more"."""
    items = metric_items(values)
    text = ""
    for count in range(len(items), -1, -1):
        shown = ", ".join(items[:count])
        hidden = len(items) - count
        more = f"+{hidden} more" if hidden else ""
        text = f"{shown}, {more}" if shown and more else shown or more
        if len(text) <= width:
            return text
    return text  # not even "+N more" fits: say it anyway


def utc_text(date: datetime | None, *, iso: bool = False) -> str | None:
    """A date in UTC: ISO 8601 with Z (`iso`), else `YYYY-MM-DD HH:MM` for tables."""
    if date is None:
        return None
    if date.tzinfo is not None:
        date = date.astimezone(timezone.utc)
    return date.strftime("%Y-%m-%dT%H:%M:%SZ" if iso else "%Y-%m-%d %H:%M")


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
