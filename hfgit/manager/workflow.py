"""From a model folder and an optional tag name to a published version, through `sync.push`.

Versioning lives in git: the manager creates the version tag on HEAD when it does not exist
yet, after the same checks `git hf push` makes (provenance, gates, Hub conflicts), so a refused
version leaves no tag behind. Publishing itself is `hfgit.sync.push`, unchanged."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from hfgit import metadata as md
from hfgit.constants import METADATA_FILE
from hfgit.effects import Say, Sleep
from hfgit.errors import (
    HfgitError,
    HubUnreachableError,
    ProvenanceError,
    TagConflictError,
    UsageError,
    VersionTagError,
)
from hfgit.gitrepo import GitRepo, Tag
from hfgit.manager.settings import Settings
from hfgit.project import Project
from hfgit.sync import Outcome
from hfgit.versioning import (
    DEFAULT_PREFIX,
    TAG_FORMATS,
    TagScheme,
    latest,
    next_version,
    parse_tag,
    version_tags,
)

T = TypeVar("T")
EVAL_FILE = "eval_results.json"  # what the tutorial's training writes into the model folder
PARAMS_FILE = "training_config.yaml"
RECORDED_BY = "recorded_by"
MANAGER = "hfgit.manager"  # stamped at sync time: a later sync at another commit stamps again


def project_for(settings: Settings, model_path: Path | str | None = None) -> Project:
    """The git repository holding config.yaml, with the model folder (cwd-relative) configured."""
    repo = GitRepo.discover(settings.base)
    config = settings.config
    if model_path is not None:
        folder = Path(model_path).expanduser().resolve()
        try:
            model_dir = folder.relative_to(repo.root).as_posix() or "."
        except ValueError:
            model_dir = str(folder)  # outside the repository: published from where it is
        config = replace(
            config,
            model_dir=model_dir,
            results=f"{model_dir}/{EVAL_FILE}" if (folder / EVAL_FILE).is_file() else None,
            params=f"{model_dir}/{PARAMS_FILE}" if (folder / PARAMS_FILE).is_file() else None,
        )
    return Project(repo, config)


def with_scheme_of(project: Project, tag: str) -> Project:
    """The project with the tag format `tag` is spelled in (v1.2.0, v20240101-120000, exp-a-001)."""
    config = project.config
    if parse_tag(tag, config.scheme) is not None:
        return project
    for fmt in TAG_FORMATS:
        for prefix in (config.tag_prefix, DEFAULT_PREFIX[fmt]):
            if prefix is not None and parse_tag(tag, TagScheme.of(fmt, prefix)) is not None:
                return Project(project.repo, replace(config, tag_pattern=fmt, tag_prefix=prefix))
    raise VersionTagError(
        f"{tag!r} is not a version tag: use a tag like v1.2.0, v20240101-120000 or exp-baseline-001"
    )


def next_tag(project: Project, settings: Settings) -> str:
    """The next version: auto_increment for semver tags, the current time for timestamp tags."""
    if not settings.auto_tag:
        raise UsageError(
            "no version_tag given and huggingface.versioning.auto_tag is false: pass a version tag"
        )
    scheme = project.config.scheme
    current = latest(version_tags(project.repo.tags(), scheme))
    return next_version(current, settings.auto_increment, scheme)


def head_commit(project: Project) -> str:
    head = project.repo.head_commit()
    if head is None:
        raise HfgitError("the repository has no commit yet: commit your training code first")
    return head


def ensure_recorded(
    project: Project, settings: Settings, experiment: str | None, commit: str
) -> None:
    """Stamp the model folder with `commit` (as `git hf record` does) unless training did.

    A stamp from `git hf record` / `record_experiment` (training time) must match `commit`;
    a stamp an earlier sync wrote is replaced, since the tutorial's flow records at sync time."""
    model_dir = project.require_model_dir()
    recorded = md.read_recorded(model_dir)
    stale_stamp = recorded is not None and recorded.get("git_commit") != commit
    if stale_stamp and recorded is not None and recorded.get(RECORDED_BY) == MANAGER:
        recorded = None  # an earlier sync's stamp, not a training run's: stamp again
    if recorded is not None:
        at = recorded.get("git_commit")
        if at and at != commit:
            raise ProvenanceError(
                f"{model_dir} was recorded at git {str(at)[:8]}, but the version would be "
                f"{commit[:8]}: retrain at HEAD, or delete {METADATA_FILE} to publish it as HEAD's"
            )
        if experiment and recorded.get("experiment_name") != experiment:
            md.write_json_atomic(
                model_dir / METADATA_FILE, {**recorded, "experiment_name": experiment}
            )
        return
    if not settings.experiment_tracking:
        return
    params = _mapping(model_dir / PARAMS_FILE) or _section(settings.raw, "training")
    metrics = _mapping(model_dir / EVAL_FILE) if settings.include_metrics else {}
    extra: dict[str, Any] = {"model_name": project.config.repo_id, RECORDED_BY: MANAGER}
    if project.config.base_model:
        extra["base_model"] = project.config.base_model
    md.record(project.repo, model_dir, params, metrics, experiment, extra)


