"""`git hf log` as a table: as many metrics as the terminal holds, natural order, UTC dates."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from hfgit.commands.output import fit_metrics, natural_key, utc_text

TWELVE = {f"m_{i}": i / 100 for i in range(12, 0, -1)}  # recorded out of order on purpose


def test_natural_order_puts_m_2_before_m_10():
    names = ["m_10", "m_2", "M_1", "loss", "m_1b", "acc@10", "acc@2"]

    assert sorted(names, key=natural_key) == [
        "acc@2",
        "acc@10",
        "loss",
        "M_1",
        "m_1b",
        "m_2",
        "m_10",
    ]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (200, "a_1=1, a_2=2, a_10=10"),
        (21, "a_1=1, a_2=2, a_10=10"),
        (20, "a_1=1, +2 more"),  # "a_1=1, a_2=2, +1 more" is 21
        (14, "a_1=1, +2 more"),
        (13, "+3 more"),
        (3, "+3 more"),  # not even that fits: it is still said
    ],
)
def test_fit_metrics_shows_what_fits_and_counts_the_rest(width, expected):
    assert fit_metrics({"a_10": 10, "a_2": 2, "a_1": 1}, width) == expected


def test_fit_metrics_of_nothing_is_empty():
    assert fit_metrics({}, 40) == ""


def test_utc_text_converts_an_offset_date_to_utc():
    date = datetime(2024, 1, 2, 1, 30, tzinfo=timezone(timedelta(hours=2)))

    assert utc_text(date) == "2024-01-01 23:30"
    assert utc_text(date, iso=True) == "2024-01-01T23:30:00Z"


def _published_with_twelve_metrics(workspace) -> None:
    workspace.record(metrics=TWELVE)
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0


def _metrics_cell(line: str) -> str:
    # VERSION HUB GIT DATE TIME METRICS... STATE
    return " ".join(line.split()[5:-1])


def test_log_fits_metrics_to_the_terminal_and_counts_the_rest(workspace, monkeypatch):
    _published_with_twelve_metrics(workspace)
    monkeypatch.setenv("COLUMNS", "90")

    lines = workspace.run("log").out.splitlines()

    assert all(len(line) <= 90 for line in lines), lines
    cell = _metrics_cell(lines[1])
    shown = re.findall(r"(m_\d+)=", cell)
    more = re.search(r"\+(\d+) more$", cell)
    assert more and shown, cell
    assert shown == [f"m_{i}" for i in range(1, len(shown) + 1)]  # natural order
    assert len(shown) + int(more.group(1)) == 12


def test_log_shows_every_metric_on_a_wide_terminal(workspace, monkeypatch):
    _published_with_twelve_metrics(workspace)
    monkeypatch.setenv("COLUMNS", "300")

    line = workspace.run("log").out.splitlines()[1]

    assert re.findall(r"(m_\d+)=", _metrics_cell(line)) == [f"m_{i}" for i in range(1, 13)]
    assert "more" not in line
    assert line.split()[-1] == "published"


def test_log_dates_are_utc_in_the_table_and_the_json(workspace, monkeypatch):
    _published_with_twelve_metrics(workspace)
    monkeypatch.setenv("COLUMNS", "120")

    lines = workspace.run("log").out.splitlines()
    row = workspace.run("log", "--json").json[0]

    assert "DATE (UTC)" in lines[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["date"])
    assert row["date"][:16].replace("T", " ") in lines[1]
    assert row["metrics"] == TWELVE
