"""`.hfgit.yaml`: loaded and checked against the table in schema.py into frozen dataclasses
(every error names the file, line and key), and the commented file `git hf init` writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hfgit.errors import ConfigError
from hfgit.schema import HFGIT_KEYS
from hfgit.versioning import TagScheme
from hfgit.yamldoc import YamlDoc, problem, read_text


@dataclass(frozen=True)
class CardConfig:
    template: str | None = None
    description: str = ""
    license: str | None = None
    language: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GateConfig:
    min: dict[str, float] = field(default_factory=dict)
    max: dict[str, float] = field(default_factory=dict)
    no_regression: tuple[str, ...] = ()
    lower_is_better: tuple[str, ...] = ()


@dataclass(frozen=True)
class HooksConfig:
    auto_push: bool = True
    auto_bump: str = "off"
    pre_push: str = "advisory"
    release_branch: str = "main"


@dataclass(frozen=True)
class BackupConfig:
    enabled: bool = False
    local_backup_dir: str = "~/.cache/hfgit/backups"
    keep_backups: int = 5


@dataclass(frozen=True)
class NotifyConfig:
    webhook_url: str | None = None
    timeout: float = 10
    retries: int = 3


@dataclass(frozen=True)
class Config:
    repo_id: str
    model_dir: str
    repo_type: str = "model"
    endpoint: str | None = None
    private: bool = True
    configs: tuple[str, ...] = ()
    results: str | None = None
    params: str | None = None
    base_model: str | None = None
    tag_pattern: str = "semver"
    tag_prefix: str | None = None
    keep_until_published: bool = False
    card: CardConfig = field(default_factory=CardConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    hooks: HooksConfig = field(default_factory=HooksConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    path: Path | None = None

    @property
    def scheme(self) -> TagScheme:
        return TagScheme.of(self.tag_pattern, self.tag_prefix)


SCHEMA_FILE = "hfgit.schema.json"  # packaged, generated from schema.py (a test keeps it current)


def load_config(path: Path) -> Config:
    """Read and check a config file; a missing or invalid file raises ConfigError."""
    return parse_config(read_config(path), path)


def read_config(path: Path) -> str:
    return read_text(path, f"no {path.name} in {path.parent}: run `git hf init` first")


def schema_text() -> str:
    """The JSON Schema of `.hfgit.yaml`, as shipped in the package."""
    return resources.files("hfgit").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def parse_config(text: str, path: Path) -> Config:
    """The config in `text`; ConfigError names the first problem (and how many more there are)."""
    config, problems = check_config(text, path)
    if config is None:
        hint = " (and more: `git hf validate` lists them all)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + hint)
    return config


def check_config(
    text: str, path: Path, root: Path | None = None
) -> tuple[Config | None, list[str]]:
    """(the config, []) or (None, every problem as `file:line: ...`).

    With `root` (the repository), the files the config names must also exist there: the card
    template and the tracked configs (`git hf validate` checks them; push reads them at the tag)."""
    doc = YamlDoc(path, text, HFGIT_KEYS, closed=True)
    if doc.node is None:
        raise ConfigError(f"{path}: the file is empty; run `git hf init --force` to rewrite it")
    if root is not None and isinstance(doc.data, dict):
        _missing_files(doc, root)
    problems = doc.problems()
    if problems:
        return None, problems
    values = {key: _tuple(doc.get(key)) for key in HFGIT_KEYS}
    if values["hooks.auto_bump"] is False:  # YAML 1.1 reads a bare `off` as false
        values["hooks.auto_bump"] = "off"
    return Config(
        **_section(values, ""),
        card=CardConfig(**_section(values, "card")),
        gate=GateConfig(**_section(values, "gate")),
        hooks=HooksConfig(**_section(values, "hooks")),
        notify=NotifyConfig(**_section(values, "notify")),
        backup=BackupConfig(**_section(values, "backup")),
        path=path,
    ), []


def _missing_files(doc: YamlDoc, root: Path) -> None:
    for key in ("card.template", "configs"):
        value = doc.get(key)
        if not doc.has(key) or problem(key, HFGIT_KEYS[key], value):
            continue
        for name in value if isinstance(value, list) else [value]:
            if not (root / name).exists():
                doc.add(key, f"{key} names {name}, which does not exist in {root}")


def _section(values: dict[str, Any], name: str) -> dict[str, Any]:
    if not name:
        return {k: v for k, v in values.items() if "." not in k}
    return {k.partition(".")[2]: v for k, v in values.items() if k.partition(".")[0] == name}


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def render_config(repo_id: str, model_dir: str, endpoint: str | None, private: bool) -> str:
    """The commented `.hfgit.yaml` that `git hf init` writes."""
    endpoint_line = f"endpoint: {endpoint}" if endpoint else "# endpoint: local"
    # No `$schema` pointer: an installed hfgit has no path or URL that every checkout can reach.
    return f"""\
# hfgit: a git tag is a model version; `git hf push` publishes it to the Hub.
# `git hf validate` checks this file; `git hf validate --schema` prints its JSON Schema for editors.

repo_id: {repo_id}          # Hub repository (namespace/name)
model_dir: {model_dir}             # folder published at the repo root (weights, config.json, tokenizer...)
private: {str(private).lower()}               # new Hub repos are private unless false
# 'local' = the embedded hub (offline, no account); a URL = any Hub; empty = $HF_ENDPOINT or huggingface.co
{endpoint_line}

# Files tracked in git that travel with each version under configs/ (as they are in the tagged commit).
configs: []
# Eval results (a JSON object of metric -> number) shown in the card and `git hf log`.
# results: eval/results.json
# Training parameters (JSON or YAML) recorded in experiment_metadata.json.
# params: configs/train.yaml
# base_model: meta-llama/Llama-3.1-8B-Instruct

tag_pattern: semver             # semver (v1.2.0) | timestamp (v20240101-120000) | experiment (exp-baseline-001)
# keep_until_published: true    # keep a copy of the model folder per version until it is published

card:
  description: ""
  license: apache-2.0
  language: [en]
  tags: []
  datasets: []

# gate:                          # refuse to publish when eval metrics miss these
#   min: {{accuracy: 0.8}}
#   no_regression: [accuracy]

hooks:
  auto_push: true               # publish version tags in the background when `git tag` creates them
  auto_bump: off                # conventional: feat/fix commits on release_branch create the next tag
  pre_push: advisory            # strict: block `git push` of a version tag whose Hub publish failed
  release_branch: main

# notify:
#   webhook_url: https://example.com/hooks/models
"""
