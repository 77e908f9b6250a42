""".hfgit.yaml: parsing, defaults, errors that name file:line and key, and the JSON Schema
(checked with the `jsonschema` validator against the same table the loader uses)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from hfgit.config import (
    BackupConfig,
    CardConfig,
    GateConfig,
    HooksConfig,
    NotifyConfig,
    check_config,
    load_config,
    parse_config,
    render_config,
    schema_text,
)
from hfgit.errors import ConfigError
from hfgit.schema import MODEL_KEYS, SECTIONS, json_schema
from hfgit.versioning import TagScheme

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILES = [REPO / "configs" / "hfgit.schema.json", REPO / "hfgit" / "hfgit.schema.json"]
EXAMPLE_FILE = REPO / "configs" / "hfgit.example.yaml"
PATH = Path("/work/repo/.hfgit.yaml")
MINIMAL = "repo_id: alice/model\nmodel_dir: model\n"


def parse(text: str):
    return parse_config(text, PATH)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return str(info.value)


# --- valid files -------------------------------------------------------------------------


def test_minimal_file_gets_every_default():
    config = parse(MINIMAL)
    assert (config.repo_id, config.model_dir) == ("alice/model", "model")
    assert config.repo_type == "model"
    assert config.endpoint is None
    assert config.private is True
    assert config.configs == ()
    assert config.results is None
    assert config.params is None
    assert config.base_model is None
    assert config.tag_pattern == "semver"
    assert config.scheme == TagScheme("semver", "v")
    assert config.card == CardConfig()
    assert config.gate == GateConfig()
    assert config.hooks == HooksConfig(auto_push=True, auto_bump="off", pre_push="advisory")
    assert config.notify == NotifyConfig()
    assert config.backup == BackupConfig()
    assert config.path == PATH


def test_every_key_is_read_into_the_dataclasses():
    config = parse(
        """\
repo_id: org/bert-ft
model_dir: out/model
repo_type: dataset
endpoint: http://127.0.0.1:8765
private: false
configs: [configs/train.yaml, configs/data.yaml]
results: eval/results.json
params: configs/train.yaml
base_model: google-bert/bert-base-uncased
tag_pattern: experiment
tag_prefix: run-
card:
  template: docs/card.md.j2
  description: A model.
  license: mit
  language: [en, fr]
  tags: [nlp]
  datasets: [imdb]
  authors: [Alice]
  sections: {Limitations: English only}
gate:
  min: {accuracy: 0.8}
  max: {loss: 1}
  no_regression: [accuracy]
  lower_is_better: [loss]
hooks:
  auto_push: false
  auto_bump: conventional
  pre_push: strict
  release_branch: release
backup:
  enabled: true
  local_backup_dir: /tmp/backups
  keep_backups: 2
notify:
  webhook_url: https://example.com/hook
  timeout: 2.5
  retries: 0
