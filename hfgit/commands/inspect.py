"""`git hf log`, `git hf card`, `git hf experiments`: reading versions (status: status.py)."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Any

import click

from hfgit.commands.access import hub_options
from hfgit.commands.models import header, model_option, open_one_version, several
from hfgit.commands.output import (
    emit_json,
    experiments_table,
    fit_metrics,
    say,
    table,
    terminal_width,
    utc_text,
)
from hfgit.commands.revision import one_version, revision_option
from hfgit.errors import HfgitError
from hfgit.plan import TagState
from hfgit.project import Project
from hfgit.stages import version_stages
from hfgit.versioning import latest, parse_tag, require_version


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON on stdout.")
@click.option("-n", "--limit", type=click.IntRange(min=1), help="Show only the N highest versions.")
@click.option(
    "--web",
    is_flag=True,
    help="Open the versions page (metrics across versions) of a `git hf serve` hub in a browser.",
)
@model_option
@hub_options
def log(as_json: bool, limit: int | None, web: bool, model: str | None) -> None:
    """List the versions on the Hub, highest first, mapped back to git commits.

    State: published (the local tag agrees), diverged (the local tag points elsewhere),
    hub-only (no such local tag). With several models, one section per model (or the one
    --model names); `--json` is then a list of {model, repo_id, versions}.

    \b
    Examples:
      git hf log
      git hf log --limit 5 --json
      git hf log --web
      git hf log --model clf
    """
    if web:
        _open_versions_page(Project.open(model=model))
        return
    projects = Project.open_all(model=model)
    if not several(projects):
        _log_one(projects[0], limit, as_json)
        return
    sections = []
    for index, project in enumerate(projects):
        if not as_json:
            click.echo(("\n" if index else "") + header(project))
        sections.append(
            {
                "model": project.model,
                "repo_id": project.config.repo_id,
                "versions": _log_one(project, limit, as_json),
            }
        )
    if as_json:
        emit_json(sections)


def _log_one(project: Project, limit: int | None, as_json: bool) -> list[dict[str, Any]]:
    """One model's versions: printed (as a table, or JSON for a single model), and returned."""
    with project.hub() as hub:
        catalog = project.catalog(hub, limit=limit)
    local = {name: tag.commit for name, tag in project.version_tags().items()}
    held = version_stages(project)
    rows: list[dict[str, Any]] = [
        {
            "version": v.tag,
            **({"hub_tag": v.hub_tag} if project.model is not None else {}),
            "hub_commit": v.hub_commit,
            "git_commit": v.git_commit,
            "date": utc_text(v.date, iso=True),
            "metrics": v.metrics,
            "experiment": v.experiment,
            "state": _state(v.tag, v.git_commit, local),
            "stages": held.get(v.tag, []),
        }
        for v in catalog.versions
    ]
    if as_json:
        if project.model is None:
            emit_json(rows)
        return rows
    if not catalog.exists:
        say(
            f"{project.config.repo_id} is not on the Hub yet (or your token cannot see it): "
            "`git hf push` publishes your version tags"
        )
        return rows
    if not rows:
        first = project.local_tag(f"{project.config.scheme.prefix}0.1.0")
        say(f"no versions on the Hub yet: `git tag {first} && git hf push`")
        return rows
    _print_log(rows, [utc_text(v.date) or "" for v in catalog.versions])
    return rows


def _open_versions_page(project: Project) -> None:
    """Print the versions page's address and open it ($BROWSER picks the browser)."""
    with project.hub() as hub:
        url = f"{hub.repo_url}/versions"
    click.echo(url)
    webbrowser.open(url)


def _print_log(rows: list[dict[str, Any]], dates: list[str]) -> None:
    """The versions as a table as wide as the terminal: metrics take the room the other
    columns leave, in natural order (m_2 before m_10), "+N more" for those that do not fit."""
    staged = any(r["stages"] for r in rows)  # a STAGES column once a version has a stage
    headers = ["VERSION", "HUB", "GIT", "DATE (UTC)", "METRICS", "STATE"] + ["STAGES"] * staged
    fixed = [
        [r["version"], r["hub_commit"][:8], (r["git_commit"] or "?")[:8], date, r["state"]]
        + [",".join(r["stages"])] * staged
        for r, date in zip(rows, dates, strict=True)
    ]
    fixed_headers = [h for h in headers if h != "METRICS"]
    used = sum(max(len(c) for c in column) for column in zip(fixed_headers, *fixed, strict=True))
    room = max(terminal_width() - used - 2 * (len(headers) - 1), len("+99 more"))
    table(
        headers,
        [
            [*f[:4], fit_metrics(r["metrics"], room), *f[4:]]
            for r, f in zip(rows, fixed, strict=True)
        ],
    )


def _state(tag: str, git_commit: str | None, local: dict[str, str]) -> str:
    if tag not in local:
        return TagState.HUB_ONLY.value
    return TagState.PUBLISHED.value if local[tag] == git_commit else TagState.DIVERGED.value


@click.command()
@click.argument("version", required=False)
@revision_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the card to a file.",
)
@model_option
@hub_options
def card(version: str | None, revision: str | None, output: Path | None, model: str | None) -> None:
    """Render the model card a version publishes (default: the latest local version).

    \b
    Examples:
      git hf card
      git hf card v1.2.0 -o /tmp/README.md
      git hf card clf@v1.2.0            # one of several models
    """
    from hfgit.content import build_content

    version = one_version(version, revision)
    if version is not None:
        project, version = open_one_version(version, model)
    else:
        project = Project.open(model=model)
    scheme = project.config.scheme
    if version is None:
        newest = latest(
            v for v in (parse_tag(t, scheme) for t in project.version_tags()) if v is not None
        )
        if newest is None:
            first = project.local_tag(f"{scheme.prefix}0.1.0")
            raise HfgitError(f"no version tag yet: name a version, or `git tag {first}` first")
        version = newest.tag
    require_version(version, scheme)
    tag = project.repo.tag(version)
    with project.hub() as hub:
        catalog = project.catalog(hub)
        text = build_content(project, tag, catalog, hub, force=True, check_gate=False).card
    if output:
        _write(output, text)
        say(f"wrote {output}")
    else:
        click.echo(text, nl=False)


def _write(output: Path, text: str) -> None:
    if not output.parent.is_dir():
        state = "is not a folder" if output.parent.exists() else "does not exist"
        raise HfgitError(f"cannot write {output}: {output.parent} {state}")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise HfgitError(f"cannot write {output}: {e.strerror or e}") from None


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the experiments as JSON on stdout.")
@model_option
@hub_options
def experiments(as_json: bool, model: str | None) -> None:
    """List experiments across all published versions: name, version, git commit, params, metrics.

    \b
    Example:
      git hf experiments --json
    """
    project = Project.open(model=model)
    with project.hub() as hub:
        catalog = project.catalog(hub)
    rows: list[dict[str, Any]] = [
        {
            "experiment": v.experiment,
            "version": v.tag,
            "git_commit": v.git_commit,
            "params": v.params,
            "metrics": v.metrics,
        }
        for v in catalog.versions
    ]
    if as_json:
        emit_json(rows)
        return
    experiments_table(
        (r["experiment"], r["version"], r["git_commit"], r["params"], r["metrics"]) for r in rows
    )
