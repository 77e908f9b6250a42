"""The versions on the Hub, read from refs + commit listings (trailers), never one request per version.

Hub commits are content-addressed and never change, so what was read of them is kept in a
small cache: in the steady state `git hf log` costs the refs request plus, at most, the first
page of new commits, however many versions there are."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hfgit import fsio, trailers
from hfgit.hub import Hub, HubCommit, HubRefs
from hfgit.plan import MAIN
from hfgit.versioning import TagScheme, Version, parse_tag

PAGE = 50  # commits in one page of the Hub's commit listing
# Commit listings read at once when many commits are unknown: several hide the round trips to
# a Hub across a network. A hub on this machine (a loopback address, `git hf serve`) has no
# round trip to hide, and more threads would only share the same processors with it.
LISTINGS = 4
LISTINGS_LOCAL = 1


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
        """The local tag (`clf@v1.2.0` for one of several models)."""
        return self.version.tag

    @property
    def hub_tag(self) -> str:
        """The tag on the Hub (`v1.2.0`)."""
        return self.version.hub_tag


@dataclass(frozen=True)
class Catalog:
    refs: HubRefs | None  # None: the repository does not exist yet
    versions: list[HubVersion]  # highest first; named by their local tags, as git_commits()
    main_holds: str | None = None  # the version main's head commit carries, tagged or not yet

    @property
    def exists(self) -> bool:
        return self.refs is not None

    def git_commits(self) -> dict[str, str | None]:
        return {v.tag: v.git_commit for v in self.versions}

    def get(self, tag: str) -> HubVersion | None:
        return next((v for v in self.versions if v.tag == tag), None)


class CommitCache:
    """Hub commits already read, per repository, in a JSON file (best effort: never fails a command)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._commits: dict[str, HubCommit] = {}
        self._dirty = False
        if path is not None and path.is_file():
            try:
                for sha, (title, message, date) in json.loads(path.read_text()).items():
                    self._commits[sha] = HubCommit(
                        sha, title, message, datetime.fromisoformat(date)
                    )
            except (OSError, ValueError, TypeError):
                self._commits = {}

    @classmethod
    def for_repo(cls, state_dir: Path, hub: Hub) -> CommitCache:
        key = re.sub(r"[^\w.-]+", "_", f"{hub.display_endpoint}_{hub.repo_type}_{hub.repo_id}")
        return cls(state_dir / "hub-commits" / f"{key}.json")

    def get(self, sha: str) -> HubCommit | None:
        return self._commits.get(sha)

    def put(self, commits: dict[str, HubCommit]) -> None:
        fresh = {sha: c for sha, c in commits.items() if sha not in self._commits}
        self._commits.update(fresh)
        self._dirty = self._dirty or bool(fresh)

    def save(self) -> None:
        if not self._dirty or self._path is None:
            return
        data = {sha: [c.title, c.message, c.date.isoformat()] for sha, c in self._commits.items()}
        if fsio.try_write_atomic(self._path, json.dumps(data)):
            self._dirty = False


