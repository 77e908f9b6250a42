"""Publish gates: metric thresholds and "no regression vs the previous version". Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: pure modules import no loader
    from hfgit.config import GateConfig


def gate_failures(
    metrics: Mapping[str, float], gate: GateConfig, previous: Mapping[str, float] | None = None
) -> list[str]:
    """Why a version may not be published (empty when every gate holds)."""
    failures = []
    for name, low in gate.min.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name} is missing from the eval results (gate: >= {low:g})")
        elif value < low:
            failures.append(f"{name} = {value:g} is below the gate minimum {low:g}")
    for name, high in gate.max.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name} is missing from the eval results (gate: <= {high:g})")
        elif value > high:
            failures.append(f"{name} = {value:g} is above the gate maximum {high:g}")
    for name in gate.no_regression if previous else ():
        assert previous is not None
        if name not in previous or name not in metrics:
            continue
        lower_better = name in gate.lower_is_better
        worse = metrics[name] > previous[name] if lower_better else metrics[name] < previous[name]
        if worse:
            failures.append(
                f"{name} regressed: {metrics[name]:g} vs {previous[name]:g} in the previous version"
            )
    return failures
