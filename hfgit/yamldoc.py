"""A YAML config file, read safely with the line of every key and checked against a table of
hfgit/schema.py: every problem is one line, `file:line: key ...`.

Loading is `yaml.safe_load` with three more refusals: a key given twice in one mapping (YAML
forbids it; PyYAML would keep the last), a file that is not UTF-8, and aliases that expand
past MAX_VALUES values (a "billion laughs" document fails at once instead of filling memory)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hfgit.errors import ConfigError
from hfgit.spec import Spec, problem

MAX_VALUES = 10_000  # values once aliases are expanded: far above a config, far below a bomb
MERGE_TAG = "tag:yaml.org,2002:merge"
_ABSENT = object()
_MAPPING = Spec((dict,))


def read_text(path: Path, missing: str) -> str:
    """A config file's text; `missing` is the message when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(missing) from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x}): save the file as UTF-8"
        ) from None


class YamlDoc:
    """One YAML file checked against a table of dotted keys (closed: unknown keys are errors;
    open: only the table's keys are checked, and null means "not set")."""

    def __init__(self, path: Path, text: str, table: dict[str, Spec], closed: bool) -> None:
        self.path, self.table, self.closed = path, table, closed
        self._lines: dict[str, int] = {}
        self._found: dict[tuple[int, str], None] = {}  # problems, in order, once each
        self.root_line = 1
        self._entry = ""  # an entry of a list read as a document: `models[1].`
        self.node, self.data = _load(path, text, self._read_keys)
        if self.data is None and not closed:
            self.data = {}
        self._own: Any = self.data  # what unknown keys are looked for in

    def entry(
        self,
        key: str,
        index: int,
        data: dict[Any, Any],
        own: dict[Any, Any],
        table: dict[str, Spec],
    ) -> YamlDoc:
        """The mapping at `key[index]` read as a document of its own: `data` is its keys over
        the shared ones (the caller merges them). A problem with one of its own keys is at that
        key's line and names it `key[index].name`; one with a shared key, at the shared key."""
        prefix = f"{key}[{index}]."
        view = copy.copy(self)
        view.table, view.data, view._own, view._entry = table, data, own, prefix
        view._found = {}
        mine = {k[len(prefix) :]: line for k, line in self._lines.items() if k.startswith(prefix)}
        view._lines = {k: v for k, v in self._lines.items() if "[" not in k} | mine
        view.root_line = min(mine.values(), default=self._line(key))
        return view

    def _named(self, key: str, own: bool = False) -> str:
        """How problems name a key: with its entry's place when the entry gives it (`own`:
        always, for a key the entry must give)."""
        if self._entry and key and (own or key in self._own_keys()):
            return f"{self._entry}{key}"
        return key

    def _own_keys(self) -> set[str]:
        if not self._entry:
            return set()
        keys: set[str] = set()
        for name, value in self._own.items():
            keys.add(str(name))
            if isinstance(value, dict):
                keys |= {f"{name}.{sub}" for sub in value}
        return keys

    def problem_of(self, key: str) -> str | None:
        """What is wrong with the value at `key`, or None (absent is not wrong here)."""
        value, blocked = self._find(key)
        if blocked:
            return problem(blocked, _MAPPING, value)
        return None if value is _ABSENT else problem(key, self.table[key], value)

    @classmethod
    def load(cls, path: Path, missing: str, table: dict[str, Spec], closed: bool) -> YamlDoc:
        return cls(path, read_text(path, missing), table, closed)

    def where(self, key: str) -> str:
        """`file:line` of a key (of its closest present parent when it is absent)."""
        return f"{self.path}:{self._line(key)}"

    def _line(self, key: str) -> int:
        while key and key not in self._lines:
            key = key.rpartition(".")[0]
        return self._lines.get(key, self.root_line)

    def has(self, key: str) -> bool:
        value, blocked = self._find(key)
        return value is not _ABSENT and not blocked

    def get(self, key: str) -> Any:
        """The value at a dotted key of the table, or its default when absent (or null, if open)."""
        value, blocked = self._find(key)
        return self.table[key].default if value is _ABSENT or blocked else value

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where(key)}: {key} {message}")

    def problems(self) -> list[str]:
        """Every problem of the file, in line order: `file:line: ...`."""
        if not isinstance(self.data, dict):
            return [f"{self.path}:{self.root_line}: the file must be a mapping of keys"]
        for key, spec in self.table.items():
            self._check(key, spec)
        if self.closed:
            self._unknown("", self._own)
        found = sorted(self._found, key=lambda item: item[0])
        return [f"{self.path}:{line}: {text}" for line, text in found]

    def _check(self, key: str, spec: Spec) -> None:
        value, blocked = self._find(key)
        if blocked:
            self.add(blocked, problem(self._named(blocked), _MAPPING, value) or "")
        elif value is not _ABSENT:
            said = problem(self._named(key), spec, value)
            if said:
                self.add(key, said)
        elif spec.required:
            help = f" ({spec.help})" if spec.help else ""
            self.add(
                key.rpartition(".")[0], f"missing required key {self._named(key, own=True)}{help}"
            )

    def _find(self, key: str) -> tuple[Any, str]:
        """(the value at `key` or _ABSENT, ""), or (the value of a parent that is not a mapping,
        that parent's key). In an open file, null is absent."""
        value: Any = self.data
        done = ""
        for part in key.split("."):
            if value is None and done and not self.closed:
                return _ABSENT, ""
            if not isinstance(value, dict):
                return value, done
            if part not in value:
                return _ABSENT, ""
            value = value[part]
            done = f"{done}.{part}" if done else part
        return (_ABSENT if value is None and not self.closed else value), ""

    def _unknown(self, prefix: str, values: dict[Any, Any]) -> None:
        children = {k[len(prefix) :].split(".")[0] for k in self.table if k.startswith(prefix)}
        for name, value in values.items():
            key = f"{prefix}{name}"
            if name not in children:
                shown = self._named(key)
                self.add(key, f"unknown key {shown} (known: {', '.join(sorted(children))})")
            elif isinstance(value, dict) and any(k.startswith(f"{key}.") for k in self.table):
                self._unknown(f"{key}.", value)

    def add(self, key: str, text: str) -> None:
        """One more problem, at the line of `key`."""
        self._found[(self._line(key), text)] = None

    def _read_keys(self, node: yaml.Node) -> None:
        self.root_line = node.start_mark.line + 1
        self._walk(node, "")

    def _walk(self, node: yaml.Node, prefix: str) -> None:
        """Record the line of every key; a key given twice in one mapping is a problem."""
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, f"{prefix.rstrip('.')}[{i}].")
            return
        if not isinstance(node, yaml.MappingNode):
            return
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # `<<: *base`: keys given explicitly win
                self._walk_merged(value_node, prefix)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key, line = f"{prefix}{key_node.value}", key_node.start_mark.line + 1
            if key_node.value in seen:
                first = seen[key_node.value]
                self._found[(line, f"{key} is given twice (first on line {first}): keep one")] = (
                    None
                )
            seen[key_node.value] = line
            self._lines[key] = line
            self._walk(value_node, f"{key}.")

    def _walk_merged(self, node: yaml.Node, prefix: str) -> None:
        before = dict(self._lines)
        for merged in node.value if isinstance(node, yaml.SequenceNode) else [node]:
            self._walk(merged, prefix)
        self._lines.update(before)


