"""Download a published version and check its provenance against the local tag."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit.constants import CARD_FILE, METADATA_FILE
from hfgit.errors import (
    HfgitError,
    HubError,
    HubUnreachableError,
    ModelFolderError,
    NotCachedError,
    ProvenanceError,
    VersionTagError,
)
from hfgit.hub import Hub
from hfgit.manifest import MANIFEST_KEY, Manifest
from hfgit.metadata import read_recorded
from hfgit.project import Project

SHOWN_MISSING = 3


@dataclass(frozen=True)
class Pulled:
    version: str
    path: Path
    git_commit: str | None  # as recorded in the version's experiment_metadata.json
    verified: bool  # the local tag exists and points at that commit
    warnings: list[str] = field(default_factory=list)


def pull(
    project: Project, version: str, directory: Path | None, cache_dir: Path | None = None
) -> Pulled:
    """Download `version` (its Hub tag, `v1.2.0` for the local `clf@v1.2.0`; resumable,
    through the Hub cache); a provenance mismatch is an error."""
    local = project.repo.tags().get(project.local_tag(version))
    if directory is not None and directory.exists() and not directory.is_dir():
        raise HfgitError(f"cannot download into {directory}: it is not a folder")
    offline = _offline()
    with project.hub() as hub:
        if not offline:
            _require_revision(hub, version)
        try:
            path = hub.download(version, directory, cache_dir=cache_dir)
        except HubUnreachableError as e:
            if not offline:
                raise
            partial = isinstance(e, NotCachedError) and e.partial
            state = "only partly in the cache" if partial else "not in the local cache"
            raise HfgitError(
                f"HF_HUB_OFFLINE is set and {version} is {state}: pull it once with network access"
            ) from e
    try:
        recorded = read_recorded(path)
    except ModelFolderError:  # unreadable metadata: reported below as missing provenance
        recorded = None
    complete = _check_complete(version, path, recorded, offline)
    hub_commit = str(recorded["git_commit"]) if recorded and recorded.get("git_commit") else None
    named = project.local_tag(version)
    if local is None and recorded is not None:  # a stage, main, a commit: the version it holds
        named = _held_tag(project, recorded) or named
        local = project.repo.tags().get(named)
    what = version if named == project.local_tag(version) else f"{version} ({named})"
    if local is not None and hub_commit and hub_commit != local.commit:
        raise ProvenanceError(
            f"{what} on the Hub was published from git {hub_commit[:8]}, "
            f"but the local tag points at {local.commit[:8]}"
        )
    warnings = []
    if local is None:
        warnings.append(f"no local tag {named}: provenance not checked (git fetch --tags?)")
    elif not hub_commit:
        warnings.append(f"{version} on the Hub has no {METADATA_FILE}: provenance not checked")
    if offline and not complete:
        warnings.append(
            f"offline: {version} is the cached copy, not checked to be complete (the version "
            "lists no files to check it against)"
        )
    return Pulled(version, path, hub_commit, bool(local and hub_commit), warnings)


def _held_tag(project: Project, recorded: dict[str, Any]) -> str | None:
    """The local tag of the version a downloaded revision holds, as its metadata names it
    (`git_tag`, else its Hub tag `version`); None when it names none."""
    if recorded.get("git_tag"):
        return str(recorded["git_tag"])
    return project.local_tag(str(recorded["version"])) if recorded.get("version") else None


def _require_revision(hub: Hub, version: str) -> None:
    """A tag or branch the Hub has (a commit id passes): the error names what is missing."""
    if re.fullmatch(r"[0-9a-f]{40}", version):
        return
    refs = hub.refs()
    if refs is None:
        raise HubError(f"{hub.repo_id} is not on {hub.label} (or your token cannot see it)")
    if version not in refs.tags and version not in refs.branches:
        raise VersionTagError(
            f"{version} is not on {hub.label} ({hub.repo_id}): `git hf log` lists the versions there"
        )


def _check_complete(
    version: str, path: Path, recorded: dict[str, Any] | None, offline: bool
) -> bool:
    """Whether every file the version's manifest lists is in `path` at its size (an error
    names the missing ones). Offline, a folder without the version's metadata is incomplete:
    every version hfgit publishes has one."""
    if recorded is None:
        if offline:
            raise HfgitError(
                f"the cached {version} in {path} is incomplete: its {METADATA_FILE} is missing; "
                "pull it once with network access"
            )
        return False
    listed = Manifest.from_json(recorded.get(MANIFEST_KEY))
    if listed is None:
        return False
    missing = [
        name
        for name, (size, _) in sorted(listed.files.items())
        if name not in (CARD_FILE, METADATA_FILE) and not _has(path / name, size)
    ]
    if missing:
        shown = ", ".join(missing[:SHOWN_MISSING]) + (
            ", ..." if len(missing) > SHOWN_MISSING else ""
        )
        raise HfgitError(
            f"{path} holds {version} only in part: {len(missing)} of its files are missing or "
            f"cut short ({shown}); pull it again with network access"
        )
    return True


def _has(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _offline() -> bool:
    """HF_HUB_OFFLINE as huggingface_hub reads it."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE")