"""
    )
    assert config.repo_type == "dataset"
    assert config.endpoint == "http://127.0.0.1:8765"
    assert config.private is False
    assert config.configs == ("configs/train.yaml", "configs/data.yaml")
    assert (config.results, config.params) == ("eval/results.json", "configs/train.yaml")
    assert config.base_model == "google-bert/bert-base-uncased"
    assert config.scheme == TagScheme("experiment", "run-")
    assert config.card == CardConfig(
        template="docs/card.md.j2",
        description="A model.",
        license="mit",
        language=("en", "fr"),
        tags=("nlp",),
        datasets=("imdb",),
        authors=("Alice",),
        sections={"Limitations": "English only"},
    )
    assert config.gate == GateConfig(
        min={"accuracy": 0.8},
        max={"loss": 1},
        no_regression=("accuracy",),
        lower_is_better=("loss",),
    )
    assert config.hooks == HooksConfig(False, "conventional", "strict", "release")
    assert config.backup == BackupConfig(True, "/tmp/backups", 2)
    assert config.notify == NotifyConfig("https://example.com/hook", 2.5, 0)


@pytest.mark.parametrize("value", ["off", "false", "'off'"])
def test_auto_bump_off_in_any_spelling_is_off(value):
    # YAML 1.1 reads a bare `off` as false
    assert parse(MINIMAL + f"hooks:\n  auto_bump: {value}\n").hooks.auto_bump == "off"


def test_section_left_empty_is_refused_like_the_schema_does():
    assert error_of(MINIMAL + "card:\n") == f"{PATH}:3: card must be a mapping of keys, not null"
    assert schema_errors(MINIMAL + "card:\n") != []


def test_load_config_reads_the_file(tmp_path):
    path = tmp_path / ".hfgit.yaml"
    path.write_text(MINIMAL)
    assert load_config(path).path == path


def test_missing_file_says_to_run_init(tmp_path):
    with pytest.raises(ConfigError, match=r"no \.hfgit\.yaml in .*git hf init"):
        load_config(tmp_path / ".hfgit.yaml")


# --- errors ------------------------------------------------------------------------------

ERRORS = [
    # (id, file text, line, what the message must say)
    ("unknown key", MINIMAL + "colour: red\n", 3, "unknown key colour"),
    ("unknown nested key", MINIMAL + "card:\n  licence: mit\n", 4, "unknown key card.licence"),
    ("wrong type", MINIMAL + "private: 'yes'\n", 3, "private must be true or false, not a string"),
    (
        "wrong nested type",
        MINIMAL + "hooks:\n  auto_push: 1\n",
        4,
        "hooks.auto_push must be true or false, not an integer",
    ),
    (
        "bool for an integer",
        MINIMAL + "notify:\n  retries: true\n",
        4,
        "notify.retries must be an integer",
    ),
    (
        "bool for a number",
        MINIMAL + "notify:\n  timeout: false\n",
        4,
        "notify.timeout must be a number",
    ),
    (
        "list entry type",
        MINIMAL + "card:\n  tags: [nlp, 3]\n",
        4,
        "every entry of card.tags must be a string",
    ),
    (
        "map value type",
        MINIMAL + "gate:\n  min: {acc: high}\n",
        4,
        "every entry of gate.min must be a number",
    ),
    ("section not a mapping", MINIMAL + "gate: [acc]\n", 3, "gate must be a mapping"),
    (
        "bad choice",
        MINIMAL + "repo_type: space\n",
        3,
        "repo_type must be one of model, dataset, not 'space'",
    ),
    (
        "bad tag pattern",
        MINIMAL + "tag_pattern: calver\n",
        3,
        "tag_pattern must be one of semver, timestamp, experiment",
    ),
    (
        "bad nested choice",
        MINIMAL + "hooks:\n  pre_push: always\n",
        4,
        "hooks.pre_push must be one of advisory, strict, off",
    ),
    ("missing repo_id", "# config\nmodel_dir: model\n", 2, "missing required key repo_id"),
    ("missing model_dir", "repo_id: alice/model\n", 1, "missing required key model_dir"),
    ("invalid YAML", "repo_id: alice/model\nmodel_dir: [model\n", 3, "not valid YAML"),
    ("tab indentation", "repo_id: alice/model\n\tmodel_dir: m\n", 2, "not valid YAML"),
    (
        "repo_id without namespace",
        "model_dir: m\nrepo_id: model\n",
        2,
        "repo_id 'model' is not a Hub repo id",
    ),
    (
        "repo_id with ..",
        "model_dir: m\nrepo_id: alice/a..b\n",
        2,
        "repo_id 'alice/a..b' is not a Hub repo id",
    ),
    (
        "repo_id with a space",
        "model_dir: m\n\nrepo_id: alice/my model\n",
        3,
        "is not a Hub repo id",
    ),
    ("repo_id too deep", "repo_id: a/b/c\nmodel_dir: m\n", 1, "is not a Hub repo id"),
    (
        "absolute model_dir",
        "repo_id: a/b\nmodel_dir: /srv/model\n",
        2,
        "model_dir must name paths inside the repository",
    ),
    (
        "model_dir escaping",
        "repo_id: a/b\nmodel_dir: ../model\n",
        2,
        "model_dir must name paths inside the repository",
    ),
    (
        "config escaping",
        MINIMAL + "configs:\n  - ok.yaml\n  - ../../etc/passwd\n",
        3,
        "configs must name paths inside",
    ),
    ("results escaping", MINIMAL + "results: ../eval.json\n", 3, "results must name paths inside"),
    ("params absolute", MINIMAL + "params: /etc/train.yaml\n", 3, "params must name paths inside"),
    (
        "template escaping",
        MINIMAL + "card:\n  template: ../../t.j2\n",
        4,
        "card.template must name paths inside",
    ),
    (
        "windows path",
        MINIMAL + "results: eval\\results.json\n",
        3,
        "results must name paths inside",
    ),
    (
        "key given twice",
        MINIMAL + "private: true\nprivate: false\n",
        4,
        "private is given twice (first on line 3)",
    ),
    (
        "nested key given twice",
        MINIMAL + "card:\n  license: mit\n  license: apache-2.0\n",
        5,
        "card.license is given twice (first on line 4)",
    ),
    (
        "negative timeout",
        MINIMAL + "notify:\n  timeout: -5\n",
        4,
        "notify.timeout must be more than 0",
    ),
    ("zero timeout", MINIMAL + "notify:\n  timeout: 0\n", 4, "notify.timeout must be more than 0"),
    (
        "negative retries",
        MINIMAL + "notify:\n  retries: -1\n",
        4,
        "notify.retries must be at least 0",
    ),
    (
        "no backups kept",
        MINIMAL + "backup:\n  keep_backups: 0\n",
        4,
        "keep_backups must be at least 1",
    ),
    ("nan metric", MINIMAL + "gate:\n  min: {acc: .nan}\n", 4, "gate.min must be a finite number"),
    (
        "ftp endpoint",
        MINIMAL + "endpoint: ftp://hub.example.com\n",
        3,
        "endpoint must be 'local' or an http:// or https:// URL, not 'ftp://hub.example.com'",
    ),
    ("endpoint without host", MINIMAL + "endpoint: https://\n", 3, "endpoint must be 'local'"),
    (
        "webhook not a URL",
        MINIMAL + "notify:\n  webhook_url: hooks.example.com\n",
        4,
        "notify.webhook_url must be an http:// or https:// URL",
    ),
    (
        "repo_id ending .git",
        "model_dir: m\nrepo_id: alice/x.git\n",
        2,
        "repo_id 'alice/x.git' is not a Hub repo id: it may not end with '.git'",
    ),
    ("repo_id with --", "repo_id: alice/a--b\nmodel_dir: m\n", 1, "may not contain '--' or '..'"),
    ("repo_id starting -", "repo_id: alice/-x\nmodel_dir: m\n", 1, "may not start or end a part"),
    ("repo_id too long", f"repo_id: alice/{'a' * 97}\nmodel_dir: m\n", 1, "at most 96 per part"),
    ("repo_id not ASCII", "repo_id: alice/modèle\nmodel_dir: m\n", 1, "only ASCII letters"),
    (
        "base_model not a model id",
        MINIMAL + "base_model: ./checkpoints/base\n",
        3,
        "base_model './checkpoints/base' is not a Hub repo id",
    ),
    ("tag prefix with a space", MINIMAL + "tag_prefix: 'my v'\n", 3, "tag_prefix must be letters"),
    (
        "release branch not a branch",
        MINIMAL + "hooks:\n  release_branch: 'main..x'\n",
        4,
        "hooks.release_branch must be a git branch name",
    ),
    (
        "map key given twice",
        MINIMAL + "card:\n  sections: {A: x, A: y}\n",
        4,
        "card.sections.A is given twice",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "says"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_error_names_file_line_and_key(text, line, says):
    message = error_of(text)
    assert message.startswith(f"{PATH}:{line}: "), message
    assert says in message


def test_unknown_key_lists_the_known_ones():
    message = error_of(MINIMAL + "colour: red\n")
    assert "known:" in message
    assert "model_dir" in message and "card" in message


def test_empty_file_says_how_to_rewrite_it():
    assert "empty" in error_of("# nothing here\n")


def test_file_that_is_not_a_mapping_is_refused():
    assert error_of("- a\n- b\n").startswith(f"{PATH}:1: ")


def test_every_problem_is_found_in_line_order():
    text = "repo_id: alice/x.git\nmodel_dir: m\ncolour: red\nnotify:\n  timeout: -5\nprivate: 1\n"
    config, problems = check_config(text, PATH)
    assert config is None
    assert [p.split(": ", 1)[0] for p in problems] == [f"{PATH}:{n}" for n in (1, 3, 5, 6)]
    assert error_of(text) == problems[0] + " (and more: `git hf validate` lists them all)"


def test_a_merge_key_is_not_a_key_given_twice():
    text = MINIMAL + "notify:\n  <<: {timeout: 2, retries: 5}\n  retries: 1\n"
    assert parse(text).notify == NotifyConfig(None, 2, 1)


def test_files_the_config_names_must_exist_in_the_repository(tmp_path):
    text = MINIMAL + "configs: [configs/train.yaml]\ncard:\n  template: card.md.j2\n"
    _, problems = check_config(text, tmp_path / ".hfgit.yaml", root=tmp_path)
    assert problems == [
        f"{tmp_path / '.hfgit.yaml'}:3: configs names configs/train.yaml, which does not exist in {tmp_path}",
        f"{tmp_path / '.hfgit.yaml'}:5: card.template names card.md.j2, which does not exist in {tmp_path}",
    ]
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "train.yaml").write_text("lr: 1\n")
    (tmp_path / "card.md.j2").write_text("{{ card }}")
    assert check_config(text, tmp_path / ".hfgit.yaml", root=tmp_path)[1] == []
    assert parse(text).card.template == "card.md.j2"  # loading for push does not look at files


# --- JSON Schema, checked by jsonschema ---------------------------------------------------


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(json_schema())
    return [e.message for e in validator.iter_errors(yaml.safe_load(text))]


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_schema_has_one_property_per_key_and_section():
    schema = json_schema()
    top = {k for k in SECTIONS[""]} | {s for s in SECTIONS if s} | set(MODEL_KEYS)
    assert set(schema["properties"]) == top
    assert schema["anyOf"] == [{"required": ["repo_id", "model_dir"]}, {"required": ["models"]}]
    assert schema["additionalProperties"] is False
    for name, specs in SECTIONS.items():
        if not name:
            continue
        section = schema["properties"][name]
        assert set(section["properties"]) == set(specs)
        assert section["additionalProperties"] is False


def test_schema_types_and_choices_match_the_loader_table():
    schema = json_schema()
    python = {"string": str, "boolean": bool, "integer": int, "number": float}
    python |= {"array": list, "object": dict, "null": type(None)}
    for name, specs in SECTIONS.items():
        props = schema["properties"][name]["properties"] if name else schema["properties"]
        for key, spec in specs.items():
            kinds = props[key]["type"]
            kinds = [kinds] if isinstance(kinds, str) else kinds
            assert {python[k] for k in kinds} == set(spec.types), f"{name}.{key}"
            assert props[key].get("enum") == (list(spec.choices) if spec.choices else None)


AGREE = [
    (MINIMAL, True),
    (MINIMAL + "private: 'yes'\n", False),
    (MINIMAL + "colour: red\n", False),
    (MINIMAL + "card:\n  licence: mit\n", False),
    (MINIMAL + "repo_type: space\n", False),
    (MINIMAL + "card:\n  tags: [nlp, 3]\n", False),
    (MINIMAL + "gate:\n  min: {acc: high}\n", False),
    (MINIMAL + "notify:\n  retries: true\n", False),
    ("model_dir: m\n", False),
    (MINIMAL + "notify:\n  timeout: -5\n", False),
    (MINIMAL + "notify:\n  timeout: 0.5\n", True),
    (MINIMAL + "notify:\n  retries: -1\n", False),
    (MINIMAL + "backup:\n  keep_backups: 0\n", False),
    (MINIMAL + "endpoint: ftp://x\n", False),
    (MINIMAL + "endpoint: local\n", True),
    (MINIMAL + "endpoint: https://hub.example.com/sub\n", True),
    (MINIMAL + "notify:\n  webhook_url: http://127.0.0.1:9/h\n", True),
    ("repo_id: alice/x.git\nmodel_dir: m\n", False),
    ("repo_id: alice/a--b\nmodel_dir: m\n", False),
    ("repo_id: alice/a..b\nmodel_dir: m\n", False),
    ("repo_id: alice\nmodel_dir: m\n", False),
    ("repo_id: alice/_x_\nmodel_dir: m\n", True),
    ("repo_id: a/b\nmodel_dir: /abs\n", False),
    ("repo_id: a/b\nmodel_dir: out/../../x\n", False),
    ("repo_id: a/b\nmodel_dir: out/..x\n", True),
    (MINIMAL + "configs: [a.yaml, ../b.yaml]\n", False),
    (MINIMAL + "base_model: gpt2\n", True),
    (MINIMAL + "base_model: a/b/c\n", False),
    (MINIMAL + "tag_prefix: ''\n", True),
    (MINIMAL + "tag_prefix: release-\n", True),
    (MINIMAL + "tag_prefix: 'v 1'\n", False),
    (MINIMAL + "hooks:\n  release_branch: release/1.x\n", True),
    (MINIMAL + "hooks:\n  release_branch: 'a b'\n", False),
    (MINIMAL + "hooks:\n  auto_bump: off\n", True),
    (MINIMAL + "hooks:\n  auto_bump: true\n", False),
]


@pytest.mark.parametrize(("text", "valid"), AGREE)
def test_schema_and_loader_agree(text, valid):
    try:
        parse(text)
        loader_ok = True
    except ConfigError:
        loader_ok = False
    assert (schema_errors(text) == [], loader_ok) == (valid, valid)


@pytest.mark.parametrize("endpoint", ["local", "http://127.0.0.1:8765", None])
@pytest.mark.parametrize("private", [True, False])
def test_config_written_by_init_parses_and_validates(endpoint, private):
    text = render_config("alice/model", "model", endpoint, private)
    config = parse(text)
    assert (config.repo_id, config.model_dir, config.endpoint, config.private) == (
        "alice/model",
        "model",
        endpoint,
        private,
    )
    assert schema_errors(text) == []


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=["configs", "package"])
def test_committed_schema_files_are_the_generated_schema(path):
    generated = json.dumps(json_schema(), indent=2) + "\n"
    if os.environ.get("HFGIT_UPDATE_GOLDEN") == "1":
        path.write_text(generated)
    assert path.read_text() == generated, (
        f"{path.relative_to(REPO)} is stale: run HFGIT_UPDATE_GOLDEN=1 pytest tests/unit/test_config.py"
    )


def test_the_installed_package_ships_the_schema():
    assert json.loads(schema_text()) == json_schema()


def test_example_config_parses_validates_and_sets_every_key():
    text = EXAMPLE_FILE.read_text()
    parse_config(text, EXAMPLE_FILE)
    assert schema_errors(text) == []
    data = yaml.safe_load(text)
    for name, specs in SECTIONS.items():
        present = data if not name else data[name]
        assert set(specs) <= set(present), f"the example leaves out keys of {name or 'the top'}"