def check_publishable(project: Project, tag_name: str, commit: str, force: bool) -> None:
    """Every check `git hf push` makes, before the local tag exists (nothing is uploaded)."""
    from hfgit.content import build_content

    tag = project.repo.tags().get(tag_name) or Tag(
        tag_name, commit, True, "", datetime.now(timezone.utc)
    )
    with project.hub() as hub:
        catalog = project.catalog(hub)
        on_hub = catalog.get(tag_name)
        if on_hub and on_hub.git_commit and on_hub.git_commit != tag.commit and not force:
            raise TagConflictError(
                f"{tag_name} is on the Hub from git {on_hub.git_commit[:8]}, not {tag.commit[:8]}: "
                "pick another version tag, or force it (moves the Hub tag)"
            )
        build_content(project, tag, catalog, hub, force=force)


def ensure_tag(project: Project, tag_name: str, commit: str, message: str) -> Tag:
    """The local version tag: created on `commit` (annotated, by git) when it does not exist."""
    existing = project.repo.tags().get(tag_name)
    if existing is not None:
        return existing
    project.repo.create_tag(tag_name, commit, message)
    return project.repo.tag(tag_name)


def tracked_configs(project: Project, settings: Settings, commit: str) -> Project:
    """Publish config.yaml and the detailed config with the version when git tracks them."""
    names = []
    for path in (settings.path, settings.detail_path):
        if path is None:
            continue
        try:
            name = path.relative_to(project.repo.root).as_posix()
        except ValueError:
            continue
        if project.repo.read_file(commit, name) is not None:
            names.append(name)
    return Project(project.repo, replace(project.config, configs=tuple(names)))


def publish(project: Project, tag: str, force: bool, settings: Settings, say: Say) -> Outcome:
    """`git hf push TAG`, retried on network errors per settings.upload (it is idempotent)."""
    from hfgit import sync

    return retrying(lambda: sync.push(project, [tag], force=force, say=say)[0], settings, say)


def retrying(action: Callable[[], T], settings: Settings, say: Say, sleep: Sleep = time.sleep) -> T:
    """Run `action`, retrying when the Hub cannot be reached (settings.upload.max_retries),
    with `sleep(settings.retry_delay)` between attempts."""
    attempts = 1 + max(0, settings.max_retries)
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except HubUnreachableError as e:
            if attempt == attempts:
                raise
            say(f"warning: {e}; retrying in {settings.retry_delay:g} s ({attempt}/{attempts - 1})")
            sleep(settings.retry_delay)
    raise AssertionError("unreachable")


def _mapping(path: Path) -> dict[str, Any]:
    return md.load_mapping_file(path) if path.is_file() else {}


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}
