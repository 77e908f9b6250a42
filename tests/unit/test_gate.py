"""Publish gates: metric thresholds and no-regression against the previous version."""

from __future__ import annotations

import pytest

from hfgit.config import GateConfig
from hfgit.gate import gate_failures


def test_no_gate_lets_everything_through():
    assert gate_failures({"accuracy": 0.1}, GateConfig()) == []


@pytest.mark.parametrize(("accuracy", "passes"), [(0.79, False), (0.8, True), (0.95, True)])
def test_minimum_is_inclusive(accuracy, passes):
    failures = gate_failures({"accuracy": accuracy}, GateConfig(min={"accuracy": 0.8}))
    assert (failures == []) is passes


@pytest.mark.parametrize(("loss", "passes"), [(0.51, False), (0.5, True), (0.1, True)])
def test_maximum_is_inclusive(loss, passes):
    failures = gate_failures({"loss": loss}, GateConfig(max={"loss": 0.5}))
    assert (failures == []) is passes


def test_failures_name_the_metric_its_value_and_the_threshold():
    gate = GateConfig(min={"accuracy": 0.8}, max={"loss": 0.5})
    assert gate_failures({"accuracy": 0.75, "loss": 0.7}, gate) == [
        "accuracy = 0.75 is below the gate minimum 0.8",
        "loss = 0.7 is above the gate maximum 0.5",
    ]


def test_metric_missing_from_the_results_fails_its_gate():
    gate = GateConfig(min={"accuracy": 0.8}, max={"loss": 0.5})
    failures = gate_failures({}, gate)
    assert failures == [
        "accuracy is missing from the eval results (gate: >= 0.8)",
        "loss is missing from the eval results (gate: <= 0.5)",
    ]


@pytest.mark.parametrize(
    ("now", "before", "lower_is_better", "regressed"),
    [
        (0.80, 0.85, False, True),
        (0.85, 0.85, False, False),  # equal is not a regression
        (0.90, 0.85, False, False),
        (1.30, 1.20, True, True),
        (1.10, 1.20, True, False),
    ],
)
def test_no_regression_respects_the_metric_direction(now, before, lower_is_better, regressed):
    gate = GateConfig(no_regression=("m",), lower_is_better=("m",) if lower_is_better else ())
    failures = gate_failures({"m": now}, gate, previous={"m": before})
    assert bool(failures) is regressed
    if regressed:
        assert failures == [f"m regressed: {now:g} vs {before:g} in the previous version"]


def test_no_regression_needs_a_previous_version_and_the_metric_on_both_sides():
    gate = GateConfig(no_regression=("accuracy",))
    assert gate_failures({"accuracy": 0.1}, gate, previous=None) == []
    assert gate_failures({"accuracy": 0.1}, gate, previous={}) == []
    assert gate_failures({}, gate, previous={"accuracy": 0.9}) == []
    assert gate_failures({"accuracy": 0.1}, gate, previous={"accuracy": 0.9}) != []
