"""A YAML file read with its line numbers, so that every error names file:line and key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hfgit.config import read_config_text
from hfgit.errors import ConfigError


@dataclass(frozen=True)
class Kind:
    """A value type a key may hold: how to check it and how to name it in errors."""

    name: str
    check: Callable[[Any], bool]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


STR = Kind("a string", lambda v: isinstance(v, str))
BOOL = Kind("true or false", lambda v: isinstance(v, bool))
INT = Kind("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
NUMBER = Kind("a number", _number)
MAPPING = Kind("a mapping of keys", lambda v: isinstance(v, dict))
LIST = Kind("a list", lambda v: isinstance(v, list))
STR_LIST = Kind(
    "a list of strings", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)
)
NUMBER_MAP = Kind(
    "a mapping of metric -> number",
    lambda v: isinstance(v, dict) and all(isinstance(k, str) and _number(x) for k, x in v.items()),
)


class YamlDoc:
    """One YAML mapping file; `get("a.b.c", KIND, default)` reads a nested key, checked."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self._lines: dict[str, int] = {}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data: Any = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise ConfigError(f"{where}: not valid YAML ({problem}): fix the file") from None
        if self.data is None:
            self.data = {}
        if not isinstance(self.data, dict):
            raise ConfigError(f"{path}:1: the file must be a mapping of keys")
        if node is not None:
            self._walk(node, "")

    @classmethod
    def load(cls, path: Path, what: str) -> YamlDoc:
        missing = f"{what} {path} does not exist: create it or fix the path"
        return cls(path, read_config_text(path, missing))

    def _walk(self, node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = f"{prefix}{key_node.value}"
                self._lines[key] = int(key_node.start_mark.line) + 1
                self._walk(value_node, key + ".")

    def where(self, key: str) -> str:
        """`file:line` of a key (of its closest present parent when it is absent)."""
        while key and key not in self._lines:
            key = key.rpartition(".")[0]
        return f"{self.path}:{self._lines.get(key, 1)}"

    def has(self, key: str) -> bool:
        return key in self._lines

    def get(self, key: str, kind: Kind, default: Any = None) -> Any:
        """The value at a dotted key; `default` when absent or null; ConfigError when mistyped."""
        value: Any = self.data
        for part in key.split("."):
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{self.where(key)}: {key.rpartition('.')[0] or key} must be a mapping of keys"
                )
            value = value.get(part)
            if value is None:
                return default
        if not kind.check(value):
            raise ConfigError(
                f"{self.where(key)}: {key} must be {kind.name}, not {_type_name(value)}"
            )
        return value

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where(key)}: {key} {message}")


def _type_name(value: Any) -> str:
    return {bool: "true/false", dict: "a mapping", list: "a list", str: "a string"}.get(
        type(value), type(value).__name__
    )
