"""`git hf bump`: the next version tag on HEAD."""

from __future__ import annotations

import click

from hfgit.commands.access import hub_options
from hfgit.commands.models import model_option
from hfgit.commands.output import say, warn
from hfgit.commands.publish import _print_summary
from hfgit.errors import UsageError, VersionTagError
from hfgit.project import Project
from hfgit.versioning import (
    BUMP_KINDS,
    Version,
    auto_bump,
    latest,
    next_version,
    parse_tag,
    version_tags,
)


@click.command()
@click.argument("kind", type=click.Choice([*BUMP_KINDS, "auto"]))
@click.option(
    "--pre",
    "pre_token",
    metavar="TOKEN",
    help="Make it a pre-release, e.g. --pre rc gives v2.0.0-rc.1.",
)
@click.option("-m", "--message", help="Tag message (default: 'Release <tag>').")
@click.option("--dry-run", is_flag=True, help="Print the next tag and create nothing.")
@click.option("--push", "then_push", is_flag=True, help="Publish the new version right away.")
@model_option
@hub_options
def bump(
    kind: str,
    pre_token: str | None,
    message: str | None,
    dry_run: bool,
    then_push: bool,
    model: str | None,
) -> None:
    """Create the next version tag (annotated) on HEAD.

    auto reads the conventional commits since the last version: feat -> minor,
    fix/perf -> patch, `!` or BREAKING CHANGE -> major. With several models, --model names
    the one to bump (its tags are NAME@vX.Y.Z), and auto counts only the commits that touch
    its files (model_dir, configs, results, params) or carry its scope, as in feat(NAME): ...

    \b
    Examples:
      git hf bump minor                 v1.2.0 -> v1.3.0
      git hf bump major --pre rc        v1.3.0 -> v2.0.0-rc.1
      git hf bump auto --push
      git hf bump minor --model clf     clf@v1.2.0 -> clf@v1.3.0
    """
    project = Project.open(model=model)
    scheme = project.config.scheme
    head = project.repo.head_commit()
    if head is None:
        raise VersionTagError("nothing to tag: the repository has no commit yet")
    tags = project.repo.tags()
    versions = version_tags(tags, scheme)
    if project.repo.is_shallow and not versions:
        raise VersionTagError(
            "shallow clone: the previous versions' tags are missing; "
            "run `git fetch --unshallow --tags`, then bump again"
        )
    current = latest(versions)
    if kind == "auto":
        since = tags[current.tag].commit if current else None
        implied = auto_bump(project.release_messages(head, since))
        if implied is None:
            mine = f" of model {project.model}" if project.model is not None else ""
            raise UsageError(
                f"no commit{mine} since {current.tag if current else 'the start'} implies a "
                "release (feat:, fix:, perf:, or a breaking change); pick major, minor or patch"
            )
        kind = implied
    new_tag = next_version(current, kind, scheme, pre_token)
    if parse_tag(new_tag, scheme) is None:
        raise VersionTagError(f"{new_tag} does not match the configured tag format")
    _refuse_a_second_version(head, [v for v in versions if tags[v.tag].commit == head], new_tag)
    _warn_uncommitted(project, new_tag)
    if dry_run:
        click.echo(new_tag)
        return
    project.repo.create_tag(new_tag, head, message or f"Release {new_tag}")
    say(f"tagged {head[:8]} as {new_tag}")
    click.echo(new_tag)
    if then_push:
        from hfgit import sync

        _print_summary(sync.push(project, [new_tag], say=say))
        return
    from hfgit import hooks

    queued = hooks.queue_report(project.repo.git_dir)["queued"]
    if isinstance(queued, list) and new_tag in queued:
        say(
            f"the hfgit hook is publishing {new_tag} in the background "
            "(`git hf status` shows it; `git hf push` waits for it)"
        )


def _refuse_a_second_version(head: str, here: list[Version], new_tag: str) -> None:
    """One commit, one version; promoting a pre-release to its release is the exception."""
    if not here:
        return
    new = parse_tag(new_tag, here[0].scheme)
    release = new.semver if new is not None and not new.is_prerelease else None
    if release is not None and all(
        v.semver is not None and v.is_prerelease and v.semver.finalize_version() == release
        for v in here
    ):
        return
    raise VersionTagError(
        f"HEAD ({head[:8]}) is already version {here[-1].tag}: commit the next change first, "
        f"or publish that version with `git hf push {here[-1].tag}`"
    )


def _warn_uncommitted(project: Project, new_tag: str) -> None:
    changed = project.repo.changed_files(ignore=(project.config.model_dir,))
    if changed:
        warn(
            f"warning: {len(changed)} tracked files have uncommitted changes (e.g. {changed[0]}): "
            f"{new_tag} tags the last commit, without them"
        )
