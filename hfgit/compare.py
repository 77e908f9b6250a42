"""`git hf diff`: how two versions differ, or a version and the local model folder.

Computed from the Hub's tree (size, LFS sha256, git blob id per file) and the version's small
files (`experiment_metadata.json`, `config.json`): weights are never downloaded. The local
folder is hashed through the hash cache `git hf push` uses, so a folder already pushed or
compared costs a stat per file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit import deltas
from hfgit import metadata as md
from hfgit.constants import CARD_FILE, CONFIGS_DIR, METADATA_FILE
from hfgit.effects import Say
from hfgit.errors import HfgitError, HubError, UsageError, VersionTagError
from hfgit.files import CACHE_FILE, HashCache, scan
from hfgit.hub import Hub, HubRefs, RemoteFile, trees
from hfgit.project import Project
from hfgit.project import open_version as project_version
from hfgit.versioning import MODEL_SEP

LOCAL_NAMES = (".", "local")  # how the local model folder is named in place of a version
CONFIG_JSON = "config.json"
GITATTRIBUTES = ".gitattributes"
# What publishing adds to a version that the model folder does not hold as such.
MADE_AT_PUBLISH = (CARD_FILE, METADATA_FILE, GITATTRIBUTES)


@dataclass(frozen=True)
class FileState:
    """A file as far as it is known without its bytes: the Hub gives an LFS file's sha256 and
    another file's git blob id; a local file has both."""

    size: int
    sha256: str | None
    blob_id: str | None

    def same_content(self, other: FileState) -> bool:
        if self.size != other.size:
            return False
        if self.sha256 and other.sha256:
            return self.sha256 == other.sha256
        if self.blob_id and other.blob_id:
            return self.blob_id == other.blob_id
        return False  # stored differently (LFS on one side only): not the same file

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha256, "blob_id": self.blob_id}


@dataclass(frozen=True)
class Side:
    """One end of a comparison: a Hub version, or the local model folder."""

    name: str  # the version as given, or "local"
    files: dict[str, FileState]
    metrics: dict[str, float]
    params: dict[str, Any]
    config: dict[str, Any] | None  # config.json, when there is one
    commit: str | None = None  # the Hub commit of a version
    git_commit: str | None = None
    path: Path | None = None  # the local model folder

    @property
    def local(self) -> bool:
        return self.path is not None

    def to_json(self) -> dict[str, Any]:
        if self.path is not None:
            return {"version": "local", "path": str(self.path)}
        return {"version": self.name, "hub_commit": self.commit, "git_commit": self.git_commit}


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # added / removed / changed
    a: FileState | None
    b: FileState | None


@dataclass(frozen=True)
class Diff:
    repo_id: str
    model: str | None
    a: Side
    b: Side
    files: list[FileChange]
    unchanged: int
    metrics: list[deltas.MetricDelta]
    params: list[deltas.KeyChange]
    config: list[deltas.KeyChange]
    not_compared: list[str] = field(default_factory=list)  # Hub files publishing makes


def diff(first: str, second: str, model: str | None = None, say: Say | None = None) -> Diff:
    """Compare two versions (or a version and `.`/`local`) of one model; `say` is told before
    a large local file is read."""
    if _is_local(first) and _is_local(second):
        raise UsageError("both sides are the local folder: name at least one version")
    named = [name for name in (first, second) if not _is_local(name)]
    bare = model or _model_named(named)  # of a side that names no model
    opened = [open_version(name, model if MODEL_SEP in name else bare) for name in named]
    project = opened[0][0]
    if len({p.config.repo_id for p, _ in opened}) > 1:
        raise UsageError(
            f"{named[0]} and {named[1]} are versions of different models: compare versions of one"
        )
    with project.hub() as hub:
        refs = hub.refs()
        tags = iter(tag for _, tag in opened)
        sides = [
            _local_side(project, say)
            if _is_local(name)
            else _hub_side(project, hub, refs, next(tags))
            for name in (first, second)
        ]
    return compare(project, sides[0], sides[1])


def compare(project: Project, a: Side, b: Side) -> Diff:
    """The differences between two sides already read."""
    files_a, files_b, not_compared = dict(a.files), dict(b.files), []
    if a.local or b.local:  # publishing adds files the folder does not hold: leave them out
        for hub_files in (files_a, files_b):
            for path in MADE_AT_PUBLISH:
                if hub_files.pop(path, None) is not None and path not in not_compared:
                    not_compared.append(path)
    changes, unchanged = [], 0
    for path in sorted(set(files_a) | set(files_b)):
        old, new = files_a.get(path), files_b.get(path)
        if old is None:
            changes.append(FileChange(path, deltas.ADDED, None, new))
        elif new is None:
            changes.append(FileChange(path, deltas.REMOVED, old, None))
        elif old.same_content(new):
            unchanged += 1
        else:
            changes.append(FileChange(path, deltas.CHANGED, old, new))
    lower = project.config.gate.lower_is_better
    return Diff(
        project.config.repo_id,
        project.model,
        a,
        b,
        changes,
        unchanged,
        deltas.metric_deltas(a.metrics, b.metrics, lower),
        deltas.key_changes(a.params, b.params),
        deltas.key_changes(a.config or {}, b.config or {}),
        sorted(not_compared),
    )


