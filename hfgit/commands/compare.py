"""`git hf diff` and `git hf verify`: comparing versions, and a folder with a version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hfgit.commands.access import hub_options
from hfgit.commands.models import model_option
from hfgit.commands.output import emit_json, say, size

SHORT = 8  # hex digits of a hash shown in tables


@click.command()
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON on stdout.")
@model_option
@hub_options
def diff(first: str, second: str, as_json: bool, model: str | None) -> None:
    """Show how version B differs from version A: files, metrics, params, config.json.

    A and B are versions (`v1.2.0`, `clf@v1.2.0`, a stage or branch of the Hub repository)
    or `local` (also `.`) for the local model folder. Files are compared by size and the
    Hub's hashes (sha256 for LFS files, git blob id for the others); only the versions'
    experiment_metadata.json and config.json are downloaded, never weights. A metric is
    better or worse by the gate's `lower_is_better` list (default: higher is better).

    \b
    Examples:
      git hf diff v1.1.0 v1.2.0
      git hf diff v1.2.0 local          # what the next version would change
      git hf diff clf@v1.0.0 clf@v1.1.0 --json
    """
    from hfgit.compare import diff as compute

    found = compute(first, second, model, say)
    if as_json:
        emit_json(diff_json(found))
    else:
        _print_diff(found)


@click.command()
@click.argument("version")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    help="The folder to check (default: the version's snapshot in the Hugging Face cache).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@model_option
@hub_options
def verify(version: str, directory: Path | None, as_json: bool, model: str | None) -> None:
    """Check a local folder byte for byte against a version on the Hub.

    Every file is read in full and compared with the Hub's tree: an LFS file by sha256, any
    other by git blob id (`git hash-object`). Exits 1 naming each file that differs, is
    missing, or is not in the version (`.git/` and `.cache/` at the top are skipped).

    \b
    Examples:
      git hf pull v1.2.0 && git hf verify v1.2.0
      git hf verify v1.2.0 --dir /srv/models/tool-caller
    """
    from hfgit.verify import VerifyError
    from hfgit.verify import verify as check

    result = check(version, directory, model)
    if as_json:
        emit_json(verify_json(result))
    elif result.ok:
        click.echo(
            f"{version}: OK, {result.files} files ({size(result.size)}) match the Hub "
            f"byte for byte in {result.directory}"
        )
    else:
        for problem in result.problems:
            click.echo(f"{problem.status:<8} {problem.path}{_why(problem)}")
    if not result.ok:
        counts = {s: sum(p.status == s for p in result.problems) for s in _STATUSES}
        shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        raise VerifyError(f"{result.directory} does not hold {version} as on the Hub: {shown}")


_STATUSES = ("differs", "missing", "extra")


def diff_json(found: Any) -> dict[str, Any]:
    """The stable shape of `git hf diff --json` (README.md, "Comparing versions")."""

    def state(s: Any) -> dict[str, Any] | None:
        return None if s is None else s.to_json()

    return {
        "repo_id": found.repo_id,
        "model": found.model,
        "a": found.a.to_json(),
        "b": found.b.to_json(),
        "files": [
            {"path": c.path, "status": c.status, "a": state(c.a), "b": state(c.b)}
            for c in found.files
        ],
        "unchanged": found.unchanged,
        "not_compared": found.not_compared,
        "metrics": [
            {
                "name": m.name,
                "a": m.a,
                "b": m.b,
                "delta": m.delta,
                "direction": m.direction,
                "lower_is_better": m.lower_is_better,
            }
            for m in found.metrics
        ],
        "params": [_key(c) for c in found.params],
        "config": [_key(c) for c in found.config],
    }


def verify_json(result: Any) -> dict[str, Any]:
    return {
        "version": result.version,
        "repo_id": result.repo_id,
        "hub_commit": result.hub_commit,
        "dir": str(result.directory),
        "ok": result.ok,
        "files": result.files,
        "problems": [
            {
                "path": p.path,
                "status": p.status,
                "expected": None if p.expected is None else p.expected.to_json(),
                "found": None if p.found is None else p.found.to_json(),
            }
            for p in result.problems
        ],
    }


def _why(problem: Any) -> str:
    """What differs about a file, when it is there on both sides."""
    expected, found = problem.expected, problem.found
    if problem.status != "differs":
        return ""
    if found is None:
        return " (not a readable file)"
    if found.size != expected.size:
        return f" (size {size(found.size)}, the Hub's {size(expected.size)})"
    return " (sha256 differs)" if expected.sha256 else " (git blob id differs)"


def _key(change: Any) -> dict[str, Any]:
    return {"key": change.key, "status": change.status, "a": change.a, "b": change.b}


def _print_diff(found: Any) -> None:
    click.echo(
        f"diff {_name(found.a, found.model)} -> {_name(found.b, found.model)} ({found.repo_id})"
    )
    rows = [[f" {c.path}", f"| {c.status}", _sizes(c), _hashes(c)] for c in found.files]
    if rows:
        _rows(rows)
    counts = {s: sum(c.status == s for c in found.files) for s in ("added", "removed", "changed")}
    if found.files:
        detail = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        click.echo(f" {len(found.files)} files differ ({detail}), {found.unchanged} unchanged")
    else:
        click.echo(f" no file differs ({found.unchanged} unchanged)")
    if found.not_compared:
        click.echo(f" not compared (made at publish): {', '.join(found.not_compared)}")
    _print_metrics(found.metrics)
    _print_keys("params", found.params)
    _print_keys("config.json", found.config)


def _rows(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _print_metrics(metrics: list[Any]) -> None:
    if not metrics:
        return
    lower = [m.name for m in metrics if m.lower_is_better]
    click.echo("")
    click.echo("metrics" + (f" (lower is better: {', '.join(lower)})" if lower else ""))
    _rows(
        [
            [
                f" {m.name}",
                f"{_value(m.a, m.a is None)} -> {_value(m.b, m.b is None)}",
                "" if m.delta is None else f"{m.delta:+.6g}",
                m.direction,
            ]
            for m in metrics
        ]
    )


def _print_keys(title: str, changes: list[Any]) -> None:
    if not changes:
        return
    click.echo("")
    click.echo(title)
    _rows(
        [
            [
                f" {c.key}",
                f"{_value(c.a, c.status == 'added')} -> {_value(c.b, c.status == 'removed')}",
            ]
            for c in changes
        ]
    )


def _name(side: Any, model: str | None) -> str:
    if side.local:
        return f"local ({side.path})"
    return f"{model}@{side.name}" if model else str(side.name)


def _sizes(change: Any) -> str:
    if change.a is None or change.b is None:
        return size((change.a or change.b).size)
    if change.a.size == change.b.size:
        return size(change.a.size)
    return f"{size(change.a.size)} -> {size(change.b.size)}"


def _hashes(change: Any) -> str:
    """The hashes the two sides are compared by, short: sha256 when both have one."""
    if change.a is None or change.b is None:
        return ""
    if change.a.sha256 and change.b.sha256:
        return f"sha256 {change.a.sha256[:SHORT]} -> {change.b.sha256[:SHORT]}"
    if change.a.blob_id and change.b.blob_id:
        return f"blob {change.a.blob_id[:SHORT]} -> {change.b.blob_id[:SHORT]}"
    return "LFS on one side only"


def _value(value: Any, absent: bool = False) -> str:
    if absent:
        return "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)
