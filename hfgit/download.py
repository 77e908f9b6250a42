"""Download a published version and check its provenance against the local tag."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hfgit.constants import METADATA_FILE
from hfgit.errors import ModelFolderError, ProvenanceError
from hfgit.metadata import read_recorded
from hfgit.project import Project


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
    """Download `version` (resumable, through the Hub cache); a provenance mismatch is an error."""
    local = project.repo.tags().get(version)
    with project.hub() as hub:
        path = hub.download(version, directory, cache_dir=cache_dir)
    try:
        recorded = read_recorded(path)
    except ModelFolderError:  # unreadable metadata: reported below as missing provenance
        recorded = None
    hub_commit = str(recorded["git_commit"]) if recorded and recorded.get("git_commit") else None
    if local is not None and hub_commit and hub_commit != local.commit:
        raise ProvenanceError(
            f"{version} on the Hub was published from git {hub_commit[:8]}, "
            f"but the local tag points at {local.commit[:8]}"
        )
    warnings = []
    if local is None:
        warnings.append(f"no local tag {version}: provenance not checked (git fetch --tags?)")
    elif not hub_commit:
        warnings.append(f"{version} on the Hub has no {METADATA_FILE}: provenance not checked")
    return Pulled(version, path, hub_commit, bool(local and hub_commit), warnings)