def read_catalog(
    hub: Hub, scheme: TagScheme, limit: int | None = None, cache: CommitCache | None = None
) -> Catalog:
    """Hub version tags with their git commits and metrics, named by their local tags under
    `scheme` (the Hub's `v1.2.0` is `clf@v1.2.0` for model clf).

    Costs one refs request plus the pages of commit listings that start at the tagged commits
    not read before (several at once when there are many), stopping as soon as every wanted
    tag's commit has been seen."""
    refs = hub.refs()
    if refs is None:
        return Catalog(None, [])
    local = scheme.local_tag
    tagged = sorted(
        (
            (v, refs.tags[v.hub_tag])
            for v in (parse_tag(local(t), scheme) for t in refs.tags)
            if v is not None
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if limit is not None:
        tagged = tagged[:limit]
    cache = cache or CommitCache(None)
    known = {
        sha: c for sha in {commit for _, commit in tagged} if (c := cache.get(sha)) is not None
    }
    unknown = [commit for _, commit in tagged if commit not in known]
    main = refs.branches.get(MAIN)
    if unknown and main is not None and main not in known and cache.get(main) is None:
        unknown.insert(0, main)  # read first: what main holds comes with the versions' commits
    commits = {**known, **_find_commits(hub, unknown, _at_once(hub))}
    head = _main_head(hub, refs, commits, cache)
    if head is not None:
        commits[head.id] = head
    cache.put(commits)
    cache.save()
    versions = []
    for version, hub_commit in tagged:
        commit = commits.get(hub_commit)
        said = trailers.parse(commit.message) if commit else trailers.Trailers()
        versions.append(
            HubVersion(
                version,
                hub_commit,
                said.git_commit,
                commit.date if commit else None,
                said.metrics,
                said.experiment,
                commit.title if commit else "",
                said.params,
            )
        )
    said = trailers.parse(head.message) if head else trailers.Trailers()
    holds = local(said.version) if said.version else None
    holds = holds if holds and parse_tag(holds, scheme) else None
    return Catalog(refs, versions, holds)


def _main_head(
    hub: Hub, refs: HubRefs, read: dict[str, HubCommit], cache: CommitCache
) -> HubCommit | None:
    """The commit at the head of `main`: a publisher that committed a version there but has not
    tagged it yet still holds main with it (one request when it was not read before)."""
    sha = refs.branches.get(MAIN)
    if sha is None:
        return None
    known = read.get(sha) or cache.get(sha)
    return known or next(hub.commits(sha), None)


def _at_once(hub: Hub) -> int:
    host = urllib.parse.urlsplit(hub.endpoint).hostname or ""
    local = host in ("localhost", "::1") or host.startswith("127.")
    return LISTINGS_LOCAL if local else LISTINGS


def _find_commits(hub: Hub, wanted: list[str], at_once: int) -> dict[str, HubCommit]:
    """The commits `wanted` (highest version first), read from commit listings that start at
    wanted commits themselves: one per PAGE of them, up to `at_once` at once, each going down
    until it reaches a commit another one read (every listing below reads on from there).
    Whatever a round leaves unread (a line branch's versions) starts the next round's listings,
    so every wanted commit is read whatever the shape of the history."""
    found: dict[str, HubCommit] = {}
    missing = list(dict.fromkeys(wanted))
    while missing:
        count = max(1, min(at_once, -(-len(missing) // PAGE)))
        starts = list(dict.fromkeys(missing[i * len(missing) // count] for i in range(count)))
        _Listings(hub, found, set(missing)).read(starts)
        left = [sha for sha in missing if sha not in found]
        if len(left) == len(missing):
            break  # nothing read (an empty listing): what is missing stays unknown
        missing = left
    return found


class _Listings:
    """Commit listings read at once, each on its own thread and connection, into `found`."""

    def __init__(self, hub: Hub, found: dict[str, HubCommit], wanted: set[str]) -> None:
        self.hub, self.found, self.wanted = hub, found, wanted
        self.left = len(wanted - found.keys())
        self.lock = threading.Lock()
        self.failure: BaseException | None = None

    def read(self, starts: list[str]) -> None:
        if len(starts) == 1:
            self._walk(starts[0])
            return
        threads = [
            threading.Thread(target=self._guarded, args=(start,), daemon=True) for start in starts
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.failure is not None:
            raise self.failure

    def _guarded(self, start: str) -> None:
        try:
            self._walk(start)
        except BaseException as e:  # raised again by read(), in the calling thread
            with self.lock:
                self.failure = self.failure or e

    def _walk(self, start: str) -> None:
        for commit in self.hub.commits(start):
            with self.lock:
                if commit.id in self.found or self.failure is not None:
                    return  # read by another listing, which goes on below it
                self.found[commit.id] = commit
                self.left -= commit.id in self.wanted
                if not self.left:
                    return  # every wanted commit is read
