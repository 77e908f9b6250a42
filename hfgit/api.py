"""Python entry points for training scripts.

from hfgit.api import record_experiment
record_experiment(params={"lr": 2e-4}, metrics={"accuracy": 0.91}, name="lora-r16")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hfgit.config import load_config
from hfgit.constants import CONFIG_FILE
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
) -> Path:
    """Write experiment_metadata.json into the model folder with HEAD's SHA and the dirty flag.

    `params` and `metrics` are dicts or paths to JSON/YAML files. Returns the file written."""
    repo = GitRepo.discover(Path(repo_path) if repo_path else None)
    if model_dir is None:
        try:
            folder = repo.root / load_config(repo.root / CONFIG_FILE).model_dir
        except ConfigError as e:
            raise UsageError(f"no model folder given and none configured ({e})") from None
    else:
        folder = Path(model_dir) if Path(model_dir).is_absolute() else Path.cwd() / model_dir
    return record(repo, folder, _mapping(params), _mapping(metrics), name)


def _mapping(value: Mapping) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return load_mapping_file(Path(value))
