"""Local tags vs Hub tags -> ordered publish steps; local/Hub comparison."""

from __future__ import annotations

import pytest

from hfgit.errors import VersionTagError
from hfgit.plan import MAIN, Action, TagState, branch_base, compare, plan_push
from hfgit.versioning import TagScheme, require_version

SEMVER = TagScheme.of("semver")
A, B, C, D, E = (c * 40 for c in "abcde")


def summary(steps):
    return [(s.tag, s.action, s.branch) for s in steps]


# --- plan_push ---------------------------------------------------------------------------


def test_push_publishes_every_unpublished_version_oldest_first():
    local = {"v1.2.0": C, "v1.0.0": A, "v1.10.0": D, "v1.1.0": B}
    steps = plan_push(local, {}, SEMVER)
    assert summary(steps) == [
        ("v1.0.0", Action.PUBLISH, MAIN),
        ("v1.1.0", Action.PUBLISH, MAIN),
        ("v1.2.0", Action.PUBLISH, MAIN),
        ("v1.10.0", Action.PUBLISH, MAIN),
    ]
    assert [s.git_commit for s in steps] == [A, B, C, D]


def test_push_without_tags_leaves_out_versions_already_on_the_hub():
    local = {"v1.0.0": A, "v1.1.0": B}
    assert summary(plan_push(local, {"v1.0.0": A}, SEMVER)) == [("v1.1.0", Action.PUBLISH, MAIN)]


def test_push_without_tags_ignores_non_version_tags():
    local = {"latest": A, "v1.0.0": B, "nightly-2024": C, "v2": D}
    assert [s.tag for s in plan_push(local, {}, SEMVER)] == ["v1.0.0"]


