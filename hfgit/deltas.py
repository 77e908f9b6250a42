"""How two versions differ in numbers and settings: metric deltas with a direction, and the
keys of two nested mappings that changed (training params, `config.json`). Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

BETTER = "better"
WORSE = "worse"
SAME = "same"
ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class MetricDelta:
    """One metric from A to B. `a` or `b` is None when only the other side has it."""

    name: str
    a: float | None
    b: float | None
    lower_is_better: bool = False

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def direction(self) -> str:
        """better / worse / same going from A to B, or added / removed."""
        if self.a is None:
            return ADDED
        if self.b is None:
            return REMOVED
        if self.b == self.a:
            return SAME
        return BETTER if (self.b < self.a) == self.lower_is_better else WORSE


@dataclass(frozen=True)
class KeyChange:
    """One key of a nested mapping (`a.b.c`) whose value differs: `status` says whether it
    was added, removed or changed (so a value of None is told apart from a missing key)."""

    key: str
    status: str
    a: Any = None
    b: Any = None


def metric_deltas(
    a: Mapping[str, float], b: Mapping[str, float], lower_is_better: Collection[str] = ()
) -> list[MetricDelta]:
    """Every metric either side has, by name."""
    return [
        MetricDelta(name, a.get(name), b.get(name), name in lower_is_better)
        for name in sorted(set(a) | set(b))
    ]


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` -> `{"a.b": 1}`; lists and other values are kept whole."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def key_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[KeyChange]:
    """The keys (flattened, sorted) whose values differ between `a` and `b`."""
    flat_a, flat_b = flatten(a), flatten(b)
    changes = []
    for key in sorted(set(flat_a) | set(flat_b)):
        if key not in flat_a:
            changes.append(KeyChange(key, ADDED, None, flat_b[key]))
        elif key not in flat_b:
            changes.append(KeyChange(key, REMOVED, flat_a[key], None))
        elif not _same(flat_a[key], flat_b[key]):
            changes.append(KeyChange(key, CHANGED, flat_a[key], flat_b[key]))
    return changes


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same kind: `1` and `1.0` are the same, `1` and `True` are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)
