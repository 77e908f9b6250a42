"""Python entry points for training scripts.

from hfgit.api import record_experiment
record_experiment(params={"lr": 2e-4}, metrics={"accuracy": 0.91}, name="lora-r16")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hfgit.config import Config, load_config
from hfgit.constants import CONFIG_FILE
from hfgit.effects import Say
from hfgit.errors import ConfigError, UsageError
from hfgit.gitrepo import GitRepo
from hfgit.metadata import load_mapping_file, record

Mapping = dict[str, Any] | Path | str | None


def record_experiment(
    model_dir: Path | str | None = None,
    params: Mapping = None,
    metrics: Mapping = None,
    name: str | None = None,
    repo_path: Path | str | None = None,
    keep: bool | None = None,
    say: Say | None = None,
    model: str | None = None,
) -> Path:
    """Write experiment_metadata.json into the model folder with HEAD's SHA, the dirty flag and
    a manifest of the folder's files (size and sha256 of each).

    `params` and `metrics` are dicts or paths to JSON/YAML files. `keep` keeps a read-only
    copy of the folder until its version is published (default: keep_until_published in
    .hfgit.yaml). `model` names one of several models (`models:` in .hfgit.yaml); a
    `model_dir` of one of them names it too. Returns the file written."""
    repo = GitRepo.discover(Path(repo_path) if repo_path else None)
    folder = None
    if model_dir is not None:
        folder = Path(model_dir) if Path(model_dir).is_absolute() else Path.cwd() / model_dir
    config = _config(repo, required=model_dir is None)
    if config is not None:
        config = _model(config, model, folder, repo.root)
    if folder is None:
        assert config is not None
        folder = repo.root / config.model_dir
    if keep is None:
        keep = bool(config and config.keep_until_published)
    return record(repo, folder, _mapping(params), _mapping(metrics), name, keep=keep, say=say)


def _config(repo: GitRepo, required: bool) -> Config | None:
    try:
        return load_config(repo.root / CONFIG_FILE)
    except ConfigError as e:
        if required:
            raise UsageError(f"no model folder given and none configured ({e})") from None
        return None


def _model(config: Config, model: str | None, folder: Path | None, root: Path) -> Config | None:
    """The model recorded: the one named, the one whose folder `folder` is, or the only one."""
    names = ", ".join(c.label for c in config.each())
    if model is not None:
        chosen = next((c for c in config.each() if c.label == model), None)
        if chosen is None:
            raise UsageError(f"unknown model {model!r}: use one of {names}")
        return chosen
    if not config.models:
        return config
    if folder is not None:
        here = folder.resolve()
        return next((c for c in config.models if (root / c.model_dir).resolve() == here), None)
    raise UsageError(f"several models: pass --model NAME (one of {names})")


def _mapping(value: Mapping) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return load_mapping_file(Path(value))
