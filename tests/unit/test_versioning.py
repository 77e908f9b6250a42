"""Tag <-> version, ordering by semver precedence, bumps, and the sh globs hooks filter with."""

from __future__ import annotations

import random
import subprocess
from datetime import datetime, timezone

import pytest

from hfgit.errors import UsageError, VersionTagError
from hfgit.versioning import (
    TagScheme,
    auto_bump,
    conventional_bump,
    latest,
    next_version,
    parse_tag,
    require_version,
    version_tags,
)

SEMVER = TagScheme.of("semver")
TIMESTAMP = TagScheme.of("timestamp")
EXPERIMENT = TagScheme.of("experiment")
SCHEMES = {"semver": SEMVER, "timestamp": TIMESTAMP, "experiment": EXPERIMENT}


def v(tag: str, scheme: TagScheme = SEMVER):
    return require_version(tag, scheme)


# --- tag <-> version ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "tag"),
    [
        ("semver", "v0.0.1"),
        ("semver", "v1.2.0"),
        ("semver", "v10.20.30"),
        ("semver", "v2.0.0-rc.1"),
        ("semver", "v1.0.0-alpha.beta.1"),
        ("semver", "v1.0.0+build.5"),
        ("semver", "v1.0.0-rc.1+sha.abc"),
        ("timestamp", "v20240101-120000"),
        ("timestamp", "v20241231-235959"),
        ("experiment", "exp-baseline-001"),
        ("experiment", "exp-lr-0.1-003"),
        ("experiment", "exp-a-7"),
    ],
)
def test_version_tag_parses_and_keeps_its_spelling(scheme, tag):
    version = parse_tag(tag, SCHEMES[scheme])
    assert version is not None
    assert version.tag == tag


@pytest.mark.parametrize(
    ("scheme", "tag"),
    [
        ("semver", "1.2.0"),  # no prefix
        ("semver", "v1.2"),
        ("semver", "v1"),
        ("semver", "v01.2.0"),  # leading zero
        ("semver", "v1.2.0-"),
        ("semver", "vlatest"),
        ("semver", "latest"),
        ("semver", "release-1.2.0"),
        ("semver", "V1.2.0"),
        ("timestamp", "v2024-01-01"),
        ("timestamp", "v20241301-120000"),  # month 13
        ("timestamp", "v20240101-250000"),  # hour 25
        ("timestamp", "v20240101120000"),
        ("timestamp", "v1.2.0"),
        ("experiment", "exp-baseline"),  # no run number
        ("experiment", "exp-001"),  # no name
        ("experiment", "baseline-001"),  # no prefix
        ("experiment", "exp--001"),
        ("experiment", "exp-baseline-001a"),
    ],
)
def test_non_version_tag_is_not_a_version(scheme, tag):
    assert parse_tag(tag, SCHEMES[scheme]) is None


def test_require_version_names_the_tag_and_the_expected_format():
    with pytest.raises(VersionTagError) as info:
        require_version("latest", SEMVER)
    message = str(info.value)
    assert "'latest'" in message
    assert "not a version tag" in message
    assert "v1.2.0" in message  # shows what a version tag looks like here


def test_custom_prefix_is_part_of_the_tag():
    scheme = TagScheme.of("semver", "model-v")
    assert parse_tag("model-v1.2.0", scheme) is not None
    assert parse_tag("v1.2.0", scheme) is None
    assert TagScheme.of("semver", "").describe() == "semver tags like 1.2.0"


def test_unknown_tag_format_is_refused():
    with pytest.raises(VersionTagError, match="unknown tag format 'calver'"):
        TagScheme.of("calver")


@pytest.mark.parametrize(
    ("fmt", "prefix"), [("semver", "v"), ("timestamp", "v"), ("experiment", "exp-")]
)
def test_default_prefix_per_format(fmt, prefix):
    assert TagScheme.of(fmt).prefix == prefix


# --- ordering ----------------------------------------------------------------------------

