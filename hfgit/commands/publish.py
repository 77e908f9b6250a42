"""`git hf push`, `git hf pull`: moving versions between git and the Hub."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hfgit import prehash
from hfgit.commands.access import hub_options
from hfgit.commands.models import (
    gto_hint,
    header,
    model_option,
    open_one_version,
    open_tags,
    several,
)
from hfgit.commands.output import emit_json, say, size, style, warn
from hfgit.commands.revision import one_version, revision_option
from hfgit.effects import Cancel, Say, silent
from hfgit.errors import HfgitError, UsageError
from hfgit.outcome import Outcome, Progress
from hfgit.versioning import MODEL_SEP

if TYPE_CHECKING:
    from hfgit.project import Project


@click.command()
@click.argument("tags", nargs=-1, metavar="[TAG]...")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (files, sizes, commit message, tag) and change nothing.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Move a Hub tag that points at another git commit; publish a folder recorded at another commit.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the outcome per version as JSON on stdout."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or notes; errors only.")
@model_option
@hub_options
def push(
    tags: tuple[str, ...],
    dry_run: bool,
    force: bool,
    as_json: bool,
    quiet: bool,
    model: str | None,
) -> None:
    """Publish version tags to the Hub, one Hub commit + Hub tag per version.

    With no TAG, every local version tag not yet on the Hub is published, oldest first.
    With several models (models: in .hfgit.yaml), each publishes its `NAME@vX.Y.Z` tags as
    `vX.Y.Z` in its own Hub repository: all of them, or the one --model names.
    A version already on the Hub at the same git commit is skipped without uploading.
    A version that cannot be published (provenance, gate, changed files, a conflict) is
    reported and skipped; the others go on, and the command exits 1 (`--json` gives each
    version's `error`).

    \b
    Examples:
      git tag v1.2.0 && git hf push
      git hf push v1.2.0 --dry-run
      git hf push --json
      git hf push clf@v1.3.0            # one of several models

    Ctrl-C stops it at once, even mid-upload: the versions published so far stay, the one in
    flight gets no Hub tag.
    """
    if not dry_run:  # started before anything slow: see prehash.py
        prehash.start(Path.cwd(), _models_named(tags, model))
    from hfgit import hub, sync
    from hfgit.commands import interrupt
    from hfgit.project import Project

    work: list[tuple[Project, list[str] | None]] = (
        [(p, named) for p, named in open_tags(list(tags), model)]
        if tags
        else [(p, None) for p in Project.open_all(model=model)]
    )
    hub.show_progress_bars(not (quiet or as_json))
    notes = silent if quiet else say
    progress = Progress()
    sections = several([p for p, _ in work])
    done: list[tuple[Project, list[Outcome]]] = []

    def publish_all(cancel: Cancel) -> list[tuple[Project, list[Outcome]]]:
        for project, named in work:
            if sections and not (quiet or as_json):
                say(header(project))
            outcomes = sync.publish(
                project,
                named,
                force=force,
                dry_run=dry_run,
                say=notes,
                cancel=cancel,
                progress=progress,
            )
            done.append((project, outcomes))
            if not as_json:
                _print_outcomes(project, outcomes, dry_run, quiet, notes)
        return done

    def interrupted(running: bool) -> None:
        _print_interrupted(progress, running)
        later = [p.model for p, _ in work[len(done) + 1 :]]  # after the one interrupted
        if sections and later:
            warn(f"not started: model{'s' if len(later) > 1 else ''} {', '.join(map(str, later))}")

    try:
        interrupt.run(publish_all, interrupted)
    except HfgitError as e:  # the models published before it are still reported
        if as_json and sections and len(done) < len(work):
            failed = work[len(done)][0]
            emit_json([*_sections_json(done), _section_json(failed, [], str(e))])
        raise
    if as_json and sections:
        emit_json(_sections_json(done))
    elif as_json:
        emit_json([o.to_json() for _, outcomes in done for o in outcomes])
    sync.raise_failures([o for _, outcomes in done for o in outcomes])  # exit 1 when one failed


def _models_named(tags: tuple[str, ...], model: str | None) -> set[str] | None:
    """The models a push is about, as far as its arguments say: None for all of them."""
    if model is not None:
        return {model}
    if tags and all(MODEL_SEP in tag for tag in tags):
        return {tag.partition(MODEL_SEP)[0] for tag in tags}
    return None


def _sections_json(done: list[tuple[Project, list[Outcome]]]) -> list[dict[str, object]]:
    return [_section_json(project, outcomes) for project, outcomes in done]


def _section_json(
    project: Project, outcomes: list[Outcome], error: str | None = None
) -> dict[str, object]:
    """One model's part of `push --json` with several models; `error`: why it stopped."""
    section: dict[str, object] = {
        "model": project.model,
        "repo_id": project.config.repo_id,
        "versions": [o.to_json() for o in outcomes],
    }
    if error is not None:
        section["error"] = error
    return section


def _print_outcomes(
    project: Project, outcomes: list[Outcome], dry_run: bool, quiet: bool, notes: Say
) -> None:
    if not outcomes:
        notes(_nothing_to_publish(project))
    elif dry_run:
        _print_plan(outcomes)
    elif not quiet:
        _print_summary(outcomes)


def _nothing_to_publish(project: Project) -> str:
    """Why a push with no tag had nothing to do, as verified: no version tags, or all on the Hub."""
    count = len(project.version_tags())
    if count:
        return f"nothing to publish: every version tag ({count}) is on the Hub at its git commit"
    others = sorted(project.repo.tags())
    seen = (
        f"; not versions: {', '.join(others[:3])}{', ...' if len(others) > 3 else ''}"
        if others
        else ""
    )
    hint = gto_hint(project) or (
        f"`git hf bump patch{f' --model {project.model}' if project.model else ''}` makes one"
    )
    return f"nothing to publish: no version tags yet ({project.config.scheme.describe()}{seen}): {hint}"


def _print_plan(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.failed:
            click.echo(f"{o.tag}  not publishable: {o.error}")
            continue
        where = f" -> {o.branch}" if o.branch else ""  # a skip on a branch the refs don't tell
        click.echo(f"{o.tag}  {o.action}{where}  ({o.reason})")
        if o.action == "skip":
            continue
        for change in o.changes:
            click.echo(f"  {change.status:<9} {size(change.size):>10}  {change.path}")
        click.echo(f"  commit:   {o.summary}")
        verb = "move" if o.action == "republish" else "create"
        click.echo(f"  tag:      {verb} Hub tag {o.tag} on that commit")
        # at most: over Xet only the chunks the Hub lacks are sent, known once they are
        click.echo(
            f"  upload:   at most {size(o.bytes_sent)} in {o.files_sent} files, {_not_sent(o)}"
        )


def _not_sent(o: Outcome) -> str:
    """What is not sent: unchanged files, and new content the Hub already stores."""
    stored = f", {size(o.bytes_stored)} already stored on the Hub" if o.bytes_stored else ""
    return f"{size(o.bytes_skipped)} unchanged{stored}"


def _print_interrupted(progress: Progress, running: bool) -> None:
    """After Ctrl-C: what is on the Hub now, and what is not."""
    published = [o.tag for o in progress.done if o.action != "skip" and not o.dry_run]
    left = [t for t in progress.planned if t not in {o.tag for o in progress.done}]
    notes = {
        "uploading": "stopped mid-upload: no Hub tag",
        "tagging": "stopped while its Hub tag was being made: `git hf status` shows it",
    }
    shown = [
        f"{t} ({notes[progress.stage]})"
        if t == progress.current and running and progress.stage in notes
        else t
        for t in left
    ]
    if published:
        warn(f"published: {', '.join(published)}")
    if shown:
        warn(f"not published: {', '.join(shown)}; `git hf push` publishes them")


def _print_summary(outcomes: list[Outcome]) -> None:
    from hfgit.sync import PUBLISHED_MEANWHILE

    for o in outcomes:
        if o.failed:  # a push of one version says why in its error line alone
            if len(outcomes) > 1:
                warn(f"{o.tag}: not published: {o.error}")
            continue
        if o.action == "skip" and o.reason == PUBLISHED_MEANWHILE:
            say(f"{o.tag}: {o.reason} (git {o.git_commit[:8]})")
            click.echo(o.url)
            continue
        if o.action == "skip":
            say(f"{o.tag}: already on the Hub at git {o.git_commit[:8]}, nothing sent")
            continue
        say(
            style(f"published {o.tag}", fg="green")
            + f" -> {o.branch}: {o.files_sent} files, {size(o.bytes_sent)} sent, "
            f"{_not_sent(o)}, {o.seconds:.1f} s"
        )
        click.echo(o.url)


@click.command()
@click.argument("version", required=False)
@revision_option
@click.option(
    "--local-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Download into this folder instead of the cache (as `hf download --local-dir`).",
)
@click.option(
    "--dir", "old_dir", type=click.Path(file_okay=False, path_type=Path), hidden=True
)  # the name before --local-dir
@click.option("--json", "as_json", is_flag=True, help="Print the path and provenance as JSON.")
@model_option
@hub_options
def pull(
    version: str | None,
    revision: str | None,
    local_dir: Path | None,
    old_dir: Path | None,
    as_json: bool,
    model: str | None,
) -> None:
    """Download a version from the Hub and check its provenance against the local tag.

    \b
    Examples:
      git hf pull v1.2.0
      git hf pull v1.2.0 --local-dir /tmp/model-v1.2.0
    """
    from hfgit import hub
    from hfgit.download import pull as download

    version = one_version(version, revision)
    if version is None:
        raise UsageError("name the version to download: git hf pull VERSION")
    if local_dir and old_dir and local_dir != old_dir:
        raise UsageError("--dir is the old name of --local-dir: give one of them")
    project, tag = open_one_version(version, model)
    hub.show_progress_bars(not as_json)
    pulled = download(project, project.hub_tag(tag), local_dir or old_dir)
    for warning in pulled.warnings:
        warn(f"warning: {warning}")
    if as_json:
        emit_json(
            {
                "version": version,
                "path": str(pulled.path),
                "git_commit": pulled.git_commit,
                "verified": pulled.verified,
            }
        )
        return
    if pulled.verified:
        say(f"{version}: provenance verified (git {(pulled.git_commit or '')[:8]})")
    click.echo(str(pulled.path))
