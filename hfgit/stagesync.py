"""Publishing stages: making each stage's Hub branch hold what git says it holds.

A branch is moved only from a state this repository knows: a head that names a stage tag git
does not have was moved from another clone and is not overwritten, and a branch whose head
names no version is not a stage (see docs/architecture.md, "Stages"). `git hf push` publishes
every pending stage after the versions (`publish_pending`), so the hook worker does too."""

from __future__ import annotations

from hfgit import stages
from hfgit.catalog import Catalog
from hfgit.effects import Say, silent
from hfgit.errors import AuthError, HfgitError, HubUnreachableError, StaleParentError
from hfgit.hub import Hub, HubRefs
from hfgit.hub import stages as hub_stages
from hfgit.project import Project
from hfgit.stages import Event, Holding

ATTEMPTS = 3  # a stage branch moved meanwhile: read it again, up to this many times


class NotPublishedError(HfgitError):
    """A version the Hub does not have (at its git commit) cannot be a stage there."""


def publish_pending(project: Project, hub: Hub, catalog: Catalog, say: Say = silent) -> list[str]:
    """Mirror every stage whose Hub branch is behind git; returns the stages published. A
    stage that cannot be (its version not on the Hub, moved elsewhere) is said and left, as
    are all when the Hub stops answering: `git hf status` lists them."""
    found = stages.events(project)
    if not found or catalog.refs is None:
        return []
    done = []
    try:
        waiting = stages.pending(project, hub, catalog.refs, found)
    except HfgitError as e:
        say(f"warning: stages not published: {e}")
        return []
    for holding in waiting:
        try:
            publish(project, hub, catalog, holding, found)
        except HfgitError as e:
            say(f"warning: stage {holding.stage} not published: {e}")
            if isinstance(e, (HubUnreachableError, AuthError)):
                break
            continue
        done.append(holding.stage)
        say(f"stage {holding.stage}: {_what(holding)}")
    return done


def publish(
    project: Project, hub: Hub, catalog: Catalog, holding: Holding, found: list[Event]
) -> hub_stages.StageMove | None:
    """Make the Hub's branch hold what `holding` says: what it copied and deleted, or None
    when the Hub already held it."""
    stages.check_stage_name(holding.stage, project)
    known = {e.tag.name for e in found if e.stage == holding.stage}
    refs = catalog.refs
    for attempt in range(1, ATTEMPTS + 1):
        refs = refs if refs is not None else hub.refs()
        if refs is None:
            raise NotPublishedError(f"{project.config.repo_id} is not on the Hub: `git hf push`")
        there = stages.on_hub(project, hub, refs, holding.stage)
        check_movable(holding.stage, there, known)
        try:
            return _apply(project, hub, refs, holding, there)
        except StaleParentError:
            if attempt == ATTEMPTS:
                raise
            refs = None  # moved meanwhile: read again, and look at who moved it
    raise AssertionError("unreachable")


def check_movable(stage: str, there: stages.OnHub, known: set[str]) -> None:
    if there.foreign:
        raise HfgitError(
            f"Hub branch {stage} is not a stage (its head names no version): "
            "pick another stage name, or delete that branch on the Hub"
        )
    if there.stage_tag is not None and there.stage_tag not in known:
        raise HfgitError(
            f"{stage} on the Hub was set by {there.stage_tag} (to {there.version}), "
            "which this repository lacks: `git fetch --tags`, then promote again"
        )


def _apply(
    project: Project, hub: Hub, refs: HubRefs, holding: Holding, there: stages.OnHub
) -> hub_stages.StageMove | None:
    if holding.version is None:
        if there.head is None:
            return None
        hub_stages.delete(hub, holding.stage, there.head)
        return hub_stages.StageMove([], [])
    hub_tag = project.hub_tag(holding.version)
    if there.version == hub_tag:
        return None
    target = refs.tags.get(hub_tag)
    if target is None:
        raise NotPublishedError(
            f"{holding.version} is not on the Hub: `git hf push {holding.version}` first"
        )
    if there.head is None:
        hub_stages.create(hub, holding.stage, target)
        return hub_stages.StageMove([], [])
    planned = hub_stages.plan_move(hub, there.head, target)
    summary = f"Promote {hub_tag} to {holding.stage}"
    description = stages.description(holding, hub_tag)
    hub_stages.move(hub, holding.stage, there.head, target, planned, summary, description)
    return planned


def _what(holding: Holding) -> str:
    return f"now {holding.version}" if holding.version else "demoted (Hub branch deleted)"
