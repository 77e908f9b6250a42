""".hfgit.yaml with `models:`: entries read over the top-level keys, every problem one
`file:line: key` line, the JSON Schema agreeing with the loader; tags `NAME@vX.Y.Z` and their
Hub names; which commits count towards a model's next version; versions naming their model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hfgit.config import check_config, parse_config
from hfgit.errors import ConfigError, UsageError
from hfgit.project import Project, version_of
from hfgit.schema import json_schema
from hfgit.versioning import (
    TagScheme,
    conventional_scopes,
    counts_for,
    next_version,
    parse_tag,
    require_version,
)

PATH = Path("/work/repo/.hfgit.yaml")
TWO = """\
endpoint: local
configs: [configs/shared.yaml]
card:
  license: mit
  description: shared
gate:
  min: {accuracy: 0.5}
models:
  - name: clf
    repo_id: alice/clf
    model_dir: models/clf
    card:
      description: the classifier
  - name: det
    repo_id: alice/det
    model_dir: models/det
    tag_prefix: release-
    configs: []
    params: configs/det.yaml
"""


def problems(text: str) -> list[str]:
    config, found = check_config(text, PATH)
    assert config is None
    return found


def test_each_model_reads_its_keys_over_the_top_level_ones() -> None:
    config = parse_config(TWO, PATH)

    clf, det = config.models
    assert (clf.model, clf.repo_id, clf.model_dir, clf.endpoint) == (
        "clf",
        "alice/clf",
        "models/clf",
        "local",
    )
    assert (clf.card.license, clf.card.description) == ("mit", "the classifier")
    assert clf.configs == ("configs/shared.yaml",) and det.configs == ()
    assert det.card.description == "shared" and det.gate.min == {"accuracy": 0.5}
    assert clf.scheme == TagScheme("semver", "v", "clf")
    assert det.scheme == TagScheme("semver", "release-", "det")
    assert det.paths == ("models/det", "configs/det.yaml")
    assert config.each() == (clf, det) and config.model is None


def test_a_single_model_config_is_its_only_model() -> None:
    config = parse_config("repo_id: alice/Tool-Caller\nmodel_dir: model\n", PATH)
    assert config.models == () and config.each() == (config,)
    assert config.model is None and config.scheme == TagScheme()
    assert config.label == "tool-caller"
    named = parse_config("repo_id: alice/x\nmodel_dir: model\nname: churn\n", PATH)
    assert named.label == "churn" and named.scheme == TagScheme()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("name: det", "name: clf"), "14: models[1].name clf is models[0]'s too"),
        (
            ("repo_id: alice/det", "repo_id: Alice/CLF"),
            "15: models[1].repo_id Alice/CLF is models[0]'s too",
        ),
        (("name: det", "name: Det"), "14: models[1].name must be lowercase letters"),
        (("name: det", "name: -det"), "14: models[1].name must be lowercase letters"),
        (("name: det", "name: a/b"), "14: models[1].name must be lowercase letters"),
        (("    repo_id: alice/det\n", ""), "14: missing required key models[1].repo_id"),
        (("name: det", "nme: det"), "14: missing required key models[1].name"),
        (("tag_prefix: release-", "tag_prefix: 3"), "17: models[1].tag_prefix must be a string"),
        (("tag_prefix: release-", "colour: red"), "17: unknown key models[1].colour"),
        (
            ("card:\n      description: the", "card:\n      licence: the"),
            "13: unknown key models[0].card.licence",
        ),
        (("endpoint: local", "endpoint: ftp://x"), "1: endpoint must be 'local' or an http"),
    ],
)
def test_every_problem_names_file_line_and_key(edit: tuple[str, str], expected: str) -> None:
    assert edit[0] in TWO
    found = problems(TWO.replace(edit[0], edit[1], 1))
    assert any(f"{PATH}:{expected}" in p for p in found), found


def test_a_top_level_problem_is_said_once_not_once_per_model() -> None:
    found = problems(TWO.replace("endpoint: local", "endpoint: 7"))
    assert found == [f"{PATH}:1: endpoint must be a string, not an integer"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("models: []\n", "1: models must list at least one model"),
        ("models: clf\n", "1: models must be a list of models"),
        ("models:\n  - clf\n", "1: models[0] must be a mapping"),
        (
            "name: x\nmodels:\n  - {name: a, repo_id: a/a, model_dir: a}\n",
            "1: name is each model's own",
        ),
    ],
)
def test_a_wrong_models_list_is_named(text: str, expected: str) -> None:
    assert any(f"{PATH}:{expected}" in p for p in problems(text))


def test_parse_config_raises_the_first_problem_with_a_hint_of_more() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            TWO.replace("name: det", "name: clf").replace("tag_prefix: release-", "x: 1"), PATH
        )
    assert str(info.value).startswith(f"{PATH}:14: models[1].name clf is models[0]'s too")
    assert "(and more: `git hf validate` lists them all)" in str(info.value)


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(json_schema())
    return [e.message for e in validator.iter_errors(yaml.safe_load(text))]


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (TWO, True),
        (TWO.replace("    tag_prefix: release-\n", "    colour: red\n"), False),
        (TWO.replace("  - name: det\n", "  - repo_id: x/y\n    nme: det\n"), False),
        ("models: []\n", False),
        ("endpoint: local\n", False),  # neither repo_id and model_dir nor models
    ],
)
def test_the_schema_and_the_loader_agree_on_models(text: str, valid: bool) -> None:
    try:
        parse_config(text, PATH)
        loaded = True
    except ConfigError:
        loaded = False
    assert (loaded, schema_errors(text) == []) == (valid, valid)


# --- tags -----------------------------------------------------------------------------------

CLF = TagScheme.of("semver", None, "clf")


@pytest.mark.parametrize(
    ("tag", "hub"),
    [("clf@v1.2.0", "v1.2.0"), ("clf@v2.0.0-rc.1", "v2.0.0-rc.1")],
)
def test_a_model_s_tag_is_its_hub_tag_after_its_name(tag: str, hub: str) -> None:
    version = require_version(tag, CLF)
    assert (version.tag, version.hub_tag) == (tag, hub)
    assert CLF.hub_tag(tag) == hub and CLF.local_tag(hub) == tag
    assert version.line == f"v{version.semver.major}.{version.semver.minor}.x"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "tag",
    ["v1.2.0", "det@v1.2.0", "clf#prod#1", "clf#prod!#2", "clf@1.2.0", "clf@vx", "xclf@v1.0.0"],
)
def test_other_tags_are_not_a_model_s_versions(tag: str) -> None:
    assert parse_tag(tag, CLF) is None


def test_single_model_tags_are_unchanged() -> None:
    scheme = TagScheme()
    assert scheme.local_tag("v1.0.0") == "v1.0.0" and scheme.hub_tag("v1.0.0") == "v1.0.0"
    assert parse_tag("clf@v1.0.0", scheme) is None
    assert require_version("v1.0.0", scheme).hub_tag == "v1.0.0"


def test_bumps_and_globs_carry_the_model_name() -> None:
    assert next_version(require_version("clf@v1.2.0", CLF), "minor", CLF) == "clf@v1.3.0"
    assert next_version(None, "patch", CLF) == "clf@v0.0.1"
    stamp = TagScheme.of("timestamp", None, "clf")
    assert next_version(None, "patch", stamp).startswith("clf@v20")
    assert CLF.shell_globs() == ["clf@v[0-9]*.[0-9]*.[0-9]*"]
    assert "clf@v1.2.0" in CLF.describe()


@pytest.mark.parametrize(
    ("message", "scopes"),
    [
        ("feat(clf): x", {"clf"}),
        ("fix(clf, det)!: x\n\nbody", {"clf", "det"}),
        ("feat: x", set()),
        ("chore(clf) no colon", set()),
    ],
)
def test_conventional_scopes(message: str, scopes: set[str]) -> None:
    assert conventional_scopes(message) == scopes


@pytest.mark.parametrize(
    ("message", "changed", "counts"),
    [
        ("feat(clf): x", [], True),
        ("feat(det): x", ["README.md"], False),
        ("feat: x", ["models/clf/weights.bin"], True),
        ("feat: x", ["models/clf2/weights.bin"], False),
        ("fix: x", ["configs/clf.yaml"], True),
        ("fix: x", ["configs/clf.yaml.bak"], False),
    ],
)
def test_a_commit_counts_for_a_model_by_its_scope_or_its_files(
    message: str, changed: list[str], counts: bool
) -> None:
    paths = ("models/clf", "configs/clf.yaml")
    assert counts_for("clf", paths, message, changed) is counts


# --- versions naming their model -------------------------------------------------------------


def projects(text: str) -> list[Project]:
    config = parse_config(text, PATH)
    repo: Any = None  # version_of reads the configs only
    return [Project(repo, each) for each in config.each()]


def test_a_version_names_its_model() -> None:
    both = projects(TWO)
    project, hub = version_of(both, "det@release-1.0.0")
    assert (project.model, hub) == ("det", "release-1.0.0")
    assert project.local_tag(hub) == "det@release-1.0.0" and project.model_label == "det"
    single = projects("repo_id: alice/Churn\nmodel_dir: m\n")
    assert version_of(single, "v1.0.0")[1] == "v1.0.0"
    assert version_of(single, "churn@v1.0.0")[1] == "v1.0.0"  # GTO's spelling of the one model
    assert single[0].model is None and single[0].model_label == "churn"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("v1.0.0", "v1.0.0: this repository has several models: name one, e.g. clf@v1.0.0"),
        ("seg@v1.0.0", "seg@v1.0.0: unknown model 'seg': use one of clf, det"),
    ],
)
def test_a_version_without_a_known_model_is_one_line(text: str, said: str) -> None:
    with pytest.raises(UsageError) as info:
        version_of(projects(TWO), text)
    assert str(info.value).startswith(said) and "\n" not in str(info.value)
