"""`git hf promote`, `git hf demote`, `git hf stages`: which version each stage holds."""

from __future__ import annotations

from typing import Any

import click

from hfgit.commands.access import hub_options
from hfgit.commands.models import model_option
from hfgit.commands.output import emit_json, say, style, table, warn
from hfgit.promote import StageResult


@click.command()
@click.argument("version")
@click.argument("stage")
@click.option("-m", "--message", default="", help="Why: kept in the stage tag and the Hub commit.")
@click.option("--dry-run", is_flag=True, help="Say what would be tagged and moved; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON on stdout.")
@model_option
@hub_options
def promote(
    version: str, stage: str, message: str, dry_run: bool, as_json: bool, model: str | None
) -> None:
    """Put VERSION in STAGE: a stage tag in git (LABEL#STAGE#N, GTO's format) and a Hub branch
    STAGE whose files are exactly the version's, so `revision="STAGE"` downloads it.

    Promoting another version moves the stage: one new commit on its branch, so the stage
    always resolves. Offline, the tag is made and `git hf push` publishes the stage later.

    \b
    Examples:
      git hf promote v1.2.0 staging
      git hf promote clf@v1.2.0 production -m "beats v1.1.0 on the holdout set"
      git hf promote v1.3.0 production --dry-run
    """
    from hfgit import promote as service
    from hfgit.commands.models import gto_hint, open_one_version
    from hfgit.errors import HfgitError

    project, local = open_one_version(version, model)
    if project.model is None and local not in project.version_tags():
        hint = gto_hint(project)  # `clf@v1.2.0` without models: is GTO's spelling, not ours
        if hint is not None and local in project.repo.tags():
            raise HfgitError(hint)
    notes = warn if not as_json else say
    result = service.promote(project, project.hub_tag(local), stage, message, dry_run, notes)
    _report(result, as_json, "promoted")


@click.command()
@click.argument("stage")
@model_option
@click.option("-m", "--message", default="", help="Why: kept in the stage tag.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON on stdout.")
@hub_options
def demote(stage: str, model: str | None, message: str, as_json: bool) -> None:
    """Take STAGE away from the version it holds: a tag LABEL#STAGE!#N in git, and the Hub
    branch STAGE deleted (a download of `revision="STAGE"` then fails instead of serving a
    version that left the stage).

    \b
    Examples:
      git hf demote staging
      git hf demote production --model clf -m "rolled back"
    """
    from hfgit import promote as service
    from hfgit.project import Project

    result = service.demote(Project.open(model=model), stage, message, warn)
    _report(result, as_json, "demoted")


@click.command()
@click.option("--history", is_flag=True, help="Every promotion and demotion, oldest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the stages as JSON on stdout.")
@model_option
@hub_options
def stages(history: bool, as_json: bool, model: str | None) -> None:
    """List each stage, the version it holds, who put it there and when, and whether the
    Hub's branch agrees (published) or is still to be moved by `git hf push` (pending).

    \b
    Examples:
      git hf stages
      git hf stages --history --model clf
      git hf stages --json
    """
    from hfgit import stages as service
    from hfgit.project import Project

    rows: list[dict[str, Any]] = []
    for project in Project.open_all(model=model):
        rows += service.overview(project, history, warn)
    if as_json:
        emit_json(rows)
    elif not rows:
        say("no stages yet: `git hf promote VERSION STAGE` puts a version in one")
    elif history:
        table(
            ["DATE (UTC)", "MODEL", "STAGE", "ACTION", "VERSION", "BY", "MESSAGE"],
            [
                [
                    r["date"],
                    r["model"],
                    r["stage"],
                    r["action"],
                    r["version"],
                    r["by"],
                    r["message"],
                ]
                for r in rows
            ],
        )
    else:
        table(
            ["MODEL", "STAGE", "VERSION", "SINCE (UTC)", "BY", "HUB"],
            [
                [r["model"], r["stage"], r["version"] or "(demoted)", r["date"], r["by"], r["hub"]]
                for r in rows
            ],
        )


def _report(result: StageResult, as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(result.to_json())
        return
    if result.hub == "dry-run":
        _plan(result)
        return
    moved = f" ({len(result.copied)} files copied, {len(result.deleted)} deleted)"
    hub = {
        "published": "the Hub's branch moved" + (moved if result.copied or result.deleted else ""),
        "unchanged": "the Hub already agrees",
        "pending": "the Hub is pending: `git hf push` publishes it",
    }[result.hub]
    if result.tag is None:
        say(f"{result.note}; {hub}")
    else:
        what = f"{result.stage} -> {result.version}" if verb == "promoted" else result.stage
        say(style(f"{verb} {what}", fg="green") + f" (git tag {result.tag}); {hub}")
    if result.url and result.hub != "pending" and verb == "promoted":
        click.echo(result.url)


def _plan(result: StageResult) -> None:
    if result.tag:
        click.echo(f"tag:   {result.tag} (git) for {result.version}")
    for path in result.copied:
        click.echo(f"  copy    {path}")
    for path in result.deleted:
        click.echo(f"  delete  {path}")
    if result.hub == "dry-run":
        click.echo(f"hub:   branch {result.stage} of the model's Hub repo to hold {result.version}")
