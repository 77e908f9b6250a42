"""Local version tags vs the Hub's versions -> what to do, in order, with reasons. Pure."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from hfgit.constants import (
    TRAILER_EXPERIMENT,
    TRAILER_GIT_COMMIT,
    TRAILER_METRICS,
    TRAILER_PARAMS,
    TRAILER_VERSION,
)
from hfgit.errors import VersionTagError
from hfgit.versioning import TagScheme, Version, parse_tag, require_version

MAIN = "main"
MAX_PARAMS = 12  # key params carried in the commit trailer (all of them are in the metadata file)


class Step(str, Enum):
    PUBLISH = "publish"
    REPUBLISH = "republish"  # --force over a Hub tag at another git commit
    SKIP = "skip"  # already on the Hub at the same git commit
    CONFLICT = "conflict"  # on the Hub at another git commit, no --force


@dataclass(frozen=True)
class Action:
    version: Version
    git_commit: str
    step: Step
    branch: str  # the Hub branch the version's commit goes to
    reason: str

    @property
    def tag(self) -> str:
        return self.version.tag


class Sync(str, Enum):
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
) -> list[Action]:
    """Actions for publishing local tags (tag -> git commit) against Hub tags (tag -> git commit).

    Oldest first. With no `requested` tags: every local version tag not yet on the Hub. A
    version goes to `main` when it is the highest so far, else to its own line's branch."""
    if requested is None:
        wanted = [v for v in _versions(local, scheme) if v.tag not in hub]
    else:
        wanted = []
        for tag in dict.fromkeys(requested):
            if tag not in local:
                raise VersionTagError(f"no local tag {tag!r}: create it with `git tag {tag}` first")
            wanted.append(require_version(tag, scheme))
        wanted.sort()
    highest = max(_versions(hub, scheme), default=None)
    actions = []
    for version in wanted:
        commit = local[version.tag]
        on_hub = version.tag in hub
        if on_hub and hub[version.tag] == commit:
            step, reason = Step.SKIP, "already on the Hub at this git commit"
        elif on_hub and not force:
            step, reason = Step.CONFLICT, _conflict_reason(version.tag, hub[version.tag], commit)
        elif on_hub:
            step, reason = Step.REPUBLISH, "moves the Hub tag to a new commit (--force)"
        else:
            step, reason = Step.PUBLISH, "not on the Hub yet"
        branch = MAIN if highest is None or version >= highest else version.line
        if step in (Step.PUBLISH, Step.REPUBLISH) and branch == MAIN:
            highest = version
        actions.append(Action(version, commit, step, branch, reason))
    return actions


def compare(
    local: Mapping[str, str], hub: Mapping[str, str | None], scheme: TagScheme
) -> dict[str, Sync]:
    """Each version tag's state, local tags vs Hub tags (tag -> git commit)."""
    states: dict[str, Sync] = {}
    for tag in set(local) | set(hub):
        if parse_tag(tag, scheme) is None:
            continue
        if tag not in hub:
            states[tag] = Sync.LOCAL_ONLY
        elif tag not in local:
            states[tag] = Sync.HUB_ONLY
        else:
            states[tag] = Sync.PUBLISHED if hub[tag] == local[tag] else Sync.DIVERGED
    return states


def trailers(
    version: str,
    git_commit: str,
    metrics: Mapping[str, float],
    experiment: str | None,
    params: Mapping[str, object] | None = None,
) -> str:
    """The machine-readable lines of a version's Hub commit description."""
    lines = [f"{TRAILER_VERSION}: {version}", f"{TRAILER_GIT_COMMIT}: {git_commit}"]
    if metrics:
        lines.append(f"{TRAILER_METRICS}: {_compact(metrics)}")
    key_params = {k: v for k, v in (params or {}).items() if isinstance(v, (str, int, float, bool))}
    if key_params:
        lines.append(f"{TRAILER_PARAMS}: {_compact(dict(list(key_params.items())[:MAX_PARAMS]))}")
    if experiment:
        lines.append(f"{TRAILER_EXPERIMENT}: {' '.join(experiment.split())}")
    return "\n".join(lines)


def parse_trailers(message: str) -> dict[str, str]:
    """`Key: value` trailer lines of a commit message (later lines win)."""
    known = (
        TRAILER_VERSION,
        TRAILER_GIT_COMMIT,
        TRAILER_METRICS,
        TRAILER_EXPERIMENT,
        TRAILER_PARAMS,
    )
    out = {}
    for line in message.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in known:
            out[key.strip()] = value.strip()
    return out


def trailer_metrics(fields: Mapping[str, str]) -> dict[str, float]:
    data = trailer_json(fields, TRAILER_METRICS)
    return {
        k: float(v)
        for k, v in data.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def trailer_json(fields: Mapping[str, str], key: str) -> dict[str, object]:
    try:
        data = json.loads(fields.get(key, "{}"))
    except ValueError:
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _compact(data: Mapping[str, object]) -> str:
    return json.dumps(dict(data), sort_keys=True, separators=(",", ":"))


def _versions(tags: Iterable[str], scheme: TagScheme) -> list[Version]:
    return sorted(v for v in (parse_tag(t, scheme) for t in tags) if v is not None)


def _conflict_reason(tag: str, hub_commit: str | None, local_commit: str) -> str:
    where = f"git commit {hub_commit[:8]}" if hub_commit else "a commit hfgit did not publish"
    return (
        f"tag {tag} exists on the Hub at {where}, locally at {local_commit[:8]}; "
        "use --force to move it (consumers pinned to that tag will see new content)"
    )
