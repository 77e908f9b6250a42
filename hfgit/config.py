"""`.hfgit.yaml`: loaded and checked against the table in schema.py into frozen dataclasses
(every error names the file, line and key), and the commented file `git hf init` writes.

A file with `models:` describes several models: each entry is read over the top-level keys
(its own keys win, section by section key), checked as a whole, and becomes one Config in
`Config.models`, with `model` set to its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hfgit.errors import ConfigError
from hfgit.schema import ENTRY_KEYS, HFGIT_KEYS, SECTIONS, SHARED_KEYS
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
    name: str | None = None  # `name:`: the model's name (set in every entry of `models:`)
    model: str | None = None  # one of several models: its name, which starts its tags
    models: tuple[Config, ...] = ()  # the top level of a file with `models:`: each model

    @property
    def scheme(self) -> TagScheme:
        return TagScheme.of(self.tag_pattern, self.tag_prefix, self.model)

    @property
    def label(self) -> str:
        """The model's name where one is needed (stage tags): its name in a list of models,
        else `name:`, else the end of repo_id, lower-cased."""
        return self.model or self.name or self.repo_id.rpartition("/")[2].lower()

    @property
    def paths(self) -> tuple[str, ...]:
        """The files and folders of the repository that belong to this model."""
        named = (self.model_dir, *self.configs, self.results, self.params, self.card.template)
        return tuple(dict.fromkeys(p for p in named if p))

    def each(self) -> tuple[Config, ...]:
        """The models this file describes: its `models:`, or itself."""
        return self.models or (self,)


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
    several = isinstance(doc.data, dict) and "models" in doc.data
    if several:
        doc.table = SHARED_KEYS
    entries = _entries(doc) if several else []
    if root is not None and isinstance(doc.data, dict):
        for checked in entries or [doc]:
            _missing_files(checked, root)
    problems = doc.problems()
    for entry in entries:
        problems += entry.problems()
    problems = _in_line_order(problems)
    if problems:
        return None, problems
    models = tuple(_config(entry, path, model=entry.get("name")) for entry in entries)
    if several:
        return _config(doc, path, models=models), []
    return _config(doc, path), []


def _config(
    doc: YamlDoc, path: Path, model: str | None = None, models: tuple[Config, ...] = ()
) -> Config:
    values = {key: _tuple(doc.get(key)) for key in doc.table if key != "models"}
    if values["hooks.auto_bump"] is False:  # YAML 1.1 reads a bare `off` as false
        values["hooks.auto_bump"] = "off"
    top = _section(values, "")
    if models:  # the top level of several models: each names its own repo and folder
        top = {**top, "repo_id": top["repo_id"] or "", "model_dir": top["model_dir"] or ""}
    return Config(
        **top,
        card=CardConfig(**_section(values, "card")),
        gate=GateConfig(**_section(values, "gate")),
        hooks=HooksConfig(**_section(values, "hooks")),
        notify=NotifyConfig(**_section(values, "notify")),
        backup=BackupConfig(**_section(values, "backup")),
        path=path,
        model=model,
        models=models,
    )


def _entries(doc: YamlDoc) -> list[YamlDoc]:
    """Each entry of `models:` read over the top-level keys, and checked: names and repo ids
    unique (repo ids ignore case on the Hub)."""
    listed = doc.data["models"]
    if not isinstance(listed, list):
        return []  # the top-level check says so
    if not listed:
        doc.add("models", "models must list at least one model (or be left out for one model)")
        return []
    shared = {k: v for k, v in doc.data.items() if k not in ("models", "name")}
    if "name" in doc.data:
        doc.add("name", "name is each model's own in a list of models: give it in their entries")
    entries = []
    names: dict[str, int] = {}
    repos: dict[str, int] = {}
    for index, item in enumerate(listed):
        key = f"models[{index}]"
        if not isinstance(item, dict):
            doc.add("models", f"{key} must be a mapping with name, repo_id, model_dir...")
            continue
        entry = doc.entry("models", index, _merged(shared, item), item, ENTRY_KEYS)
        entries.append(entry)
        _unique(entry, index, "name", names, "model names must be unique")
        _unique(entry, index, "repo_id", repos, "each model needs its own Hub repository")
    return entries


def _unique(entry: YamlDoc, index: int, name: str, seen: dict[str, int], why: str) -> None:
    """`name` of entry `index` is not an earlier entry's (`seen`: value -> entry), ignoring case."""
    value = entry.get(name)
    if not isinstance(value, str) or entry.problem_of(name):
        return
    folded = value.lower()
    if folded in seen:
        entry.add(name, f"models[{index}].{name} {value} is models[{seen[folded]}]'s too: {why}")
    else:
        seen[folded] = index


def _merged(shared: dict[str, Any], item: dict[Any, Any]) -> dict[Any, Any]:
    """An entry's keys over the shared ones; a section (card, gate...) merges key by key."""
    merged = dict(shared)
    for key, value in item.items():
        if key in SECTIONS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _in_line_order(problems: list[str]) -> list[str]:
    """Each problem once, by line (`file:line: ...`)."""

    def line(text: str) -> int:
        where = text.split(": ", 1)[0].rpartition(":")[2]
        return int(where) if where.isdigit() else 0

    return sorted(dict.fromkeys(problems), key=line)


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
