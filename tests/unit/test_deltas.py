"""Metric deltas with a direction, and changed keys of nested mappings."""

from __future__ import annotations

import pytest

from hfgit.deltas import KeyChange, flatten, key_changes, metric_deltas


@pytest.mark.parametrize(
    ("a", "b", "lower", "direction", "delta"),
    [
        (0.90, 0.93, False, "better", 0.03),
        (0.93, 0.90, False, "worse", -0.03),
        (0.30, 0.25, True, "better", -0.05),
        (0.25, 0.30, True, "worse", 0.05),
        (0.5, 0.5, True, "same", 0.0),
        (None, 0.5, False, "added", None),
        (0.5, None, True, "removed", None),
    ],
)
def test_a_metric_is_better_or_worse_by_its_direction(a, b, lower, direction, delta):
    values_a = {} if a is None else {"m": a}
    values_b = {} if b is None else {"m": b}

    (found,) = metric_deltas(values_a, values_b, ["m"] if lower else [])

    assert found.direction == direction
    assert found.lower_is_better is lower
    assert found.delta == (None if delta is None else pytest.approx(delta))


def test_metrics_of_either_side_are_listed_by_name():
    found = metric_deltas({"b": 1.0, "a": 1.0}, {"c": 2.0, "a": 2.0})

    assert [m.name for m in found] == ["a", "b", "c"]


def test_nested_keys_flatten_with_dots_and_lists_stay_whole():
    assert flatten({"lora": {"r": 16, "alpha": {"x": 1}}, "layers": [1, 2], "empty": {}}) == {
        "lora.r": 16,
        "lora.alpha.x": 1,
        "layers": [1, 2],
        "empty": {},
    }


def test_key_changes_say_added_removed_and_changed():
    a = {"lr": 0.1, "lora": {"r": 16}, "gone": None, "same": [1, 2]}
    b = {"lr": 0.2, "lora": {"r": 16, "alpha": 32}, "same": [1, 2]}

    assert key_changes(a, b) == [
        KeyChange("gone", "removed", None, None),
        KeyChange("lora.alpha", "added", None, 32),
        KeyChange("lr", "changed", 0.1, 0.2),
    ]


@pytest.mark.parametrize(
    ("a", "b", "changed"),
    [(1, 1.0, False), (1, True, True), (0, False, True), (True, True, False), ("1", 1, True)],
)
def test_values_of_another_kind_differ(a, b, changed):
    assert bool(key_changes({"k": a}, {"k": b})) is changed
