"""`git hf status`: local version tags against the Hub's, the hook queue and pending stage
moves, for every model or the one named."""

from __future__ import annotations

from typing import Any

import click

from hfgit.commands.access import hub_options
from hfgit.commands.models import gto_hint, header, model_option, several
from hfgit.commands.output import emit_json, warn
from hfgit.errors import HubUnreachableError
from hfgit.plan import TagState, compare
from hfgit.project import Project
from hfgit.stages import pending_rows
from hfgit.versioning import parse_tag, require_version


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON on stdout.")
@click.option("--check", is_flag=True, help="Exit 1 when anything is out of sync (for CI).")
@model_option
@hub_options
def status(as_json: bool, check: bool, model: str | None) -> int:
    """Compare local version tags with the Hub's, and show queued background pushes.

    With several models, one section per model (or the one --model names); `--json` is then
    a list of the single-model objects, each with its `model`.

    \b
    Examples:
      git hf status
      git hf status --check     # in CI: fail when a version is not published
    """
    projects = Project.open_all(model=model)
    if not several(projects):
        data, code = _status_one(projects[0], check)
        if as_json:
            emit_json(data)
        else:
            _print_status(projects[0], data)
        return code
    sections, code = [], 0
    for index, project in enumerate(projects):
        data, failed = _status_one(project, check)
        code = max(code, failed)
        sections.append({"model": project.model, **data})
        if not as_json:
            click.echo(("\n" if index else "") + header(project))
            _print_status(project, data)
    if as_json:
        emit_json(sections)
    return code


def _status_one(project: Project, check: bool) -> tuple[dict[str, Any], int]:
    """One model's state (the `--json` object) and its exit code."""
    local = {name: tag.commit for name, tag in project.version_tags().items()}
    from hfgit import hooks
    from hfgit.hooks.queue import settle

    try:
        with project.hub() as hub:
            catalog = project.catalog(hub)
            staging = pending_rows(project, hub, catalog.refs)  # promoted while offline
        on_hub = catalog.git_commits()
        states = compare(local, on_hub, project.config.scheme)
        reachable = True
        settle(project.repo.git_dir, local, on_hub)  # queued, but published meanwhile
    except HubUnreachableError as e:
        warn(f"warning: {e}; showing local versions and the queue only")
        states, reachable, staging = dict.fromkeys(local, TagState.UNKNOWN), False, []
    ordered = sorted(states, key=lambda t: require_version(t, project.config.scheme), reverse=True)
    queue = _queue_of(project, dict(hooks.queue_report(project.repo.git_dir)))
    data: dict[str, Any] = {
        "repo_id": project.config.repo_id,
        "hub_reachable": reachable,
        "versions": [{"version": t, "state": states[t].value} for t in ordered],
        "queue": queue,
        "stages_pending": staging,
    }
    out_of_sync = staging or any(states[t] != TagState.PUBLISHED for t in ordered)
    return data, 1 if not reachable or (check and out_of_sync) else 0


def _queue_of(project: Project, queue: dict[str, Any]) -> dict[str, Any]:
    """The hook queue's report, for one model of several: its tags only."""
    if project.model is None:
        return queue
    mine = project.config.scheme

    def ours(tag: object) -> bool:
        return isinstance(tag, str) and parse_tag(tag, mine) is not None

    entries = [e for e in queue.get("entries") or [] if ours(e.get("tag"))]
    about = queue.get("last_error_tags") or []
    tags = [t for t in about if ours(t)]
    return {
        **queue,
        "queued": [t for t in queue.get("queued") or [] if ours(t)],
        "entries": entries,
        "refused": {t: why for t, why in (queue.get("refused") or {}).items() if ours(t)},
        "last_error_tags": tags,
        **({} if tags or not about else {"last_error": None, "last_error_at": None}),
    }


def _print_status(project: Project, data: dict[str, Any]) -> None:
    states = {v["version"]: TagState(v["state"]) for v in data["versions"]}
    ordered, queue = list(states), data["queue"]
    if not ordered:
        hint = gto_hint(project)
        click.echo(f"no version tags yet ({project.config.scheme.describe()})")
        if hint:
            warn(hint)
    for tag in ordered:
        click.echo(f"{states[tag].value:<11} {tag}")
    for move in data["stages_pending"]:
        what = f"to {move['version']}" if move["version"] else "demoted"
        click.echo(f"stage {move['stage']} {what}: pending, `git hf push` publishes it")
    if queue.get("queued"):
        click.echo(f"queued for background publish: {', '.join(queue['queued'])}")
    for entry in queue.get("entries") or []:
        if entry["state"] != "pending":
            said = "refused" if entry["state"] == "failed" else "waiting to retry"
            click.echo(f"  {entry['tag']} {said}: {entry['error']}")
    refused = {t: why for t, why in (queue.get("refused") or {}).items() if t in states}
    for tag, why in refused.items():
        if tag not in queue.get("queued", []) and states[tag] != TagState.PUBLISHED:
            click.echo(f"refused {tag}: {why}")
    failing = {e["tag"] for e in queue.get("entries") or [] if e["state"] != "pending"}
    if failing:
        click.echo("  `git hf queue retry` tries again; `git hf queue drop TAG` gives up on one")
    about = set(queue.get("last_error_tags") or [])
    if queue.get("last_error") and not (about and about <= failing):  # else told just above
        click.echo(
            f"last hook error ({queue.get('last_error_at') or 'time unknown'}): {queue['last_error']}"
        )
        if queue.get("log"):
            click.echo(f"  log: {queue['log']}")
