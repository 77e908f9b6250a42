"""Versions and commits of a repository, read from its refs and commit trailers.

A version is a tag whose commit says `Hfgit-Version`; its metrics and params come from the
same commit's trailers. Tag names are sorted without reading anything, then only the page
shown is read: one commit per version, whatever the number of versions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import pygit2

from hfgit import trailers
from hfgit.server.hubrepo import HubRepo
from hfgit.server.trees import hub_date, title_of

VERSIONS_PAGE = 100  # versions read per page of /versions
_SEMVER = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


@dataclass(frozen=True)
class Entry:
    """One commit as the pages show it."""

    oid: str
    title: str
    date: str
    author: str
    version: str | None = None
    git_commit: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)


def entry(commit: pygit2.Commit) -> Entry:
    said = trailers.parse(commit.message)
    return Entry(
        oid=str(commit.id),
        title=title_of(commit.message) or "(no message)",
        date=when(commit),
        author=commit.author.name,
        version=said.version,
        git_commit=said.git_commit,
        # a chart has no place for infinity or NaN, whoever wrote them into a commit
        metrics={k: v for k, v in said.metrics.items() if math.isfinite(v)},
        params=said.params,
    )


def when(commit: pygit2.Commit) -> str:
    """The commit's date as the pages show it: `YYYY-MM-DD HH:MM`, UTC."""
    return hub_date(commit.commit_time)[:16].replace("T", " ")


def version_key(name: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]] | None:
    """Semver precedence of a tag name (`v1.2.0`, `1.2.0-rc.1`), None if it is no version."""
    match = _SEMVER.fullmatch(name)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in (pre or "").split(".") if p)
    return int(major), int(minor), int(patch), 0 if pre else 1, parts


def ref_names(repo: HubRepo) -> list[str]:
    """Every ref's full name (`refs/tags/v1.0.0`): one listing, no object read."""
    return list(repo.git.references)


def version_tags(repo: HubRepo, refs: Iterable[str] | None = None) -> list[str]:
    """Tag names that read as versions, oldest first (names only: nothing else is read);
    `refs` is the repository's ref names when they were listed already."""
    listed = repo.git.references if refs is None else refs
    names = [r.removeprefix("refs/tags/") for r in listed if r.startswith("refs/tags/")]
    keyed = [(key, name) for name in names if (key := version_key(name)) is not None]
    return [name for _, name in sorted(keyed)]


def versions(repo: HubRepo, tags: list[str]) -> list[Entry]:
    """The versions those tags hold (one commit read each), in the order given."""
    found = []
    for tag in tags:
        commit = repo.resolve(tag)
        if commit is not None:
            item = entry(commit)
            found.append(_named(item, tag))
    return found


def latest_version(repo: HubRepo, tags: list[str] | None = None) -> Entry | None:
    """The highest version (its commit read); `tags` are `version_tags(repo)` if known."""
    found = versions(repo, (version_tags(repo) if tags is None else tags)[-1:])
    return found[0] if found else None


def history(repo: HubRepo, head: pygit2.Commit, skip: int, count: int) -> Iterator[Entry]:
    """`count` commits of the first-parent history of `head`, after the first `skip`."""
    walker = repo.git.walk(head.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)
    walker.simplify_first_parent()
    for index, commit in enumerate(walker):
        if index >= skip + count:
            return
        if index >= skip:
            yield entry(commit)


def _named(item: Entry, tag: str) -> Entry:
    return item if item.version == tag else replace(item, version=tag)