# Each row is sorted lowest first by semver precedence (semver.org section 11).
SEMVER_ORDER = [
    "v1.0.0-alpha",
    "v1.0.0-alpha.1",
    "v1.0.0-alpha.beta",
    "v1.0.0-beta",
    "v1.0.0-beta.2",
    "v1.0.0-beta.11",
    "v1.0.0-rc.1",
    "v1.0.0",
    "v1.0.1",
    "v1.2.0",
    "v1.10.0",
    "v2.0.0-rc.1",
    "v2.0.0-rc.2",
    "v2.0.0-rc.10",
    "v2.0.0",
    "v10.0.0",
]


def test_semver_tags_sort_by_precedence_not_by_text():
    shuffled = SEMVER_ORDER[:]
    random.Random(7).shuffle(shuffled)
    assert [x.tag for x in version_tags(shuffled, SEMVER)] == SEMVER_ORDER


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("v1.0.0-rc.1", "v1.0.0"),
        ("v2.0.0-rc.1", "v2.0.0"),
        ("v1.0.0-alpha", "v1.0.0-alpha.1"),
        ("v1.0.0-beta.2", "v1.0.0-beta.11"),  # numeric identifiers compare as numbers
        ("v1.0.0-rc.1", "v1.0.1-alpha"),
        ("v1.9.0", "v1.10.0"),
        ("v1.2.3", "v2.0.0-alpha"),
    ],
)
def test_prerelease_and_numeric_precedence(lower, higher):
    assert v(lower) < v(higher)
    assert v(higher) > v(lower)
    assert v(lower) <= v(higher)
    assert v(higher) >= v(lower)
    assert not v(higher) < v(lower)


def test_prerelease_sorts_below_its_release():
    assert v("v1.2.0-rc.1") < v("v1.2.0")
    assert v("v1.2.0-rc.1") > v("v1.1.9")


def test_version_equals_itself_and_compares_reflexively():
    assert v("v1.2.0") == v("v1.2.0")
    assert v("v1.2.0") <= v("v1.2.0")
    assert v("v1.2.0") >= v("v1.2.0")
    assert not v("v1.2.0") < v("v1.2.0")


def test_timestamp_tags_sort_by_time():
    tags = ["v20240102-000000", "v20231231-235959", "v20240101-120000"]
    assert [x.tag for x in version_tags(tags, TIMESTAMP)] == [
        "v20231231-235959",
        "v20240101-120000",
        "v20240102-000000",
    ]


def test_experiment_tags_sort_by_run_number_then_name():
    tags = ["exp-zeta-002", "exp-alpha-010", "exp-beta-002", "exp-beta-001"]
    assert [x.tag for x in version_tags(tags, EXPERIMENT)] == [
        "exp-beta-001",
        "exp-beta-002",
        "exp-zeta-002",
        "exp-alpha-010",
    ]


def test_version_tags_drops_non_version_tags():
    tags = ["v1.0.0", "latest", "v1.1", "exp-a-001", "v0.9.0"]
    assert [x.tag for x in version_tags(tags, SEMVER)] == ["v0.9.0", "v1.0.0"]


def test_latest_can_leave_out_prereleases():
    versions = version_tags(["v1.0.0", "v1.1.0", "v2.0.0-rc.1"], SEMVER)
    assert latest(versions).tag == "v2.0.0-rc.1"
    assert latest(versions, include_prereleases=False).tag == "v1.1.0"
    assert latest([]) is None
    assert latest(version_tags(["v1.0.0-rc.1"], SEMVER), include_prereleases=False) is None


@pytest.mark.parametrize(
    ("tag", "prerelease"),
    [("v1.0.0", False), ("v1.0.0-rc.1", True), ("v1.0.0+build", False)],
)
def test_is_prerelease(tag, prerelease):
    assert v(tag).is_prerelease is prerelease


@pytest.mark.parametrize(
    ("tag", "line"),
    [
        ("v1.1.1", "v1.1.x"),
        ("v1.1.0", "v1.1.x"),
        ("v2.0.0-rc.1", "v2.0.x"),
        ("v10.3.7", "v10.3.x"),
    ],
)
def test_semver_line_is_major_minor_x(tag, line):
    assert v(tag).line == line