def test_push_skips_version_already_on_hub_at_the_same_commit():
    (step,) = plan_push({"v1.0.0": A}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"])
    assert step.action is Action.SKIP
    assert "already on the Hub" in step.reason


def test_same_tag_at_another_commit_is_a_conflict_that_says_how_to_force():
    (step,) = plan_push({"v1.0.0": B}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"])
    assert step.action is Action.CONFLICT
    assert "v1.0.0" in step.reason
    assert A[:8] in step.reason and B[:8] in step.reason
    assert "--force" in step.reason
    assert "pinned" in step.reason  # consumers of the tag are warned


def test_conflict_with_a_hub_tag_hfgit_did_not_publish():
    (step,) = plan_push({"v1.0.0": B}, {"v1.0.0": None}, SEMVER, requested=["v1.0.0"])
    assert step.action is Action.CONFLICT
    assert "did not publish" in step.reason


def test_force_republishes_a_conflicting_tag():
    (step,) = plan_push({"v1.0.0": B}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"], force=True)
    assert step.action is Action.REPUBLISH
    assert step.git_commit == B
    assert step.branch == MAIN


def test_force_does_not_republish_a_version_at_the_same_commit():
    (step,) = plan_push({"v1.0.0": A}, {"v1.0.0": A}, SEMVER, requested=["v1.0.0"], force=True)
    assert step.action is Action.SKIP


def test_requested_tags_are_planned_oldest_first_and_once():
    local = {"v1.0.0": A, "v1.1.0": B, "v1.2.0": C}
    steps = plan_push(local, {}, SEMVER, requested=["v1.2.0", "v1.0.0", "v1.2.0"])
    assert [s.tag for s in steps] == ["v1.0.0", "v1.2.0"]


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
    assert summary(plan_push(local, hub, SEMVER)) == [("v1.1.1", Action.PUBLISH, "v1.1.x")]


def test_highest_version_goes_to_main_even_after_an_older_line_in_the_same_plan():
    local = {"v1.2.0": A, "v1.1.1": B, "v1.3.0": C}
    steps = plan_push(local, {"v1.2.0": A}, SEMVER)
    assert summary(steps) == [
        ("v1.1.1", Action.PUBLISH, "v1.1.x"),
        ("v1.3.0", Action.PUBLISH, MAIN),
    ]


def test_versions_published_in_one_plan_move_main_forward():
    local = {"v1.0.0": A, "v1.1.0": B, "v1.0.1": C}
    # oldest first: each one is the highest published so far when its turn comes
    assert summary(plan_push(local, {}, SEMVER)) == [
        ("v1.0.0", Action.PUBLISH, MAIN),
        ("v1.0.1", Action.PUBLISH, MAIN),
        ("v1.1.0", Action.PUBLISH, MAIN),
    ]


def test_plan_mixes_publish_and_conflict_per_version():
    local = {"v1.0.0": A, "v2.0.0": E, "v1.5.0": C}
    hub = {"v1.0.0": A, "v2.0.0": D}
    steps = plan_push(local, hub, SEMVER, requested=["v1.5.0", "v2.0.0"])
    assert summary(steps) == [
        ("v1.5.0", Action.PUBLISH, "v1.5.x"),
        ("v2.0.0", Action.CONFLICT, MAIN),
    ]


def test_republishing_an_older_line_with_force_keeps_main():
    local = {"v1.1.0": C, "v1.2.0": B}
    hub = {"v1.1.0": A, "v1.2.0": B}
    (step,) = plan_push(local, hub, SEMVER, requested=["v1.1.0"], force=True)
    assert (step.action, step.branch) == (Action.REPUBLISH, "v1.1.x")


def test_prerelease_of_the_current_release_is_an_older_line():
    local = {"v2.0.0": A, "v2.0.0-rc.1": B}
    (step,) = plan_push(local, {"v2.0.0": A}, SEMVER)
    assert (step.tag, step.branch) == ("v2.0.0-rc.1", "v2.0.x")


def test_release_after_its_prerelease_goes_to_main():
    local = {"v2.0.0-rc.1": A, "v2.0.0": B}
    (step,) = plan_push(local, {"v2.0.0-rc.1": A}, SEMVER)
    assert (step.tag, step.branch) == ("v2.0.0", MAIN)


def test_hub_tags_that_are_not_versions_do_not_count_as_highest():
    (step,) = plan_push({"v1.0.0": A}, {"zzz-latest": B, "backup": None}, SEMVER)
    assert step.branch == MAIN


def test_timestamp_versions_older_than_the_hub_go_to_their_own_branch():
    scheme = TagScheme.of("timestamp")
    local = {"v20240101-000000": A, "v20240301-000000": B}
    (step,) = plan_push(local, {"v20240301-000000": B}, scheme)
    assert (step.tag, step.branch) == ("v20240101-000000", "v20240101-000000")


@pytest.mark.parametrize(
    ("holds", "branch"),
    [
        ("v5.3.0", "v5.2.x"),  # a publisher committed v5.3.0 on main; its tag is not made yet
        ("v5.1.0", MAIN),
        ("v5.2.0", MAIN),  # a re-run after its own commit landed but its tag did not
        (None, MAIN),
        ("not-a-version", MAIN),
    ],
)
def test_the_version_main_holds_counts_before_its_tag_exists(holds, branch):
    (step,) = plan_push({"v5.2.0": B}, {"v5.1.0": A}, SEMVER, main_holds=holds)
    assert (step.tag, step.action, step.branch) == ("v5.2.0", Action.PUBLISH, branch)


@pytest.mark.parametrize(
    ("version", "hub", "base"),
    [
        ("v1.6.1", ["v1.5.0", "v1.6.0", "v1.7.0"], "v1.6.0"),  # the line's previous version
        ("v1.6.0", ["v1.5.2", "v1.7.0", "v2.0.0"], "v1.5.2"),  # else the nearest lower one
        ("v1.6.0", ["v1.7.0", "v2.0.0"], None),  # nothing lower: never a higher one
        ("v1.6.0", ["v1.6.0-rc.1", "v1.7.0"], "v1.6.0-rc.1"),
        ("v1.6.0", ["v1.5.0", "nightly", "v1.10.0"], "v1.5.0"),  # by precedence, not by name
    ],
)
def test_a_line_branch_starts_at_the_highest_hub_version_below(version, hub, base):
    assert branch_base(require_version(version, SEMVER), hub) == base


# --- compare -----------------------------------------------------------------------------


def test_compare_classifies_every_version_tag():
    local = {"v1.0.0": A, "v1.1.0": B, "v1.2.0": C, "latest": A}
    hub = {"v1.0.0": A, "v1.1.0": D, "v0.9.0": E, "main-backup": None}
    assert compare(local, hub, SEMVER) == {
        "v1.0.0": TagState.PUBLISHED,
        "v1.1.0": TagState.DIVERGED,
        "v1.2.0": TagState.LOCAL_ONLY,
        "v0.9.0": TagState.HUB_ONLY,
    }


def test_hub_tag_without_a_recorded_commit_is_diverged():
    assert compare({"v1.0.0": A}, {"v1.0.0": None}, SEMVER) == {"v1.0.0": TagState.DIVERGED}


def test_compare_of_nothing_is_empty():
    assert compare({}, {}, SEMVER) == {}


def test_versions_differing_only_in_build_metadata_both_go_to_main():
    steps = plan_push({"v1.0.0+b": "c2"}, {"v1.0.0+a": "c1"}, TagScheme())

    assert [(s.tag, s.branch) for s in steps] == [("v1.0.0+b", "main")]


def test_push_without_tags_reports_a_tag_moved_after_publishing_as_a_conflict():
    (step,) = plan_push({"v1.0.0": B}, {"v1.0.0": A}, SEMVER)
    assert step.action is Action.CONFLICT
    assert "diverged" in step.reason
    assert f"locally at git commit {B[:8]}, on the Hub at git commit {A[:8]}" in step.reason


def test_push_without_tags_and_force_moves_every_diverged_tag():
    steps = plan_push({"v1.0.0": B, "v1.1.0": C}, {"v1.0.0": A, "v1.1.0": C}, SEMVER, force=True)
    assert summary(steps) == [("v1.0.0", Action.REPUBLISH, "v1.0.x")]
