"""Local version tags vs the Hub's versions -> what to do, in order, with reasons. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from hfgit.errors import VersionTagError
from hfgit.versioning import TagScheme, Version, parse_tag, require_version

MAIN = "main"


class Action(str, Enum):
    """What publishing does with one version (`"action"` in `git hf push --json`)."""

    PUBLISH = "publish"
    REPUBLISH = "republish"  # --force over a Hub tag at another git commit
    SKIP = "skip"  # already on the Hub at the same git commit
    CONFLICT = "conflict"  # on the Hub at another git commit, no --force


@dataclass(frozen=True)
class PublishStep:
    """One version of a publish plan: what to do with it, on which Hub branch, and why."""

    version: Version
    git_commit: str
    action: Action
    branch: str  # the Hub branch the version's commit goes to
    reason: str

    @property
    def tag(self) -> str:
        return self.version.tag


class TagState(str, Enum):
    """A version tag locally vs on the Hub (`git hf status`)."""

    PUBLISHED = "published"
    LOCAL_ONLY = "local-only"
    HUB_ONLY = "hub-only"
    DIVERGED = "diverged"
    UNKNOWN = "unknown"  # the Hub could not be asked


def plan_push(
    local: Mapping[str, str],
    hub: Mapping[str, str | None],
    scheme: TagScheme,
    requested: Iterable[str] | None = None,
    force: bool = False,
    main_holds: str | None = None,
) -> list[PublishStep]:
    """The steps for publishing local tags (tag -> git commit) against Hub tags (tag -> git commit).

    Oldest first. With no `requested` tags: every local version tag not on the Hub at its
    git commit (not there yet, or diverged: a conflict unless `force`). A version goes to
    `main` when it is the highest so far, else to its own line's branch. `main_holds` is the
    version the head of the Hub's `main` says it holds: a version whose tag another publisher
    has not created yet still counts."""
    if requested is None:
        wanted = [v for v in _versions(local, scheme) if hub.get(v.tag, "") != local[v.tag]]
    else:
        wanted = []
        for tag in dict.fromkeys(requested):
            if tag not in local:
                raise VersionTagError(f"no local tag {tag!r}: create it with `git tag {tag}` first")
            wanted.append(require_version(tag, scheme))
        wanted.sort()
    highest = max(_versions([*hub, *([main_holds] if main_holds else [])], scheme), default=None)
    steps = []
    for version in wanted:
        commit = local[version.tag]
        on_hub = version.tag in hub
        if on_hub and hub[version.tag] == commit:
            action, reason = Action.SKIP, "already on the Hub at this git commit"
        elif on_hub and not force:
            action, reason = (
                Action.CONFLICT,
                _conflict_reason(version.tag, hub[version.tag], commit),
            )
        elif on_hub:
            action, reason = Action.REPUBLISH, "moves the Hub tag to a new commit (--force)"
        else:
            action, reason = Action.PUBLISH, "not on the Hub yet"
        branch = MAIN if highest is None or version >= highest else version.line
        if action in (Action.PUBLISH, Action.REPUBLISH) and branch == MAIN:
            highest = version
        steps.append(PublishStep(version, commit, action, branch, reason))
    return steps


def published_on(
    version: Version, hub_commit: str | None, branches: Mapping[str, str]
) -> str | None:
    """The Hub branch a version already there is on, as far as the branches' heads tell: the
    one whose head is its commit (main first), else main when its line has no branch (a
    version published beside a higher one gets its line's branch). None: that takes reading
    the history (it may be on several)."""
    if hub_commit is None:
        return None
    for name in (MAIN, version.line):
        if branches.get(name) == hub_commit:
            return name
    return MAIN if MAIN in branches and version.line not in branches else None


def branch_base(version: Version, hub_tags: Iterable[str]) -> str | None:
    """Where a new line branch for `version` starts: the highest Hub version below it (that
    line's previous version, else the nearest lower one), never a higher one. None: the Hub
    holds no lower version."""
    lower = [v for v in _versions(hub_tags, version.scheme) if v < version]
    return lower[-1].tag if lower else None


def compare(
    local: Mapping[str, str], hub: Mapping[str, str | None], scheme: TagScheme
) -> dict[str, TagState]:
    """Each version tag's state, local tags vs Hub tags (tag -> git commit)."""
    states: dict[str, TagState] = {}
    for tag in set(local) | set(hub):
        if parse_tag(tag, scheme) is None:
            continue
        if tag not in hub:
            states[tag] = TagState.LOCAL_ONLY
        elif tag not in local:
            states[tag] = TagState.HUB_ONLY
        else:
            states[tag] = TagState.PUBLISHED if hub[tag] == local[tag] else TagState.DIVERGED
    return states


def _versions(tags: Iterable[str], scheme: TagScheme) -> list[Version]:
    return sorted(v for v in (parse_tag(t, scheme) for t in tags) if v is not None)


def _conflict_reason(tag: str, hub_commit: str | None, local_commit: str) -> str:
    where = f"git commit {hub_commit[:8]}" if hub_commit else "a commit hfgit did not publish"
    return (
        f"tag {tag} diverged: locally at git commit {local_commit[:8]}, on the Hub at {where}; "
        "use --force to move it (consumers pinned to that tag will see new content)"
    )
