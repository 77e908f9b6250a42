"""Stages as the pages show them: Hub branches whose head commit says which version they hold.

`git hf promote v1.2.0 production` moves the branch `production`. Every move but the first is
a commit whose trailers name the stage and the version (`Hfgit-Stage`, `Hfgit-Stage-Version`,
see `trailers.py`); the first promotion makes the branch at the version's own commit. So a
branch is a stage when its head commit's trailers name that branch and a version this
repository has, or when its head is a version's commit (the commit says `Hfgit-Version` and
that tag is at it) and its name is one `git hf promote` allows. Anything else is no stage: a
trailer naming another branch or a version the repository lacks, `main`, a line branch.

Branch names are listed without reading anything; then one commit is read per branch (two
for a branch made at a version's commit: the tag is resolved to check it), for at most
MAX_BRANCHES branches, so a repository with thousands of branches costs what 100 do. The
front page, which shows the stages of every repository, reads fewer per repository.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from hfgit import trailers
from hfgit.server.hubrepo import HubRepo
from hfgit.server.pages import history
from hfgit.server.storage import DEFAULT_BRANCH

MAX_BRANCHES = 100  # branches looked at per page, in name order: one commit read each
_KEYS = (trailers.STAGE, trailers.STAGE_VERSION)
_STAGE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # the names `git hf promote` takes
_NEVER_STAGES = re.compile(r"v?[0-9].*")  # versions and line branches (`v1.2.x`)


@dataclass(frozen=True)
class Stage:
    """A stage and the version it holds now."""

    name: str
    version: str
    moved: str | None  # when the last promotion moved it; None: made at the version's commit


@dataclass(frozen=True)
class Stages:
    """A repository's stages by name, and which stages hold each version."""

    found: list[Stage]
    skipped: int  # branches past the limit, not looked at

    def of(self, version: str | None) -> list[str]:
        return [s.name for s in self.found if s.version == version]


def stages(
    repo: HubRepo,
    versions: Collection[str],
    limit: int | None = None,
    refs: Iterable[str] | None = None,
) -> Stages:
    """The stages of `repo` holding one of `versions` (its version tags' names), among its
    first `limit` branches by name (MAX_BRANCHES by default); `refs` is the repository's ref
    names when they were listed already."""
    limit = MAX_BRANCHES if limit is None else limit
    names = sorted(_branches(repo.git.references if refs is None else refs))
    known = set(versions)
    found = []
    for name in names[:limit]:
        stage = _stage(repo, name, known)
        if stage is not None:
            found.append(stage)
    return Stages(found, max(len(names) - limit, 0))


def _branches(refs: Iterable[str]) -> list[str]:
    """Branch names that may be stages: not main, no version or line branch (names only)."""
    heads = (r[len("refs/heads/") :] for r in refs if r.startswith("refs/heads/"))
    return [n for n in heads if n != DEFAULT_BRANCH and not _NEVER_STAGES.fullmatch(n)]


def _stage(repo: HubRepo, branch: str, versions: Collection[str]) -> Stage | None:
    head = repo.resolve(f"refs/heads/{branch}")
    if head is None:  # deleted meanwhile, or not a commit
        return None
    said = _fields(head.message)
    if trailers.STAGE_VERSION in said:
        held = said[trailers.STAGE_VERSION]
        if said.get(trailers.STAGE) != branch or held not in versions:
            return None
        return Stage(branch, held, history.when(head))
    version = trailers.parse(head.message).version
    if not _STAGE_NAME.fullmatch(branch) or version is None or version not in versions:
        return None
    tagged = repo.resolve(f"refs/tags/{version}")
    if tagged is None or tagged.id != head.id:
        return None
    return Stage(branch, version, None)


def _fields(message: str) -> dict[str, str]:
    """The stage trailers of a commit message; later lines win."""
    out = {}
    for line in message.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in _KEYS:
            out[key.strip()] = value.strip()
    return out
