"""Local tags vs Hub tags -> ordered publish actions; local/Hub comparison; commit trailers."""

from __future__ import annotations

import pytest

from hfgit.constants import (
    TRAILER_EXPERIMENT,
    TRAILER_GIT_COMMIT,
    TRAILER_METRICS,
    TRAILER_PARAMS,
    TRAILER_VERSION,
)
from hfgit.errors import VersionTagError
from hfgit.plan import (
    MAIN,
    MAX_PARAMS,
    Step,
    Sync,
    compare,
    parse_trailers,
    plan_push,
    trailer_json,
    trailer_metrics,
    trailers,
)
from hfgit.versioning import TagScheme

SEMVER = TagScheme.of("semver")
A, B, C, D, E = (c * 40 for c in "abcde")


def summary(actions):
    return [(a.tag, a.step, a.branch) for a in actions]


# --- plan_push ---------------------------------------------------------------------------


def test_push_publishes_every_unpublished_version_oldest_first():
    local = {"v1.2.0": C, "v1.0.0": A, "v1.10.0": D, "v1.1.0": B}
    actions = plan_push(local, {}, SEMVER)
    assert summary(actions) == [
        ("v1.0.0", Step.PUBLISH, MAIN),
        ("v1.1.0", Step.PUBLISH, MAIN),
        ("v1.2.0", Step.PUBLISH, MAIN),
        ("v1.10.0", Step.PUBLISH, MAIN),
    ]
    assert [a.git_commit for a in actions] == [A, B, C, D]


def test_push_without_tags_leaves_out_versions_already_on_the_hub():
    local = {"v1.0.0": A, "v1.1.0": B}
    assert summary(plan_push(local, {"v1.0.0": A}, SEMVER)) == [("v1.1.0", Step.PUBLISH, MAIN)]


def test_push_without_tags_ignores_non_version_tags():
    local = {"latest": A, "v1.0.0": B, "nightly-2024": C, "v2": D}
    assert [a.tag for a in plan_push(local, {}, SEMVER)] == ["v1.0.0"]


