"""`git hf promote` and `demote`: a stage tag in git first, then the Hub's branch.

The git tag is made whatever the Hub says: a promotion made offline is recorded, and the next
`git hf push` mirrors it (`stagesync.py`). What can be checked first is: the version is on
the Hub at its git commit, and the stage's branch is one this repository may move."""

from __future__ import annotations

from dataclasses import dataclass, field

from hfgit import stages, stagetags
from hfgit.catalog import Catalog
from hfgit.effects import Say, silent
from hfgit.errors import AuthError, HfgitError, HubUnreachableError
from hfgit.hub import Hub
from hfgit.hub import stages as hub_stages
from hfgit.project import Project
from hfgit.stages import Event, UnknownStageError
from hfgit.stagesync import NotPublishedError, check_movable, publish


@dataclass
class StageResult:
    """What promote or demote did: the tag made, and what the Hub's branch did."""

    model: str
    stage: str
    version: str | None  # local tag; None for a demotion
    tag: str | None  # the stage tag made (None: nothing to record, or a dry run)
    hub: str = "pending"  # published | pending | unchanged | dry-run
    copied: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    url: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def promote(
    project: Project,
    hub_tag: str,
    stage: str,
    message: str = "",
    dry_run: bool = False,
    say: Say = silent,
) -> StageResult:
    """Record `stage` -> the version in git, and move the Hub's branch when the Hub answers."""
    stages.check_stage_name(stage, project)
    local = project.local_tag(hub_tag)
    tag = project.version_tags().get(local)
    if tag is None:
        raise HfgitError(f"no version {local} in this repository: `git hf log` lists the versions")
    found = stages.events(project)
    result = StageResult(project.model_label, stage, local, None)
    with project.hub() as hub:
        catalog = _reachable_catalog(project, hub, say)
        if catalog is not None:
            _check_on_hub(project, catalog, hub_tag, tag.commit)
            _check_not_a_tag(catalog, stage)
            _check_branch(project, hub, catalog, stage, found)
        held = stages.holdings(found).get(stage)
        number = stages.next_number(found)
        if held is not None and held.version == local:
            result.note = f"{stage} already holds {local}"
        elif dry_run:
            result.tag = stagetags.tag_name(project.model_label, stage, True, number)
        else:
            made = stagetags.create(
                project.repo.root,
                stagetags.tag_name(project.model_label, stage, True, number),
                tag.commit,
                _message(f"Promote {local} to {stage}", message, local),
            )
            result.tag, found = made.name, [*found, Event(made, local)]
        return _mirror(project, hub, catalog, found, result, dry_run, say)


def demote(project: Project, stage: str, message: str = "", say: Say = silent) -> StageResult:
    """Take the stage away from the version it holds (`LABEL#STAGE!#N`) and delete its branch."""
    stages.check_stage_name(stage, project)
    found = stages.events(project)
    held = stages.holdings(found).get(stage)
    if held is None or held.version is None:
        used = sorted(h.stage for h in stages.holdings(found).values() if h.version)
        raise UnknownStageError(
            f"stage {stage!r} of {project.model_label} holds no version"
            + (f" (stages in use: {', '.join(used)})" if used else " (no stage is in use)")
        )
    version = held.version
    with project.hub() as hub:
        catalog = _reachable_catalog(project, hub, say)
        if catalog is not None:
            _check_branch(project, hub, catalog, stage, found)
        made = stagetags.create(
            project.repo.root,
            stagetags.tag_name(project.model_label, stage, False, stages.next_number(found)),
            held.event.tag.commit,
            _message(f"Demote {version} from {stage}", message, version),
        )
        result = StageResult(project.model_label, stage, version, made.name)
        return _mirror(project, hub, catalog, [*found, Event(made, version)], result, False, say)


def _mirror(
    project: Project,
    hub: Hub,
    catalog: Catalog | None,
    found: list[Event],
    result: StageResult,
    dry_run: bool,
    say: Say,
) -> StageResult:
    """The Hub side of promote/demote: done now when the Hub answered, else left pending."""
    result.url = hub.revision_url(result.stage)
    if dry_run:
        result.hub = "dry-run"
        if catalog is not None:
            _plan_only(project, hub, catalog, result)
        return result
    if catalog is None:  # said once: the warning, then the result names what is pending
        return result
    holding = stages.holdings(found)[result.stage]
    try:
        moved = publish(project, hub, catalog, holding, found)
    except (HubUnreachableError, AuthError) as e:  # may pass: the tag stays, push retries
        say(f"warning: {e}")
        return result
    except HfgitError:  # the Hub's branch refused it: the tag just made goes too
        if result.tag is not None:
            stagetags.delete(project.repo.root, result.tag)
        raise
    result.hub = "unchanged" if moved is None else "published"
    if moved is not None:
        result.copied, result.deleted = moved.copies, moved.deletes
    return result


def _plan_only(project: Project, hub: Hub, catalog: Catalog, result: StageResult) -> None:
    refs = catalog.refs
    if refs is None or result.version is None:
        return
    hub_tag = project.hub_tag(result.version)
    there = stages.on_hub(project, hub, refs, result.stage)
    target = refs.tags.get(hub_tag)
    if there.head is not None and target is not None and there.version != hub_tag:
        planned = hub_stages.plan_move(hub, there.head, target)
        result.copied, result.deleted = planned.copies, planned.deletes


def _reachable_catalog(project: Project, hub: Hub, say: Say) -> Catalog | None:
    try:
        return project.catalog(hub)
    except HubUnreachableError as e:
        say(f"warning: {e}")
        return None


def _message(title: str, note: str, version: str) -> str:
    body = f"{note.strip()}\n\n" if note.strip() else ""
    return f"{title}\n\n{body}{stagetags.VERSION_KEY}: {version}\n"


def _check_on_hub(project: Project, catalog: Catalog, hub_tag: str, commit: str) -> None:
    local = project.local_tag(hub_tag)
    version = catalog.get(local)  # the catalog names versions by their local tags
    if version is None:
        raise NotPublishedError(
            f"{local} is not on the Hub yet: `git hf push {local}` first, then promote it"
        )
    if version.git_commit is not None and version.git_commit != commit:
        raise NotPublishedError(
            f"{hub_tag} on the Hub is from git {version.git_commit[:8]}, not {local}'s commit "
            f"{commit[:8]}: `git hf push --force {local}` first"
        )


def _check_branch(
    project: Project, hub: Hub, catalog: Catalog, stage: str, found: list[Event]
) -> None:
    """Before a tag is made: the Hub's branch is one this repository may move."""
    if catalog.refs is not None:
        there = stages.on_hub(project, hub, catalog.refs, stage)
        check_movable(stage, there, {e.tag.name for e in found if e.stage == stage})


def _check_not_a_tag(catalog: Catalog, stage: str) -> None:
    if catalog.refs is not None and stage in catalog.refs.tags:
        raise HfgitError(
            f"the Hub repo has a tag named {stage}: a stage branch of that name would be "
            "ambiguous; pick another stage name"
        )