def _model_named(names: list[str]) -> str | None:
    """The model that the versions naming one name (`clf@v1.0.0`), so that the other side may
    be a bare stage or version (`production`); None unless exactly one model is named."""
    models = {name.partition(MODEL_SEP)[0] for name in names if MODEL_SEP in name}
    return models.pop() if len(models) == 1 else None


def open_version(text: str, model: str | None) -> tuple[Project, str]:
    """The project of the model a version names (`clf@v1.2.0`, or `v1.2.0` with --model clf),
    and the version's Hub tag."""
    if model is not None and MODEL_SEP not in text:
        return Project.open(model=model), text
    project, tag = project_version(text)
    if model is not None and project.model_label != model:
        raise UsageError(f"{text} is a version of {project.model_label}, not of --model {model}")
    return project, tag


def resolve(project: Project, hub: Hub, refs: HubRefs | None, version: str) -> str:
    """The Hub commit of `version` (a Hub tag, a Hub branch such as a stage, or a commit id);
    a version that is not there is one line saying whether it is unpublished or unknown."""
    if re.fullmatch(r"[0-9a-f]{40}", version):
        return version
    commit = refs.tags.get(version) or refs.branches.get(version) if refs else None
    if commit is not None:
        return commit
    local = project.local_tag(version)
    if local in project.version_tags():
        raise VersionTagError(f"{local} is not published yet: `git hf push {local}` publishes it")
    if refs is None:
        raise HubError(
            f"{project.config.repo_id} is not on {hub.label} yet, and {local} is not a local "
            "version tag either: `git tag` lists them"
        )
    raise VersionTagError(
        f"{local} is neither a version on {hub.label} ({project.config.repo_id}) nor a "
        "local version tag: `git hf log` lists the versions"
    )


def remote_state(remote: RemoteFile) -> FileState:
    if remote.sha256 is not None:  # LFS: its oid is the pointer's, not the content's
        return FileState(remote.size, remote.sha256, None)
    return FileState(remote.size, None, remote.oid)


def _is_local(name: str) -> bool:
    return name in LOCAL_NAMES


def _hub_side(project: Project, hub: Hub, refs: HubRefs | None, version: str) -> Side:
    commit = resolve(project, hub, refs, version)
    remote = trees.files(hub, commit)
    meta = _json_file(hub, commit, remote.get(METADATA_FILE)) or {}
    return Side(
        version,
        {path: remote_state(f) for path, f in remote.items()},
        md.numeric_metrics(_mapping(meta.get("eval_results"))),
        _mapping(meta.get("training_params")),
        _json_file(hub, commit, remote.get(CONFIG_JSON)),
        commit=commit,
        git_commit=str(meta["git_commit"]) if meta.get("git_commit") else None,
    )


def _local_side(project: Project, say: Say | None) -> Side:
    """The model folder as a version would publish it now, with the configs of the work tree."""
    folder = project.require_model_dir()
    cache = HashCache(project.state_dir / CACHE_FILE, md.announcer(say))
    files = {}
    for relative, path in scan(folder):
        hashed = cache.read(path, git_oid=True)
        files[relative] = FileState(hashed.size, hashed.sha256, hashed.git_oid)
    for name in project.config.configs:
        path = project.repo.root / name
        if path.is_file():
            hashed = cache.read(path, git_oid=True)
            in_repo = name if name.startswith(f"{CONFIGS_DIR}/") else f"{CONFIGS_DIR}/{name}"
            files[in_repo] = FileState(hashed.size, hashed.sha256, hashed.git_oid)
    cache.save()
    recorded = md.read_recorded(folder) or {}
    metrics = recorded.get("eval_results") or _work_tree_file(project, project.config.results)
    params = recorded.get("training_params") or _work_tree_file(project, project.config.params)
    return Side(
        "local",
        files,
        md.numeric_metrics(_mapping(metrics)),
        _mapping(params),
        _local_json(folder / CONFIG_JSON),
        git_commit=str(recorded["git_commit"]) if recorded.get("git_commit") else None,
        path=folder,
    )


def _json_file(hub: Hub, commit: str, remote: RemoteFile | None) -> dict[str, Any] | None:
    """A small JSON object of the version, read into memory; None when absent or unreadable."""
    if remote is None:
        return None
    data = trees.read_small(hub, commit, remote)
    return _parse(data) if data is not None else None


def _local_json(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > trees.SMALL_FILE_BYTES:
            return None
        return _parse(path.read_bytes())
    except OSError:
        return None


def _parse(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _work_tree_file(project: Project, name: str | None) -> dict[str, Any]:
    path = project.repo.root / name if name else None
    if path is None or not path.is_file():
        return {}
    try:
        return md.load_mapping(path.read_bytes(), name or "")
    except (HfgitError, OSError):
        return {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
