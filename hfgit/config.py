"""Load and validate `.hfgit.yaml` into frozen dataclasses. Errors name the file, line and key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hfgit.constants import CONFIG_FILE
from hfgit.errors import ConfigError
from hfgit.versioning import TAG_FORMATS, TagScheme

REPO_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}")
REPO_TYPES = ("model", "dataset")


@dataclass(frozen=True)
class Spec:
    """One key of the schema: its type(s), default, allowed values and help text."""

    types: tuple[type, ...]
    default: Any = None
    choices: tuple[Any, ...] | None = None
    required: bool = False
    item_type: type | None = None  # for lists and string-keyed maps
    help: str = ""


SECTIONS: dict[str, dict[str, Spec]] = {
    "": {
        "repo_id": Spec((str,), required=True, help="Hub repository, namespace/name"),
        "model_dir": Spec((str,), required=True, help="folder holding the model files"),
        "repo_type": Spec((str,), "model", REPO_TYPES, help="model or dataset"),
        "endpoint": Spec(
            (str, type(None)),
            None,
            help="'local', a Hub URL, or empty for $HF_ENDPOINT / huggingface.co",
        ),
        "private": Spec((bool,), True, help="create the Hub repo private"),
        "configs": Spec(
            (list,), [], item_type=str, help="tracked config files uploaded under configs/"
        ),
        "results": Spec((str, type(None)), None, help="eval results JSON (metrics)"),
        "params": Spec((str, type(None)), None, help="training parameters file (JSON or YAML)"),
        "base_model": Spec((str, type(None)), None, help="the model this one was fine-tuned from"),
        "tag_pattern": Spec((str,), "semver", TAG_FORMATS, help="semver, timestamp or experiment"),
        "tag_prefix": Spec(
            (str, type(None)), None, help="default 'v' (semver, timestamp) or 'exp-'"
        ),
    },
    "card": {
        "template": Spec(
            (str, type(None)), None, help="jinja2 template in the repo (rendered sandboxed)"
        ),
        "description": Spec((str,), "", help="one paragraph about the model"),
        "license": Spec((str, type(None)), None),
        "language": Spec((list,), [], item_type=str),
        "tags": Spec((list,), [], item_type=str),
        "datasets": Spec((list,), [], item_type=str),
        "authors": Spec((list,), [], item_type=str),
        "sections": Spec((dict,), {}, item_type=str, help="extra sections: title -> markdown"),
    },
    "gate": {
        "min": Spec((dict,), {}, item_type=float, help="metric -> lowest allowed value"),
        "max": Spec((dict,), {}, item_type=float, help="metric -> highest allowed value"),
        "no_regression": Spec(
            (list,),
            [],
            item_type=str,
            help="metrics that may not get worse than the previous version",
        ),
        "lower_is_better": Spec(
            (list,), [], item_type=str, help="metrics where smaller is better (loss, perplexity)"
        ),
    },
    "hooks": {
        "auto_push": Spec(
            (bool,), True, help="publish version tags in the background when they are created"
        ),
        "auto_bump": Spec(
            (str, bool), "off", ("off", "conventional", False), help="off or conventional"
        ),
        "pre_push": Spec((str,), "advisory", ("advisory", "strict", "off")),
        "release_branch": Spec((str,), "main"),
    },
    "backup": {
        "enabled": Spec(
            (bool,), False, help="save a Hub revision locally before --force moves its tag"
        ),
        "local_backup_dir": Spec(
            (str,), "~/.cache/hfgit/backups", help="where backups go (~ is expanded)"
        ),
        "keep_backups": Spec((int,), 5, help="backups kept per repository, oldest removed first"),
    },
    "notify": {
        "webhook_url": Spec((str, type(None)), None),
        "timeout": Spec((int, float), 10),
        "retries": Spec((int,), 3),
    },
}


@dataclass(frozen=True)
class CardConfig:
    template: str | None = None
    description: str = ""
    license: str | None = None
    language: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
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
    card: CardConfig = field(default_factory=CardConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    hooks: HooksConfig = field(default_factory=HooksConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    path: Path | None = None

    @property
    def scheme(self) -> TagScheme:
        return TagScheme.of(self.tag_pattern, self.tag_prefix)


def load_config(path: Path) -> Config:
    """Read and validate a config file; a missing or invalid file raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no {path.name} in {path.parent}: run `git hf init` first") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from e
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if node is None:
        raise ConfigError(f"{path}: the file is empty; run `git hf init --force` to rewrite it")
    values = _section(node, path, "")
    sections = {name: _section(values.pop(name, None), path, name) for name in SECTIONS if name}
    config = Config(
        **_tuples(values),
        card=CardConfig(**_tuples(sections["card"])),
        gate=GateConfig(**_tuples(sections["gate"])),
        hooks=HooksConfig(**_tuples(sections["hooks"])),
        notify=NotifyConfig(**sections["notify"]),
        backup=BackupConfig(**sections["backup"]),
        path=path,
    )
    if not REPO_ID_RE.fullmatch(config.repo_id) or ".." in config.repo_id or "--" in config.repo_id:
        raise ConfigError(
            f"{path}:{_line(node, 'repo_id')}: repo_id {config.repo_id!r} is not a Hub repo id (namespace/name)"
        )
    return config


