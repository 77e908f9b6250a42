"""Wrong `.hfgit.yaml` files through the real `git hf validate` (and `push`): exit 1, every
problem on its own line naming file, line and key, never a traceback."""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
from drivers import RepoDriver

from hfgit.config import parse_config
from hfgit.errors import ConfigError
from hfgit.yamldoc import MAX_VALUES

GOOD = "repo_id: alice/model\nmodel_dir: model\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)


@dataclass(frozen=True)
class Case:
    name: str
    text: str | bytes
    problems: tuple[tuple[int, str], ...]  # (line, what the line must name) per problem


CASES = [
    Case("unknown key", GOOD + "colour: red\n", ((3, "unknown key colour"),)),
    Case("unknown nested key", GOOD + "card:\n  licence: mit\n", ((4, "card.licence"),)),
    Case("wrong type", GOOD + "private: 'yes'\n", ((3, "private must be true or false"),)),
    Case("wrong nested type", GOOD + "hooks:\n  auto_push: 1\n", ((4, "hooks.auto_push"),)),
    Case("bad choice", GOOD + "tag_pattern: calver\n", ((3, "tag_pattern must be one of"),)),
    Case(
        "key given twice",
        GOOD + "private: true\nprivate: false\n",
        ((4, "private is given twice"),),
    ),
    Case(
        "not UTF-8",
        GOOD.encode() + b"card:\n  description: caf\xe9\n",
        ((4, "not UTF-8 text (byte 0xe9)"),),
    ),
    Case(
        "negative timeout",
        GOOD + "notify:\n  timeout: -5\n",
        ((4, "notify.timeout must be more than 0"),),
    ),
    Case(
        "negative retries",
        GOOD + "notify:\n  retries: -1\n",
        ((4, "notify.retries must be at least 0"),),
    ),
    Case("no backups kept", GOOD + "backup:\n  keep_backups: 0\n", ((4, "backup.keep_backups"),)),
    Case(
        "ftp endpoint",
        GOOD + "endpoint: ftp://hub.example.com\n",
        ((3, "endpoint must be 'local'"),),
    ),
    Case("ftp webhook", GOOD + "notify:\n  webhook_url: ftp://x/h\n", ((4, "notify.webhook_url"),)),
    Case(
        "repo id ending .git",
        "model_dir: model\nrepo_id: alice/x.git\n",
        ((2, "repo_id 'alice/x.git'"),),
    ),
    Case("repo id with --", "repo_id: --x/y\nmodel_dir: model\n", ((1, "repo_id '--x/y'"),)),
    Case(
        "repo id without namespace",
        "repo_id: model\nmodel_dir: model\n",
        ((1, "needs a namespace"),),
    ),
    Case(
        "absolute model_dir",
        "repo_id: a/b\nmodel_dir: /srv/model\n",
        ((2, "model_dir must name paths"),),
    ),
    Case("missing model_dir", "# hfgit\nrepo_id: a/b\n", ((2, "missing required key model_dir"),)),
    Case(
        "card template missing",
        GOOD + "card:\n  template: docs/card.md.j2\n",
        ((4, "card.template names docs/card.md.j2, which does not exist"),),
    ),
    Case(
        "config file missing", GOOD + "configs: [train.yaml]\n", ((3, "configs names train.yaml"),)
    ),
    Case(
        "nan gate", GOOD + "gate:\n  min: {acc: .nan}\n", ((4, "gate.min must be a finite number"),)
    ),
    Case(
        "every problem at once",
        "repo_id: alice/x.git\nmodel_dir: model\ncolour: red\nnotify:\n  timeout: -5\n"
        "  retries: 1\n  retries: 2\nendpoint: ftp://x\n",
        (
            (1, "repo_id"),
            (3, "colour"),
            (5, "notify.timeout must be more than 0"),
            (7, "notify.retries is given twice (first on line 6)"),
            (8, "endpoint"),
        ),
    ),
    Case("not YAML", "repo_id: a/b\nmodel_dir: [model\n", ((3, "not valid YAML"),)),
    Case("tab indentation", "repo_id: a/b\n\tmodel_dir: m\n", ((2, "not valid YAML"),)),
    Case("a list, not a mapping", "- a\n- b\n", ((1, "the file must be a mapping of keys"),)),
    Case("empty file", "# nothing\n", ((0, "the file is empty"),)),
    Case("two documents", GOOD + "---\n" + GOOD, ((3, "expected a single document"),)),
    Case("python tag", GOOD + "card: !!python/object:os.system x\n", ((3, "not valid YAML"),)),
    Case("control character", GOOD + "card:\n  description: a\x07b\n", ((4, "not valid YAML"),)),
    Case("bad !!int", GOOD + "notify:\n  retries: !!int many\n", ((0, "not valid YAML"),)),
    Case("billion laughs", GOOD + BOMB, ((6, f"aliases expand to more than {MAX_VALUES}"),)),
    Case("alias holding itself", GOOD + "card: &c {sections: *c}\n", ((3, "an alias refers to"),)),
    Case(
        "nested too deeply",
        GOOD + "card: " + "[" * 5000 + "]" * 5000 + "\n",
        ((0, "nested too deeply"),),
    ),
]


