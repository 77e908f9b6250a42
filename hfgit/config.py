"""Load and validate `.hfgit.yaml` into frozen dataclasses. Errors name the file, line and key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hfgit.errors import ConfigError
from hfgit.schema import REPO_ID_RE, SECTIONS, Spec
from hfgit.versioning import TagScheme


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
    return parse_config(
        read_config_text(path, f"no {path.name} in {path.parent}: run `git hf init` first"), path
    )


def read_config_text(path: Path, missing: str) -> str:
    """A config file's text; `missing` is the message when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(missing) from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from e


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