def _section(node: yaml.Node | None, path: Path, name: str) -> dict[str, Any]:
    specs = SECTIONS[name]
    label = f"{name}." if name else ""
    if node is None:
        node = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            f"{path}:{node.start_mark.line + 1}: {name or 'the file'} must be a mapping of keys"
        )
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        where = f"{path}:{key_node.start_mark.line + 1}"
        if name == "" and key in SECTIONS:
            values[key] = value_node
            continue
        if key not in specs:
            known = sorted(set(specs) | ({s for s in SECTIONS if s} if not name else set()))
            raise ConfigError(f"{where}: unknown key {label}{key} (known: {', '.join(known)})")
        values[key] = _check(
            yaml.safe_load(yaml.serialize(value_node)), specs[key], where, label + key
        )
    for key, spec in specs.items():
        if key not in values:
            if spec.required:
                raise ConfigError(
                    f"{path}:{node.start_mark.line + 1}: missing required key {label}{key} ({spec.help})"
                )
            values[key] = spec.default
    return values


def _check(value: Any, spec: Spec, where: str, key: str) -> Any:
    if isinstance(value, bool) and bool not in spec.types:  # YAML true is an int to Python
        wanted = "a number" if float in spec.types else "an integer"
        raise ConfigError(f"{where}: {key} must be {wanted}, not bool")
    if not isinstance(value, spec.types):
        wanted = " or ".join("null" if t is type(None) else t.__name__ for t in spec.types)
        raise ConfigError(f"{where}: {key} must be {wanted}, not {type(value).__name__}")
    if spec.choices is not None and value not in spec.choices:
        raise ConfigError(
            f"{where}: {key} must be one of {', '.join(map(str, spec.choices))}, not {value!r}"
        )
    if spec.item_type is not None:
        items: Any = value.values() if isinstance(value, dict) else value
        for item in items:
            ok = (
                isinstance(item, (int, float)) and not isinstance(item, bool)
                if spec.item_type is float
                else isinstance(item, spec.item_type)
            )
            if not ok:
                raise ConfigError(
                    f"{where}: every entry of {key} must be a {'number' if spec.item_type is float else 'string'}"
                )
        if isinstance(value, dict) and not all(isinstance(k, str) for k in value):
            raise ConfigError(f"{where}: the keys of {key} must be strings")
    if key == "hooks.auto_bump" and value is False:
        value = "off"
    if key in ("configs", "results", "model_dir", "params", "card.template"):
        for item in value if isinstance(value, list) else [value]:
            if item is not None and not _is_relative_path(item):
                raise ConfigError(
                    f"{where}: {key} must name paths inside the repository, not {item!r}"
                )
    return value


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _line(node: yaml.Node, key: str) -> int:
    for key_node, _ in getattr(node, "value", []):
        if getattr(key_node, "value", None) == key:
            return int(key_node.start_mark.line) + 1
    return 1


def _is_relative_path(value: str) -> bool:
    p = Path(value)
    return (
        bool(value)
        and not p.is_absolute()
        and ".." not in p.parts
        and "\\" not in value
        and "\0" not in value
    )


def find_config(start: Path) -> Path:
    return start / CONFIG_FILE


def json_schema() -> dict[str, Any]:
    """A JSON Schema for `.hfgit.yaml`, generated from the same table the loader checks."""
    names = {
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
        list: "array",
        dict: "object",
        type(None): "null",
    }

    def prop(spec: Spec) -> dict[str, Any]:
        kinds = sorted({names[t] for t in spec.types})
        out: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
        if spec.help:
            out["description"] = spec.help
        if spec.choices is not None:
            out["enum"] = list(spec.choices)
        if spec.item_type is not None:
            item = {"type": names[spec.item_type]}
            out["items" if list in spec.types else "additionalProperties"] = item
        return out

    def obj(name: str) -> dict[str, Any]:
        specs = SECTIONS[name]
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: prop(s) for k, s in specs.items()},
        }
        required = [k for k, s in specs.items() if s.required]
        if required:
            schema["required"] = required
        return schema

    root = obj("")
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    root["title"] = "hfgit configuration (.hfgit.yaml)"
    for name in SECTIONS:
        if name:
            root["properties"][name] = obj(name)
    return root


def render_config(repo_id: str, model_dir: str, endpoint: str | None, private: bool) -> str:
    """The commented `.hfgit.yaml` that `git hf init` writes."""
    endpoint_line = f"endpoint: {endpoint}" if endpoint else "# endpoint: local"
    return f"""\
# hfgit: a git tag is a model version; `git hf push` publishes it to the Hub.
# Reference: `git hf validate` checks this file; configs/hfgit.schema.json describes every key.

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