@pytest.fixture
def repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> RepoDriver:
    driver = RepoDriver(tmp_path / "project", None, capsys)
    driver.root.mkdir()
    driver.git("init", "-q", "-b", "main")
    monkeypatch.chdir(driver.root)
    return driver


def check_lines(err: str, case: Case) -> list[str]:
    """The problem lines of `err`, each checked to name the file, its line and the key."""
    assert "Traceback" not in err and "unexpected error" not in err, err
    lines = err.strip().splitlines()
    if len(case.problems) > 1:
        assert lines[-1].startswith("error: ") and f"{len(case.problems)} problems" in lines[-1]
        lines = lines[:-1]
    else:
        lines = [line.removeprefix("error: ") for line in lines]
    assert len(lines) == len(case.problems), err
    for line, (number, names) in zip(lines, case.problems, strict=True):
        where = ".hfgit.yaml:" + (f"{number}: " if number else "")
        assert where in line and names in line, line
    return lines


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_reports_every_problem_on_its_own_line(repo: RepoDriver, case: Case) -> None:
    repo.write(".hfgit.yaml", case.text)
    result = repo.hf("validate")
    assert result.code == 1
    assert result.out == ""
    check_lines(result.err, case)


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in CASES
        if c.name in {"not UTF-8", "key given twice", "every problem at once", "billion laughs"}
    ],
    ids=lambda c: c.name,
)
def test_push_refuses_a_broken_config_with_its_first_problem(repo: RepoDriver, case: Case) -> None:
    repo.write(".hfgit.yaml", case.text)
    result = repo.hf("push")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err
    number, names = case.problems[0]
    assert f".hfgit.yaml:{number}: " in lines[0] and names in lines[0]
    if len(case.problems) > 1:
        assert lines[0].endswith("(and more: `git hf validate` lists them all)")


def test_a_good_config_with_its_files_validates(repo: RepoDriver) -> None:
    repo.write("docs/card.md.j2", "# {{ repo_id }}\n")
    repo.write("train.yaml", "lr: 0.1\n")
    repo.write(".hfgit.yaml", GOOD + "configs: [train.yaml]\ncard:\n  template: docs/card.md.j2\n")
    result = repo.hf("validate")
    assert (result.code, result.out) == (0, "")
    assert ".hfgit.yaml: ok (alice/model, semver tags like v" in result.err


def test_validate_prints_the_packaged_json_schema(repo: RepoDriver) -> None:
    import json

    from hfgit.schema import json_schema

    result = repo.hf("validate", "--schema")
    assert result.code == 0 and json.loads(result.out) == json_schema()


def test_a_billion_laughs_fails_before_it_fills_memory() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="aliases expand to more than"):
            parse_config(GOOD + BOMB, Path(".hfgit.yaml"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024  # the expanded document would hold 10**9 strings
