"""What one version holds on the Hub: model files, configs, metadata, card, commit message."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hfgit import metadata as md
from hfgit import modelcard, trailers
from hfgit.catalog import Catalog
from hfgit.constants import CARD_FILE, CONFIGS_DIR, DEFAULT_ENDPOINT, METADATA_FILE
from hfgit.effects import Say
from hfgit.errors import ConfigError, GateError, ModelFolderError, ProvenanceError
from hfgit.files import hash_bytes
from hfgit.gate import gate_failures
from hfgit.gitrepo import Tag
from hfgit.hub import LOCAL_DISPLAY, Hub
from hfgit.project import Project
from hfgit.versionfiles import FileHashes, version_files
from hfgit.versioning import parse_tag, require_version


@dataclass(frozen=True)
class Payload:
    """One file of a version: from disk (streamed) or generated in memory. A file from disk
    that was not read when it was checked has empty hashes and `hashes` to get them."""

    path_in_repo: str
    source: Path | bytes
    size: int
    git_oid: str
    sha256: str
    stamp: tuple[int, int, int] | None = None  # a file's stat when its hashes were checked
    hashes: FileHashes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def generated(cls, path_in_repo: str, data: bytes) -> Payload:
        git_oid, sha256 = hash_bytes(data)
        return cls(path_in_repo, data, len(data), git_oid, sha256)

    def with_hashes(self, git_oid: bool = False) -> Payload:
        """This file with its sha256 (and its git oid, with `git_oid`), read now if the check
        did not read them; ContentChangedError when the file changed since it was checked."""
        if self.hashes is None or (self.sha256 and (self.git_oid or not git_oid)):
            return self
        ahead = None if git_oid else self.hashes.ahead()
        if ahead is not None:
            return replace(self, sha256=ahead)
        hashed = self.hashes.read()
        return replace(self, git_oid=hashed.git_oid, sha256=hashed.sha256)


@dataclass(frozen=True)
class VersionContent:
    tag: str
    files: list[Payload]
    metadata: dict[str, Any]
    card: str
    summary: str
    description: str
    metrics: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def build_content(
    project: Project,
    tag: Tag,
    catalog: Catalog,
    hub: Hub,
    force: bool = False,
    check_gate: bool = True,
    say: Say | None = None,
) -> VersionContent:
    """Everything a version publishes, checked: provenance of the model folder, gates."""
    repo, config = project.repo, project.config
    fixed = version_files(project, tag, force, say)
    model_dir, recorded, warnings = fixed.folder, fixed.recorded, list(fixed.warnings)
    _check_recorded(recorded, tag, force, warnings)
    metrics_raw = (recorded or {}).get("eval_results") or _data_file(project, tag, config.results)
    params = (recorded or {}).get("training_params") or _data_file(project, tag, config.params)
    metrics = md.numeric_metrics(metrics_raw)
    if check_gate:
        previous = _previous_metrics(catalog, tag.name, project)
        failures = gate_failures(metrics, config.gate, previous)
        if failures:
            raise GateError(f"{tag.name} is not published: " + "; ".join(failures))
    branch = (recorded or {}).get("git_branch") or repo.current_branch()  # where training ran
    provenance = md.Provenance(tag.commit, tag.name, branch, repo.remote_url())
    version = project.hub_tag(tag.name)  # its name on the Hub (v1.2.0 for clf@v1.2.0)
    meta = md.version_metadata(
        provenance,
        version,
        tag.date,
        recorded,
        params,
        metrics_raw,
        config.base_model,
        project.model,
    )
    payloads = [
        Payload(
            f.path_in_repo,
            f.source,
            f.size,
            f.git_oid,
            f.sha256,
            fixed.stamps[f.path_in_repo],
            fixed.unread.get(f.path_in_repo),
        )
        for f in fixed.files
    ]
    if not payloads:
        raise ModelFolderError(
            f"model folder {config.model_dir}/ holds no files to publish: train into it first "
            f"({METADATA_FILE} and {CARD_FILE} alone are not a model)"
        )
    configs = _config_payloads(project, tag)
    trainer = _trainer_card(model_dir, config.model_dir, warnings)
    card = modelcard.render(
        modelcard.CardInput(
            repo_id=config.repo_id,
            repo_url=hub.repo_url,
            version=version,
            provenance=provenance,
            card=config.card,
            metrics=metrics,
            params={k: v for k, v in params.items() if not isinstance(v, (dict, list))},
            base_model=config.base_model,
            configs=tuple(p.path_in_repo for p in configs),
            versions=_version_rows(catalog, tag, metrics, hub, project),
            is_transformers=(model_dir / "config.json").is_file(),
            # base models live on the public Hub unless a real Hub endpoint is configured
            endpoint=DEFAULT_ENDPOINT
            if hub.display_endpoint == LOCAL_DISPLAY
            else hub.display_endpoint,
            trainer=trainer,
        ),
        template=_template(project, tag),
    )
    if trainer.body and trainer.body not in card:
        warnings.append(
            f"{config.model_dir}/{CARD_FILE} is not in the published card: the card template "
            "does not show {{ model_readme }}"
        )
    payloads += configs
    payloads.append(Payload.generated(METADATA_FILE, md.to_bytes(meta)))
    payloads.append(Payload.generated(CARD_FILE, card.encode()))
    short = tag.commit[:8]
    if project.model is None:
        summary = f"Publish {version} (git {short})"
        body = f"Model version {version} from git commit {tag.commit}."
    else:
        summary = f"Publish {project.model} {version} (git {short})"
        body = f"Model {project.model} version {version}: git tag {tag.name}, commit {tag.commit}."
    lines = trailers.render(
        version, tag.commit, metrics, meta.get("experiment_name"), params, project.model
    )
    description = f"{body}\n\n{lines}"
    return VersionContent(tag.name, payloads, meta, card, summary, description, metrics, warnings)


def _trainer_card(model_dir: Path, shown: str, warnings: list[str]) -> modelcard.TrainerCard:
    """The README.md training left in the model folder: its text goes into the card."""
    path = model_dir / CARD_FILE
    if not path.is_file():
        return modelcard.TrainerCard()
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelFolderError(
            f"{shown}/{CARD_FILE} is not UTF-8 text (byte {e.start}): save it as UTF-8"
        ) from None
    trainer = modelcard.read_trainer_card(text)
    if trainer.problem:
        warnings.append(f"{shown}/{CARD_FILE}: {trainer.problem}; only its text is in the card")
    return trainer


def _check_recorded(
    recorded: dict[str, Any] | None, tag: Tag, force: bool, warnings: list[str]
) -> None:
    if recorded is None:
        warnings.append(
            f"the model folder has no {METADATA_FILE}: publishing it as produced by {tag.commit[:8]} "
            "(run `git hf record` after training to have this checked)"
        )
        return
    recorded_commit = recorded.get("git_commit")
    if recorded_commit and recorded_commit != tag.commit:
        message = (
            f"the model folder was recorded at git commit {str(recorded_commit)[:8]}, "
            f"but {tag.name} points at {tag.commit[:8]}"
        )
        if not force:
            raise ProvenanceError(
                f"{message}: retrain/record at the tag, tag the recorded commit, or use --force"
            )
        warnings.append(f"{message} (publishing anyway: --force)")
    if recorded.get("git_dirty"):
        warnings.append("the work tree had uncommitted changes when the model folder was recorded")


def _data_file(project: Project, tag: Tag, name: str | None) -> dict[str, Any]:
    """A params/results file, parsed; {} when none is configured or it does not exist."""
    data = _at_tag_or_worktree(project, tag, name) if name else None
    return md.load_mapping(data, name) if data is not None and name else {}


def _at_tag_or_worktree(project: Project, tag: Tag, name: str) -> bytes | None:
    """A file as committed at the tag, else as it is in the work tree, else None."""
    data = project.repo.read_file(tag.commit, name)
    if data is None:
        path = project.repo.root / name
        data = path.read_bytes() if path.is_file() else None
    return data


def _config_payloads(project: Project, tag: Tag) -> list[Payload]:
    payloads = []
    for name in project.config.configs:
        data = project.repo.read_file(tag.commit, name)
        if data is None:
            raise ConfigError(
                f"configs: {name} is not tracked in commit {tag.commit[:8]} ({tag.name}): commit it or remove it from configs"
            )
        in_repo = name if name.startswith(f"{CONFIGS_DIR}/") else f"{CONFIGS_DIR}/{name}"
        payloads.append(Payload.generated(in_repo, data))
    return payloads


def _template(project: Project, tag: Tag) -> str | None:
    name = project.config.card.template
    if not name:
        return None
    data = _at_tag_or_worktree(project, tag, name)
    if data is None:
        raise ConfigError(f"card.template: {name} does not exist")
    return data.decode("utf-8", errors="replace")


def _previous_metrics(catalog: Catalog, tag: str, project: Project) -> dict[str, float] | None:
    this = parse_tag(tag, project.config.scheme)
    older = [v for v in catalog.versions if this is not None and v.version < this]
    return older[0].metrics if older else None


def _version_rows(
    catalog: Catalog, tag: Tag, metrics: dict[str, float], hub: Hub, project: Project
) -> tuple[modelcard.VersionRow, ...]:
    """The card's versions table: what the Hub has, plus this version, highest first."""
    scheme = project.config.scheme
    rows = {
        v.tag: modelcard.VersionRow(
            v.hub_tag,
            v.date.strftime("%Y-%m-%d") if v.date else "",
            v.git_commit or "",
            v.metrics,
            hub.revision_url(v.hub_tag),
        )
        for v in catalog.versions
    }
    on_hub = project.hub_tag(tag.name)
    rows[tag.name] = modelcard.VersionRow(
        on_hub, tag.date.strftime("%Y-%m-%d"), tag.commit, metrics, hub.revision_url(on_hub)
    )
    ordered = sorted(
        rows,
        key=lambda name: parse_tag(name, scheme) or require_version(tag.name, scheme),
        reverse=True,
    )
    return tuple(rows[name] for name in ordered)