def test_line_keeps_a_custom_prefix_and_is_the_tag_for_other_formats():
    assert v("model-v1.4.2", TagScheme.of("semver", "model-v")).line == "model-v1.4.x"
    assert v("v20240101-120000", TIMESTAMP).line == "v20240101-120000"
    assert v("exp-a-001", EXPERIMENT).line == "exp-a-001"


# --- bumps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "kind", "pre", "expected"),
    [
        (None, "patch", None, "v0.0.1"),
        (None, "minor", None, "v0.1.0"),
        (None, "major", None, "v1.0.0"),
        ("v1.2.3", "patch", None, "v1.2.4"),
        ("v1.2.3", "minor", None, "v1.3.0"),
        ("v1.2.3", "major", None, "v2.0.0"),
        ("v1.2.3", "prerelease", None, "v1.2.4-rc.1"),
        ("v1.2.3", "prerelease", "beta", "v1.2.4-beta.1"),
        ("v1.2.4-rc.1", "prerelease", None, "v1.2.4-rc.2"),
        ("v1.2.4-rc.1", "prerelease", "rc", "v1.2.4-rc.2"),
        ("v1.3.0", "major", "rc", "v2.0.0-rc.1"),
        ("v1.3.0", "minor", "beta", "v1.4.0-beta.1"),
        ("v1.3.0", "patch", "rc", "v1.3.1-rc.1"),
        # releasing a pre-release: the bump that reaches it finalizes it
        ("v2.0.0-rc.2", "major", None, "v2.0.0"),
        ("v1.4.0-rc.1", "minor", None, "v1.4.0"),
        ("v1.2.4-rc.1", "patch", None, "v1.2.4"),
        # --pre from a pre-release starts the next line, never lands on the current tag
        ("v1.3.0-rc.1", "minor", "rc", "v1.4.0-rc.1"),
        ("v1.3.1-rc.1", "patch", "rc", "v1.3.2-rc.1"),
        ("v2.0.0-rc.1", "major", "rc", "v3.0.0-rc.1"),
    ],
)
def test_next_semver_version(current, kind, pre, expected):
    base = v(current) if current else None
    assert next_version(base, kind, SEMVER, pre) == expected


@pytest.mark.parametrize("current", ["v1.2.3", "v1.3.0-rc.1", "v2.0.0-rc.2", None])
@pytest.mark.parametrize("kind", ["major", "minor", "patch", "prerelease"])
@pytest.mark.parametrize("pre", [None, "rc", "beta"])
def test_next_version_is_always_higher_than_the_current(current, kind, pre):
    base = v(current) if current else None
    bumped = v(next_version(base, kind, SEMVER, pre))
    if base is not None:
        assert bumped > base


def test_next_version_keeps_a_custom_prefix():
    scheme = TagScheme.of("semver", "model-v")
    assert next_version(v("model-v1.0.0", scheme), "minor", scheme) == "model-v1.1.0"


def test_unknown_bump_kind_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown bump 'huge'"):
        next_version(v("v1.0.0"), "huge", SEMVER)


def test_next_timestamp_version_is_the_given_moment():
    moment = datetime(2024, 3, 5, 7, 8, 9, tzinfo=timezone.utc)
    tag = next_version(None, "patch", TIMESTAMP, now=moment)
    assert tag == "v20240305-070809"
    assert parse_tag(tag, TIMESTAMP) is not None


def test_next_experiment_version_increments_the_run_number():
    assert (
        next_version(v("exp-baseline-001", EXPERIMENT), "patch", EXPERIMENT) == "exp-baseline-002"
    )
    assert next_version(v("exp-lr-0.1-009", EXPERIMENT), "patch", EXPERIMENT) == "exp-lr-0.1-010"


def test_first_experiment_tag_must_be_created_by_hand():
    with pytest.raises(VersionTagError, match="exp-baseline-001"):
        next_version(None, "patch", EXPERIMENT)


