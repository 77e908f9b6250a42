"""What must hold of a Hub repository hfgit publishes to, whatever faults, kills and races
happened on the way (tests/publish/test_chaos.py, benchmarks/chaos.py):

* every Hub version tag points at a commit that says it is that version, made from the git
  commit the local tag names, and that holds exactly the files the version held when it was
  made (byte for byte: sha256 of LFS files, git blob id of the others);
* no orphan tags: every Hub version tag is a version made here;
* `main` holds the highest version (its head says so; once converged, the highest version's
  tag is main's head); a line branch holds no version above its head's;
* once converged: every version made is on the Hub.

`problems(...)` lists what does not hold, one line each (empty: all hold). It reads the Hub
through the unmodified huggingface_hub client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit import trailers
from hfgit.files import hash_bytes
from hfgit.versioning import TagScheme, Version, parse_tag

GENERATED = {"experiment_metadata.json", "README.md", ".gitattributes"}  # written by the publish
SCHEME = TagScheme()


@dataclass
class Made:
    """What each version held when it was made: its git commit and its model files."""

    commits: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, tuple[str, str]]] = field(
        default_factory=dict
    )  # path: (sha256, oid)

    def add(self, tag: str, commit: str, folder: Path) -> None:
        self.commits[tag] = commit
        self.files[tag] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder).as_posix()
            if relative not in GENERATED:
                oid, sha256 = hash_bytes(path.read_bytes())
                self.files[tag][relative] = (sha256, oid)


def problems(api: Any, repo_id: str, made: Made, converged: bool = False) -> list[str]:
    """What does not hold of `repo_id` on the Hub (see the module docstring)."""
    from huggingface_hub.utils import RepositoryNotFoundError

    try:
        refs = api.list_repo_refs(repo_id)
    except RepositoryNotFoundError:
        return [f"{repo_id} was never created although versions were made"] if converged else []
    tags = {t.name: t.target_commit for t in refs.tags if parse_tag(t.name, SCHEME)}
    branches = {b.name: b.target_commit for b in refs.branches}
    found = []
    for tag, hub_commit in sorted(tags.items()):
        found += _tag_problems(api, repo_id, made, tag, hub_commit)
    found += _branch_problems(api, repo_id, tags, branches, converged)
    if converged:
        missing = sorted(set(made.commits) - set(tags))
        found += [f"{tag} was made but is not on the Hub" for tag in missing]
    return found


def _tag_problems(api: Any, repo_id: str, made: Made, tag: str, hub_commit: str) -> list[str]:
    if tag not in made.commits:
        return [f"orphan tag {tag}: no such version was made"]
    head = api.list_repo_commits(repo_id, revision=hub_commit)[0]
    said = trailers.parse(head.message or "")
    if (said.version, said.git_commit) != (tag, made.commits[tag]):
        return [
            f"tag {tag} points at {hub_commit[:8]}, which says version {said.version} from git "
            f"{(said.git_commit or '?')[:8]} (made from {made.commits[tag][:8]})"
        ]
    held = {}
    for entry in api.list_repo_tree(repo_id, revision=hub_commit, recursive=True):
        path = entry.path
        if (
            getattr(entry, "blob_id", None) is None
            or path in GENERATED
            or path.startswith("configs/")
        ):
            continue
        held[path] = (entry.lfs.sha256 if entry.lfs else None, entry.blob_id)
    wanted = made.files[tag]
    wrong = sorted(
        p
        for p in set(held) | set(wanted)
        if p not in held
        or p not in wanted
        or (held[p][0] or wanted[p][0]) != wanted[p][0]
        or (held[p][0] is None and held[p][1] != wanted[p][1])
    )
    return [f"tag {tag} holds other files than were tagged: {', '.join(wrong)}"] if wrong else []


def _branch_problems(
    api: Any, repo_id: str, tags: dict[str, str], branches: dict[str, str], converged: bool
) -> list[str]:
    found = []
    highest = max((v for v in (parse_tag(t, SCHEME) for t in tags) if v), default=None)
    for branch, head in sorted(branches.items()):
        versions = _history_versions(api, repo_id, head)
        top = versions[0] if versions else None
        above = [v.tag for v in versions[1:] if top is None or v > top]
        if above:
            found.append(f"branch {branch} holds {', '.join(above)}, above its head's version")
        if branch != "main":
            continue
        if highest is not None and (top is None or top < highest):
            found.append(
                f"main holds {top.tag if top else 'no version'}, below {highest.tag} on the Hub"
            )
        if converged and highest is not None and tags[highest.tag] != head:
            found.append(f"main's head is not {highest.tag}'s commit")
    return found


def _history_versions(api: Any, repo_id: str, head: str) -> list[Version]:
    """The versions the commits of a history say they are, newest first."""
    out = []
    for commit in api.list_repo_commits(repo_id, revision=head):
        said = trailers.parse(commit.message or "")
        version = parse_tag(said.version, SCHEME) if said.version else None
        if version is not None:
            out.append(version)
    return out