def test_push_skips_version_already_on_hub_at_the_same_commit():
    (action,) = plan_push({"v1.0.0": A}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"])
    assert action.step is Step.SKIP
    assert "already on the Hub" in action.reason


def test_same_tag_at_another_commit_is_a_conflict_that_says_how_to_force():
    (action,) = plan_push({"v1.0.0": B}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"])
    assert action.step is Step.CONFLICT
    assert "v1.0.0" in action.reason
    assert A[:8] in action.reason and B[:8] in action.reason
    assert "--force" in action.reason
    assert "pinned" in action.reason  # consumers of the tag are warned


def test_conflict_with_a_hub_tag_hfgit_did_not_publish():
    (action,) = plan_push({"v1.0.0": B}, {"v1.0.0": None}, SEMVER, requested=["v1.0.0"])
    assert action.step is Step.CONFLICT
    assert "did not publish" in action.reason


def test_force_republishes_a_conflicting_tag():
    (action,) = plan_push({"v1.0.0": B}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"], force=True)
    assert action.step is Step.REPUBLISH
    assert action.git_commit == B
    assert action.branch == MAIN


def test_force_does_not_republish_a_version_at_the_same_commit():
    (action,) = plan_push({"v1.0.0": A}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"], force=True)
    assert action.step is Step.SKIP


def test_requested_tags_are_planned_oldest_first_and_once():
    local = {"v1.0.0": A, "v1.1.0": B, "v1.2.0": C}
    actions = plan_push(local, {}, SEMVER, requested=["v1.2.0", "v1.0.0", "v1.2.0"])
    assert [a.tag for a in actions] == ["v1.0.0", "v1.2.0"]


def test_unknown_tag_is_refused_with_how_to_create_it():
    with pytest.raises(VersionTagError, match=r"no local tag 'v9\.9\.9'.*git tag v9\.9\.9"):
        plan_push({"v1.0.0": A}, {}, SEMVER, requested=["v9.9.9"])


@pytest.mark.parametrize("tag", ["latest", "v1.2", "nightly"])
def test_named_non_version_tag_is_refused_with_a_clear_error(tag):
    with pytest.raises(VersionTagError) as info:
        plan_push({tag: A, "v1.0.0": B}, {}, SEMVER, requested=[tag])
    assert f"{tag!r} is not a version tag" in str(info.value)
    assert "semver tags like v1.2.0" in str(info.value)


def test_older_line_after_a_newer_one_goes_to_its_line_branch():
    local = {"v1.1.0": A, "v1.2.0": B, "v1.1.1": C}
    hub = {"v1.1.0": A, "v1.2.0": B}
    assert summary(plan_push(local, hub, SEMVER)) == [("v1.1.1", Step.PUBLISH, "v1.1.x")]


def test_highest_version_goes_to_main_even_after_an_older_line_in_the_same_plan():
    local = {"v1.2.0": A, "v1.1.1": B, "v1.3.0": C}
    actions = plan_push(local, {"v1.2.0": A}, SEMVER)
    assert summary(actions) == [
        ("v1.1.1", Step.PUBLISH, "v1.1.x"),
        ("v1.3.0", Step.PUBLISH, MAIN),
    ]


def test_versions_published_in_one_plan_move_main_forward():
    local = {"v1.0.0": A, "v1.1.0": B, "v1.0.1": C}
    # oldest first: each one is the highest published so far when its turn comes
    assert summary(plan_push(local, {}, SEMVER)) == [
        ("v1.0.0", Step.PUBLISH, MAIN),
        ("v1.0.1", Step.PUBLISH, MAIN),
        ("v1.1.0", Step.PUBLISH, MAIN),
    ]


def test_plan_mixes_publish_and_conflict_per_version():
    local = {"v1.0.0": A, "v2.0.0": E, "v1.5.0": C}
    hub = {"v1.0.0": A, "v2.0.0": D}
    actions = plan_push(local, hub, SEMVER, requested=["v1.5.0", "v2.0.0"])
    assert summary(actions) == [
        ("v1.5.0", Step.PUBLISH, "v1.5.x"),
        ("v2.0.0", Step.CONFLICT, MAIN),
    ]


def test_republishing_an_older_line_with_force_keeps_main():
    local = {"v1.1.0": C, "v1.2.0": B}
    hub = {"v1.1.0": A, "v1.2.0": B}
    (action,) = plan_push(local, hub, SEMVER, requested=["v1.1.0"], force=True)
    assert (action.step, action.branch) == (Step.REPUBLISH, "v1.1.x")


def test_prerelease_of_the_current_release_is_an_older_line():
    local = {"v2.0.0": A, "v2.0.0-rc.1": B}
    (action,) = plan_push(local, {"v2.0.0": A}, SEMVER)
    assert (action.tag, action.branch) == ("v2.0.0-rc.1", "v2.0.x")


def test_release_after_its_prerelease_goes_to_main():
    local = {"v2.0.0-rc.1": A, "v2.0.0": B}
    (action,) = plan_push(local, {"v2.0.0-rc.1": A}, SEMVER)
    assert (action.tag, action.branch) == ("v2.0.0", MAIN)


def test_hub_tags_that_are_not_versions_do_not_count_as_highest():
    (action,) = plan_push({"v1.0.0": A}, {"zzz-latest": B, "backup": None}, SEMVER)
    assert action.branch == MAIN


def test_timestamp_versions_older_than_the_hub_go_to_their_own_branch():
    scheme = TagScheme.of("timestamp")
    local = {"v20240101-000000": A, "v20240301-000000": B}
    (action,) = plan_push(local, {"v20240301-000000": B}, scheme)
    assert (action.tag, action.branch) == ("v20240101-000000", "v20240101-000000")


# --- compare -----------------------------------------------------------------------------


def test_compare_classifies_every_version_tag():
    local = {"v1.0.0": A, "v1.1.0": B, "v1.2.0": C, "latest": A}
    hub = {"v1.0.0": A, "v1.1.0": D, "v0.9.0": E, "main-backup": None}
    assert compare(local, hub, SEMVER) == {
        "v1.0.0": Sync.PUBLISHED,
        "v1.1.0": Sync.DIVERGED,
        "v1.2.0": Sync.LOCAL_ONLY,
        "v0.9.0": Sync.HUB_ONLY,
    }


def test_hub_tag_without_a_recorded_commit_is_diverged():
    assert compare({"v1.0.0": A}, {"v1.0.0": None}, SEMVER) == {"v1.0.0": Sync.DIVERGED}


def test_compare_of_nothing_is_empty():
    assert compare({}, {}, SEMVER) == {}


# --- trailers ----------------------------------------------------------------------------


def test_trailers_round_trip_through_a_commit_message():
    metrics = {"accuracy": 0.91, "eval/loss": 1.25, "f1": 1.0}
    body = trailers("v1.2.0", A, metrics, "baseline  run\n2", {"lr": 0.001, "epochs": 3})
    message = f"Version v1.2.0 (git {A[:8]})\n\nPublished by hfgit.\n\n{body}\n"
    fields = parse_trailers(message)
    assert fields[TRAILER_VERSION] == "v1.2.0"
    assert fields[TRAILER_GIT_COMMIT] == A
    assert fields[TRAILER_EXPERIMENT] == "baseline run 2"  # one line, whitespace collapsed
    assert trailer_metrics(fields) == metrics
    assert trailer_json(fields, TRAILER_PARAMS) == {"lr": 0.001, "epochs": 3}


def test_trailers_leave_out_empty_parts():
    body = trailers("v1.0.0", A, {}, None)
    assert body == f"{TRAILER_VERSION}: v1.0.0\n{TRAILER_GIT_COMMIT}: {A}"
    assert trailer_metrics(parse_trailers(body)) == {}


def test_trailer_params_keep_scalars_only_and_at_most_max_params():
    params = {f"p{i:02d}": i for i in range(MAX_PARAMS + 5)}
    params["nested"] = {"a": 1}
    params["listy"] = [1, 2]
    fields = parse_trailers(trailers("v1.0.0", A, {}, None, params))
    carried = trailer_json(fields, TRAILER_PARAMS)
    assert carried == {f"p{i:02d}": i for i in range(MAX_PARAMS)}


def test_parse_trailers_ignores_unknown_keys_and_prose():
    message = "Version v1\n\nNote: not a trailer\nSigned-off-by: x\nHfgit-Version: v1.0.0\n"
    assert parse_trailers(message) == {TRAILER_VERSION: "v1.0.0"}


def test_later_trailer_lines_win():
    message = f"{TRAILER_VERSION}: v1.0.0\n{TRAILER_VERSION}: v1.0.1\n"
    assert parse_trailers(message) == {TRAILER_VERSION: "v1.0.1"}


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
    assert trailer_metrics({TRAILER_METRICS: raw}) == expected


def test_versions_differing_only_in_build_metadata_both_go_to_main():
    from hfgit.plan import plan_push
    from hfgit.versioning import TagScheme

    actions = plan_push({"v1.0.0+b": "c2"}, {"v1.0.0+a": "c1"}, TagScheme())

    assert [(a.tag, a.branch) for a in actions] == [("v1.0.0+b", "main")]