# --- conventional commits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "bump"),
    [
        ("feat: add a head", "minor"),
        ("feat(tokenizer): bigger vocab", "minor"),
        ("Feat: capitalised type", "minor"),
        ("fix: off-by-one in eval", "patch"),
        ("fix(data): dedupe", "patch"),
        ("perf: faster loader", "patch"),
        ("feat!: drop the old head", "major"),
        ("fix(api)!: rename output", "major"),
        ("chore!: require python 3.10", "major"),
        ("feat: x\n\nBREAKING CHANGE: new input format", "major"),
        ("fix: x\n\nsome body\n\nBREAKING-CHANGE: gone", "major"),
        ("docs: readme", None),
        ("chore: bump deps", None),
        ("refactor: tidy", None),
        ("Merge branch 'main'", None),
        ("add feature", None),
        ("feat:no space after colon", None),
        ("feat add colon later: x", None),
        ("", None),
        ("docs: mention BREAKING CHANGE: in prose", None),  # only a footer line counts
    ],
)
def test_conventional_bump(message, bump):
    assert conventional_bump(message) == bump


@pytest.mark.parametrize(
    ("messages", "bump"),
    [
        ([], None),
        (["docs: a", "chore: b"], None),
        (["fix: a", "docs: b"], "patch"),
        (["fix: a", "feat: b", "perf: c"], "minor"),
        (["feat: a", "fix!: b", "fix: c"], "major"),
        (["chore: a", "fix: b\n\nBREAKING CHANGE: c"], "major"),
    ],
)
def test_auto_bump_takes_the_largest_bump(messages, bump):
    assert auto_bump(messages) == bump


# --- sh globs ----------------------------------------------------------------------------


def sh_matches(pattern: str, tag: str) -> bool:
    script = f'case "$1" in {pattern}) exit 0 ;; *) exit 1 ;; esac'
    return subprocess.run(["sh", "-c", script, "sh", tag], check=False).returncode == 0


GLOB_TABLE = [
    # scheme, tag, is a version tag
    ("semver", "v1.2.0", True),
    ("semver", "v0.0.1", True),
    ("semver", "v10.20.30", True),
    ("semver", "v2.0.0-rc.1", True),
    ("semver", "v1.0.0+build.7", True),
    ("semver", "latest", False),
    ("semver", "v1.2", False),
    ("semver", "release-1.2.0", False),
    ("semver", "1.2.0", False),
    ("semver", "vnext", False),
    ("timestamp", "v20240101-120000", True),
    ("timestamp", "v20240101-12000", False),
    ("timestamp", "v20240101", False),
    ("timestamp", "v1.2.0", False),
    ("experiment", "exp-baseline-001", True),
    ("experiment", "exp-lr-0.1-003", True),
    ("experiment", "exp-baseline", False),
    ("experiment", "v1.2.0", False),
    ("experiment", "baseline-001", False),
]


@pytest.mark.parametrize(("scheme", "tag", "is_version"), GLOB_TABLE)
def test_shell_globs_match_version_tags_and_reject_plain_ones(scheme, tag, is_version):
    s = SCHEMES[scheme]
    assert (parse_tag(tag, s) is not None) is is_version  # the table itself is right
    assert any(sh_matches(g, tag) for g in s.shell_globs()) is is_version


def test_shell_glob_escapes_glob_characters_in_the_prefix():
    scheme = TagScheme.of("semver", "m*")
    assert scheme.shell_globs() == ["m\\*[0-9]*.[0-9]*.[0-9]*"]
    assert sh_matches(scheme.shell_globs()[0], "m*1.2.0")
    assert not sh_matches(scheme.shell_globs()[0], "model1.2.0")


def test_shell_glob_with_a_path_like_prefix():
    scheme = TagScheme.of("semver", "models/bert/v")
    (glob,) = scheme.shell_globs()
    assert sh_matches(glob, "models/bert/v1.0.0")
    assert not sh_matches(glob, "models/gpt/v1.0.0")


@pytest.mark.parametrize("token", ["rc 1", "", "rc..1", "é", "rc.01", "rc/1", ".rc"])
def test_invalid_prerelease_token_is_a_usage_error_naming_it(token):
    with pytest.raises(UsageError) as info:
        next_version(None, "minor", SEMVER, token)
    assert repr(token) in str(info.value)


def test_prerelease_token_on_a_timestamp_scheme_is_a_usage_error():
    with pytest.raises(UsageError, match="only semver tags have pre-releases"):
        next_version(None, "minor", TIMESTAMP, "rc")
