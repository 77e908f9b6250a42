"""What a config key may hold (Spec, Rule) and what is wrong with a value for it: the
vocabulary of the tables in schema.py. Messages read "key must be ...", in YAML's words."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    """A check on a string: a regular expression (read alike by Python's re and JSON Schema
    validators), what the value must be, and optionally a sharper account of what is wrong."""

    pattern: str
    must: str
    explain: Callable[[str], str | None] | None = None

    def problem(self, key: str, value: str) -> str | None:
        if re.fullmatch(self.pattern, value):  # not search: Python's `$` also matches before "\n"
            return None
        said = self.explain(value) if self.explain else None
        return f"{key} {said}" if said else f"{key} {self.must}, not {value!r}"


@dataclass(frozen=True)
class Spec:
    """One key: its type(s), default, allowed values, range, rule and help text."""

    types: tuple[type, ...]
    default: Any = None
    choices: tuple[Any, ...] | None = None  # for a list: the values its entries may take
    required: bool = False
    item_type: type | None = None  # for lists and string-keyed maps
    help: str = ""
    minimum: float | None = None
    above: float | None = None  # an exclusive minimum
    rule: Rule | None = None  # for a string, or each string entry
    what: str | None = None  # how errors name the expected value (default: from the types)


def problem(key: str, spec: Spec, value: Any) -> str | None:
    """What is wrong with `value` for `key` ("key must be ..."), or None."""
    if not _is(value, spec.types):
        return f"{key} must be {expected(spec)}, not {_name(value)}"
    entries = list(value.values()) if isinstance(value, dict) else value
    if isinstance(value, (dict, list)):
        if isinstance(value, dict) and not all(isinstance(k, str) for k in value):
            return f"the keys of {key} must be strings"
        if spec.item_type is not None and not all(_is(v, (spec.item_type,)) for v in entries):
            return f"every entry of {key} must be {_WANTED[spec.item_type]}"
    else:
        entries = [value]
    for entry in entries:
        found = _entry_problem(key, spec, entry, many=isinstance(value, list))
        if found:
            return found
    return None


def _entry_problem(key: str, spec: Spec, value: Any, many: bool) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{key} must be a finite number, not {value}"
    if spec.choices is not None and value not in spec.choices:
        choices = ", ".join(str(c) for c in spec.choices if c is not False)
        verb = "may hold" if many else "must be one of" if len(spec.choices) > 1 else "must be"
        shown = _name(value) if isinstance(value, bool) or value is None else repr(value)
        return f"{key} {verb} {choices}, not {shown}"
    if spec.rule is not None and isinstance(value, str):
        return spec.rule.problem(key, value)
    if _is(value, (float,)):
        if spec.minimum is not None and value < spec.minimum:
            return f"{key} must be at least {spec.minimum:g}, not {value}"
        if spec.above is not None and value <= spec.above:
            return f"{key} must be more than {spec.above:g}, not {value}"
    return None


_WANTED = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a mapping of keys",
}


def expected(spec: Spec) -> str:
    """How an error names what `spec` wants: 'a list of strings', 'true or false'..."""
    if spec.what:
        return spec.what
    of = {str: " of strings", float: " of numbers"}.get(spec.item_type or type(None), "")
    types = [t for t in spec.types if t in _WANTED and not (t is int and float in spec.types)]
    names = [_WANTED[t] + (of if t in (list, dict) else "") for t in types]
    return " or ".join(names) or "null"


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, tuple(t for t in types if t is not bool))


def _name(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    names = {str: "a string", int: "an integer", float: "a number", list: "a list"}
    return names.get(type(value), "a mapping" if isinstance(value, dict) else type(value).__name__)
