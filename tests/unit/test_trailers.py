"""The trailer lines of a version's Hub commit: written, then read back from a whole message."""

from __future__ import annotations

import pytest

from hfgit import trailers
from hfgit.trailers import EXPERIMENT, GIT_COMMIT, MAX_PARAMS, METRICS, VERSION, Trailers

A = "a" * 40


def test_trailers_round_trip_through_a_commit_message():
    metrics = {"accuracy": 0.91, "eval/loss": 1.25, "f1": 1.0}
    body = trailers.render("v1.2.0", A, metrics, "baseline  run\n2", {"lr": 0.001, "epochs": 3})
    message = f"Version v1.2.0 (git {A[:8]})\n\nPublished by hfgit.\n\n{body}\n"
    assert trailers.parse(message) == Trailers(
        version="v1.2.0",
        git_commit=A,
        metrics=metrics,
        params={"lr": 0.001, "epochs": 3},
        experiment="baseline run 2",  # one line, whitespace collapsed
    )


def test_trailers_leave_out_empty_parts():
    body = trailers.render("v1.0.0", A, {}, None)
    assert body == f"{VERSION}: v1.0.0\n{GIT_COMMIT}: {A}"
    assert trailers.parse(body) == Trailers(version="v1.0.0", git_commit=A)


def test_trailer_params_keep_scalars_only_and_at_most_max_params():
    params: dict[str, object] = {f"p{i:02d}": i for i in range(MAX_PARAMS + 5)}
    params["nested"] = {"a": 1}
    params["listy"] = [1, 2]
    carried = trailers.parse(trailers.render("v1.0.0", A, {}, None, params)).params
    assert carried == {f"p{i:02d}": i for i in range(MAX_PARAMS)}


def test_parse_ignores_unknown_keys_and_prose():
    message = "Version v1\n\nNote: not a trailer\nSigned-off-by: x\nHfgit-Version: v1.0.0\n"
    assert trailers.parse(message) == Trailers(version="v1.0.0")


def test_later_trailer_lines_win():
    message = f"{VERSION}: v1.0.0\n{VERSION}: v1.0.1\n{EXPERIMENT}: a\n{EXPERIMENT}: b\n"
    assert trailers.parse(message) == Trailers(version="v1.0.1", experiment="b")


def test_a_message_without_trailers_reads_as_empty():
    assert trailers.parse("Upload folder using huggingface_hub") == Trailers()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"acc": 1, "ok": true, "name": "x", "loss": 0.5}', {"acc": 1.0, "loss": 0.5}),
        ("not json", {}),
        ("[1, 2]", {}),
        ("", {}),
    ],
)
def test_trailer_metrics_keep_numbers_and_survive_garbage(raw, expected):
    assert trailers.parse(f"{METRICS}: {raw}").metrics == expected
