"""Stages: which version each stage of a model holds, read from its stage tags in git, and what
the Hub's stage branches hold.

Git is the record (`stagetags.py`): the last tag of `LABEL#STAGE` says what the stage holds,
an assignment its version, an unassignment (`!`) of that version nothing. The Hub mirrors it
with a branch per stage (`hub/stages.py`) whose head commit names the version in trailers;
a stage whose branch does not say what git says is pending, and `stagesync.py` moves it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hfgit import stagetags, trailers
from hfgit.catalog import CommitCache
from hfgit.effects import Say, silent
from hfgit.errors import HfgitError, HubUnreachableError, UsageError
from hfgit.gitrepo import Tag
from hfgit.hub import Hub, HubRefs
from hfgit.hub import stages as hub_stages
from hfgit.plan import MAIN
from hfgit.project import Project
from hfgit.stagetags import StageTag
from hfgit.versioning import latest, parse_tag

STAGE_KEY = trailers.STAGE
STAGE_VERSION_KEY = trailers.STAGE_VERSION
STAGE_TAG_KEY = trailers.STAGE_TAG
_STAGE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_VERSION_LIKE = re.compile(r"v?[0-9]")


class UnknownStageError(HfgitError):
    """A stage that holds nothing, or was never used."""


@dataclass(frozen=True)
class Event:
    """One stage tag of a model, with the version (local tag) it is about."""

    tag: StageTag
    version: str | None

    @property
    def stage(self) -> str:
        return self.tag.stage


@dataclass(frozen=True)
class Holding:
    """What git says a stage holds: `version` (a local tag), or None once demoted."""

    stage: str
    version: str | None
    event: Event


@dataclass(frozen=True)
class OnHub:
    """What a stage's Hub branch holds: a version (Hub tag) and the stage tag that put it there."""

    head: str | None  # None: no such branch
    version: str | None
    stage_tag: str | None
    foreign: bool = False  # a branch that is neither a stage nor a version's commit


def check_stage_name(stage: str, project: Project) -> None:
    """A stage is lowercase letters, digits, `-` and `_`; never a version, `main` or a line."""
    scheme = project.config.scheme
    if stage == MAIN:
        raise UsageError("a stage cannot be named main: the Hub's main holds the highest version")
    if parse_tag(stage, scheme.on_hub) is not None or _VERSION_LIKE.match(stage):
        raise UsageError(
            f"{stage!r} looks like a version, not a stage: name stages like production or staging"
        )
    if not _STAGE_NAME.fullmatch(stage):
        raise UsageError(
            f"bad stage name {stage!r}: use lowercase letters, digits, - and _ "
            "(at most 64, starting with a letter or digit), e.g. production"
        )


def is_stage_name(stage: str, project: Project) -> bool:
    try:
        check_stage_name(stage, project)
    except UsageError:
        return False
    return True


def events(project: Project, tags: Iterable[StageTag] | None = None) -> list[Event]:
    """The model's stage tags, oldest first, each with the version it is about."""
    label = project.model_label
    own = [t for t in (stagetags.read(project.repo.root) if tags is None else tags)]
    own = [t for t in own if t.label == label]
    if not own:
        return []
    versions = project.version_tags()
    return [Event(t, _version_of(project, t, versions)) for t in own]


def holdings(found: list[Event]) -> dict[str, Holding]:
    """Per stage, what it holds after its last tag (GTO's rule: an unassignment takes the
    stage away from the version it names only)."""
    out: dict[str, Holding] = {}
    for event in found:
        before = out.get(event.stage)
        if event.tag.assigns and event.version is not None:  # else: which version is unknown
            out[event.stage] = Holding(event.stage, event.version, event)
        elif before is not None and before.version in (event.version, None):
            out[event.stage] = Holding(event.stage, None, event)
    return out


def stages_of(found: list[Event]) -> dict[str, list[str]]:
    """Version (local tag) -> the stages holding it, for `git hf log`."""
    out: dict[str, list[str]] = {}
    for holding in holdings(found).values():
        if holding.version is not None:
            out.setdefault(holding.version, []).append(holding.stage)
    return {version: sorted(stages) for version, stages in out.items()}


def next_number(found: list[Event]) -> int:
    """The N of the model's next stage tag: one more than any of its stage tags (GTO counts
    across the model's stages, so N grows per LABEL#STAGE and orders them all)."""
    return 1 + max((e.tag.number or 0 for e in found), default=0)


