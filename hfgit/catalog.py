"""The versions on the Hub, read from refs + commit listings (trailers), never one request per version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hfgit.constants import TRAILER_EXPERIMENT, TRAILER_GIT_COMMIT, TRAILER_PARAMS
from hfgit.hub import Hub, HubCommit, HubRefs
from hfgit.plan import MAIN, parse_trailers, trailer_json, trailer_metrics
from hfgit.versioning import TagScheme, Version, parse_tag


@dataclass(frozen=True)
class HubVersion:
    version: Version
    hub_commit: str
    git_commit: str | None  # None when the commit carries no hfgit trailer
    date: datetime | None
    metrics: dict[str, float]
    experiment: str | None
    title: str
    params: dict[str, object]

    @property
    def tag(self) -> str:
        return self.version.tag


@dataclass(frozen=True)
class Catalog:
    refs: HubRefs | None  # None: the repository does not exist yet
    versions: list[HubVersion]  # highest first

    @property
    def exists(self) -> bool:
        return self.refs is not None

    def git_commits(self) -> dict[str, str | None]:
        return {v.tag: v.git_commit for v in self.versions}

    def get(self, tag: str) -> HubVersion | None:
        return next((v for v in self.versions if v.tag == tag), None)


def read_catalog(hub: Hub, scheme: TagScheme, limit: int | None = None) -> Catalog:
    """Hub version tags with their git commits and metrics.

    Costs one refs request plus the commit listing pages of `main` and of the line branches,
    stopping as soon as every wanted tag's commit has been seen."""
    refs = hub.refs()
    if refs is None:
        return Catalog(None, [])
    tagged = sorted(
        ((v, refs.tags[v.tag]) for v in (parse_tag(t, scheme) for t in refs.tags) if v is not None),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if limit is not None:
        tagged = tagged[:limit]
    commits = _find_commits(hub, refs, {commit for _, commit in tagged})
    versions = []
    for version, hub_commit in tagged:
        commit = commits.get(hub_commit)
        fields = parse_trailers(commit.message) if commit else {}
        versions.append(
            HubVersion(
                version,
                hub_commit,
                fields.get(TRAILER_GIT_COMMIT),
                commit.date if commit else None,
                trailer_metrics(fields),
                fields.get(TRAILER_EXPERIMENT),
                commit.title if commit else "",
                trailer_json(fields, TRAILER_PARAMS),
            )
        )
    return Catalog(refs, versions)


def _find_commits(hub: Hub, refs: HubRefs, wanted: set[str]) -> dict[str, HubCommit]:
    found: dict[str, HubCommit] = {}
    branches = sorted(refs.branches, key=lambda b: (b != MAIN, b))
    for branch in branches:
        if wanted <= found.keys():
            break
        for commit in hub.commits(branch):
            if commit.id in found:
                break  # the rest of this history was already walked from another branch
            found[commit.id] = commit
            if wanted <= found.keys():
                break
    return found
