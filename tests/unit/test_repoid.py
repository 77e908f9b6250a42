"""hfgit's repo-id rules agree with huggingface_hub's own validate_repo_id, id by id."""

from __future__ import annotations

import re

import pytest
from huggingface_hub.utils import HFValidationError, validate_repo_id

from hfgit import repoid

IDS = [
    "alice/model",
    "gpt2",
    "Foo-BAR_foo.bar123",
    "alice/x.git",
    "x.git",
    "alice/x.gitx",
    "alice/x.Git",
    "--x",
    "alice/--x",
    "alice/a--b",
    "a..b",
    "alice/a..b",
    "alice/a.b.c",
    ".repo",
    "alice/.x",
    "alice/x.",
    "alice/x-",
    "-alice/x",
    "_alice/_x_",
    "alice/" + "a" * 96,
    "alice/" + "a" * 97,
    "a" * 96 + "/" + "b" * 96,
    "a" * 97 + "/b",
    "datasets/foo/bar",
    "a/b/c",
    "/model",
    "alice/",
    "alice//x",
    "",
    "alice/my model",
    "alice/modèle",
    "文件夹",
    "alice/x\n",
    "alice/x@main",
    "alice/x:y",
    "alice/a.-b",
    "alice/a-.b",
    "1/2",
]


def library_accepts(repo_id: str) -> bool:
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        return False
    return True


@pytest.mark.parametrize("repo_id", IDS)
def test_library_rules_agree_with_huggingface_hub(repo_id: str) -> None:
    assert (repoid.library_problem(repo_id) is None) == library_accepts(repo_id)


def test_the_table_holds_ids_each_side_accepts_and_refuses() -> None:
    verdicts = {library_accepts(i) for i in IDS}
    assert verdicts == {True, False}


@pytest.mark.parametrize("repo_id", IDS)
def test_hfgit_accepts_the_namespaced_ids_the_library_accepts(repo_id: str) -> None:
    ok = repoid.problem(repo_id) is None
    assert ok == (library_accepts(repo_id) and "/" in repo_id)
    assert ok == bool(re.fullmatch(repoid.PATTERN, repo_id))  # so does the JSON Schema's pattern


@pytest.mark.parametrize("repo_id", IDS)
def test_a_model_id_may_leave_out_the_namespace(repo_id: str) -> None:
    ok = repoid.problem(repo_id, namespace=False) is None
    assert ok == library_accepts(repo_id)
    assert ok == bool(re.fullmatch(repoid.MODEL_ID_PATTERN, repo_id))


@pytest.mark.parametrize(
    ("repo_id", "says"),
    [
        ("model", "needs a namespace"),
        ("alice/x.git", "may not end with '.git'"),
        ("alice/a--b", "may not contain '--' or '..'"),
        ("a/b/c", "has more than one '/'"),
        ("alice/" + "a" * 97, "at most 96 per part"),
        ("alice/modèle", "only ASCII letters"),
    ],
)
def test_the_message_names_the_id_and_the_rule_it_breaks(repo_id: str, says: str) -> None:
    message = repoid.describe(repo_id)
    assert message is not None
    assert message.startswith(f"{repo_id!r} is not a Hub repo id: it ")
    assert says in message