def _load(
    path: Path, text: str, read_keys: Callable[[yaml.Node], None]
) -> tuple[yaml.Node | None, Any]:
    """The document's node graph and its data, as yaml.safe_load builds it; `read_keys` sees
    the graph before construction folds merge keys (`<<`) into their mappings."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # refuses characters YAML forbids already
        node = loader.get_single_node()
        if node is not None:
            _count(path, node, {}, set())
            read_keys(node)
        return node, loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        raise ConfigError(f"{_where(path, text, e)}: not valid YAML: {_problem(e)}") from None
    except (ValueError, TypeError, AttributeError) as e:  # a bad `!!int`, `!!timestamp`...
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config file") from None
    finally:
        if loader is not None:
            loader.dispose()


def _count(path: Path, node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    """How many values `node` stands for once aliases are expanded (ConfigError past the cap)."""
    if id(node) in sizes:
        return sizes[id(node)]
    line = node.start_mark.line + 1
    if id(node) in open_:
        raise ConfigError(f"{path}:{line}: an alias refers to the value that holds it")
    open_.add(id(node))
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    total = 1
    for child in children:
        total += _count(path, child, sizes, open_)
        if total > MAX_VALUES:
            raise ConfigError(
                f"{path}:{line}: aliases expand to more than {MAX_VALUES} values: not a config file"
            )
    open_.discard(id(node))
    sizes[id(node)] = total
    return total


def _where(path: Path, text: str, e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    if mark is not None:
        return f"{path}:{mark.line + 1}"
    position = getattr(e, "position", None)  # a ReaderError (a character YAML forbids)
    return f"{path}:{text[:position].count(chr(10)) + 1}" if position is not None else str(path)


def _problem(e: yaml.YAMLError) -> str:
    said = [getattr(e, "context", None), getattr(e, "problem", None) or getattr(e, "reason", None)]
    return ", ".join(str(part) for part in said if part) or str(e).splitlines()[0]