def on_hub(project: Project, hub: Hub, refs: HubRefs, stage: str) -> OnHub:
    """What the Hub's branch `stage` holds (its head commit read once, then cached)."""
    head = refs.branches.get(stage)
    if head is None:
        return OnHub(None, None, None)
    cache = CommitCache.for_repo(project.state_dir, hub)
    commit = cache.get(head)
    if commit is None:
        commit = hub_stages.head_commit(hub, head)
        if commit is not None:
            cache.put({head: commit})
            cache.save()
    fields = _fields(commit.message if commit else "")
    if STAGE_VERSION_KEY in fields:
        return OnHub(head, fields[STAGE_VERSION_KEY], fields.get(STAGE_TAG_KEY))
    scheme = project.config.scheme.on_hub
    tagged = [v for t, at in refs.tags.items() if at == head and (v := parse_tag(t, scheme))]
    if tagged:  # made at the version's commit
        return OnHub(head, max(tagged).tag, None)
    return OnHub(head, None, None, foreign=True)


def pending(project: Project, hub: Hub, refs: HubRefs | None, found: list[Event]) -> list[Holding]:
    """The stages whose Hub branch does not hold what git says."""
    out = []
    for holding in holdings(found).values():
        if not is_stage_name(holding.stage, project):
            continue  # a name another tool allowed (`main`...): never mirrored on the Hub
        there = on_hub(project, hub, refs, holding.stage) if refs else OnHub(None, None, None)
        if holding.version is None:
            if there.head is not None and not there.foreign:
                out.append(holding)
        elif there.version != project.hub_tag(holding.version):
            out.append(holding)
    return out


def description(holding: Holding, hub_tag: str) -> str:
    """The Hub commit's description: the promotion's note, then its trailers."""
    note = holding.event.tag.note
    lines = [
        f"{STAGE_KEY}: {holding.stage}",
        f"{STAGE_VERSION_KEY}: {hub_tag}",
        f"{STAGE_TAG_KEY}: {holding.event.tag.name}",
    ]
    return f"{note}\n\n" + "\n".join(lines) if note else "\n".join(lines)


def _version_of(project: Project, tag: StageTag, versions: dict[str, Tag]) -> str | None:
    """The local version tag a stage tag is about: the one its message names, else (GTO)
    the highest version of the model on the tagged commit; None when neither is a version
    of this repository."""
    named = tag.named_version
    if named is not None:
        for candidate in (named, project.local_tag(named)):
            if candidate in versions:
                return candidate
    scheme = project.config.scheme
    on_commit = [
        v
        for name, t in versions.items()
        if t.commit == tag.commit and (v := parse_tag(name, scheme)) is not None
    ]
    found = latest(on_commit)
    return found.tag if found is not None else None


def _fields(message: str) -> dict[str, str]:
    keys = (STAGE_KEY, STAGE_VERSION_KEY, STAGE_TAG_KEY)
    out = {}
    for line in message.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in keys:
            out[key.strip()] = value.strip()
    return out


def overview(project: Project, history: bool = False, say: Say = silent) -> list[dict[str, Any]]:
    """`git hf stages`: each stage and what it holds (with whether the Hub agrees), or with
    `history` every promotion and demotion, oldest first."""
    found = events(project)
    if history:  # by date; tags of one second keep their order by number
        return [_event_row(project, e) for e in sorted(found, key=lambda e: e.tag.date)]
    held = holdings(found)
    waiting: set[str] | None = None
    if held:
        try:
            with project.hub() as hub:
                waiting = {h.stage for h in pending(project, hub, hub.refs(), found)}
        except HubUnreachableError as e:
            say(f"warning: {e}; the Hub's side of the stages is unknown")
    rows = []
    for stage in sorted(held):
        holding = held[stage]
        if holding.version is None and (waiting is None or stage not in waiting):
            continue  # demoted, and the Hub agrees (or cannot say)
        row = _event_row(project, holding.event)
        row["version"] = holding.version
        row["hub"] = _hub_state(project, stage, waiting)
        rows.append(row)
    return rows


def _hub_state(project: Project, stage: str, waiting: set[str] | None) -> str:
    if not is_stage_name(stage, project):
        return "ignored"  # a name hfgit refuses for a stage (another tool made it)
    if waiting is None:
        return "unknown"
    return "pending" if stage in waiting else "published"


def _event_row(project: Project, event: Event) -> dict[str, Any]:
    tag = event.tag
    return {
        "model": project.model_label,
        "stage": event.stage,
        "action": "promote" if tag.assigns else "demote",
        "version": event.version,
        "date": tag.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "by": tag.tagger or None,
        "tag": tag.name,
        "message": tag.note or None,
    }


def pending_rows(project: Project, hub: Hub, refs: HubRefs | None) -> list[dict[str, Any]]:
    """`git hf status`: the stage moves `git hf push` has still to make on the Hub."""
    found = events(project)
    if not found:
        return []
    return [
        {
            "model": project.model_label,
            "stage": h.stage,
            "version": h.version,
            "action": "promote" if h.version else "demote",
        }
        for h in pending(project, hub, refs, found)
    ]


def version_stages(project: Project) -> dict[str, list[str]]:
    """`git hf log`: version (local tag) -> the stages git says hold it."""
    return stages_of(events(project))
