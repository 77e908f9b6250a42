"""The model card: golden files, front matter the Hub can read, and a sandboxed template.

Set HFGIT_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from hfgit.config import CardConfig
from hfgit.errors import HfgitError
from hfgit.metadata import Provenance
from hfgit.modelcard import CardInput, VersionRow, front_matter, render

GOLDEN = Path(__file__).parent / "golden"
SHA = "0123456789abcdef0123456789abcdef01234567"
OLD_SHA = "fedcba9876543210fedcba9876543210fedcba98"


def full_input() -> CardInput:
    return CardInput(
        repo_id="alice/sentiment",
        repo_url="https://hub.example/alice/sentiment",
        version="v1.2.0",
        provenance=Provenance(SHA, "v1.2.0", "main", "https://github.com/alice/sentiment"),
        card=CardConfig(
            description="  A DistilBERT classifier for review sentiment.\n",
            license="apache-2.0",
            language=("en", "fr"),
            tags=("text-classification", "sentiment"),
            datasets=("stanfordnlp/imdb", "yelp_polarity"),
            authors=("Alice",),
            sections={"Limitations": "English and French reviews only."},
        ),
        metrics={"accuracy": 0.9312, "eval/f1": 0.91, "loss": 0.25},
        params={"learning_rate": 2e-05, "epochs": 3, "long": "x" * 100},
        base_model="distilbert/distilbert-base-uncased",
        configs=("configs/train.yaml",),
        versions=(
            VersionRow(
                "v1.2.0",
                "2024-03-01",
                SHA,
                {"accuracy": 0.9312, "eval/f1": 0.91, "loss": 0.25, "extra": 1.0},
                "https://hub.example/alice/sentiment/tree/v1.2.0",
            ),
            VersionRow(
                "v1.1.0",
                "2024-02-01",
                OLD_SHA,
                {},
                "https://hub.example/alice/sentiment/tree/v1.1.0",
            ),
        ),
        is_transformers=True,
        endpoint="https://hub.example",
    )


def minimal_input() -> CardInput:
    return CardInput(
        repo_id="bob/tiny",
        repo_url="http://127.0.0.1:8765/bob/tiny",
        version="exp-baseline-001",
        provenance=Provenance(SHA, "exp-baseline-001", None, None),
        card=CardConfig(),
        versions=(VersionRow("exp-baseline-001", "2024-01-01", "", {}, "u"),),
    )


CASES = {"full": full_input, "minimal": minimal_input}


def split_card(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    meta, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(meta), body


@pytest.mark.parametrize("name", sorted(CASES))
def test_card_matches_its_golden_file(name):
    text = render(CASES[name]())
    golden = GOLDEN / f"card_{name}.md"
    if os.environ.get("HFGIT_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; if the change is intended: HFGIT_UPDATE_GOLDEN=1 pytest tests/unit"
    )


def test_front_matter_is_yaml_the_hub_reads():
    meta, _ = split_card(render(full_input()))
    assert meta["license"] == "apache-2.0"
    assert meta["language"] == ["en", "fr"]
    assert meta["library_name"] == "transformers"
    assert meta["tags"] == ["hfgit", "text-classification", "sentiment"]
    assert meta["datasets"] == ["stanfordnlp/imdb", "yelp_polarity"]
    assert meta["base_model"] == "distilbert/distilbert-base-uncased"
    (index,) = meta["model-index"]
    assert index["name"] == "sentiment"
    (result,) = index["results"]
    assert result["dataset"] == {"name": "stanfordnlp/imdb", "type": "stanfordnlp/imdb"}
    assert result["metrics"] == [
        {"type": "accuracy", "name": "accuracy", "value": 0.9312},
        {"type": "f1", "name": "eval/f1", "value": 0.91},
        {"type": "loss", "name": "loss", "value": 0.25},
    ]


def test_front_matter_leaves_out_what_is_not_known():
    meta, _ = split_card(render(minimal_input()))
    assert meta == {"tags": ["hfgit"]}


def test_front_matter_survives_yaml_special_characters():
    data = full_input()
    tricky = CardConfig(
        license="other: see LICENSE",
        language=("en",),
        tags=("a: b", "- c", "#d", "yes", "[x]"),
        datasets=("o/d",),
    )
    data = CardInput(**{**data.__dict__, "card": tricky, "base_model": "x/y: z"})
    meta, _ = split_card(render(data))
    assert meta["license"] == "other: see LICENSE"
    assert meta["tags"] == ["hfgit", "a: b", "- c", "#d", "yes", "[x]"]
    assert meta["base_model"] == "x/y: z"
    assert meta == front_matter(data)


def test_card_shows_how_to_load_this_exact_version_and_its_provenance():
    _, body = split_card(render(full_input()))
    assert 'snapshot_download("alice/sentiment", revision="v1.2.0")' in body
    assert 'AutoModelForCausalLM.from_pretrained("alice/sentiment", revision="v1.2.0")' in body
    assert f"git commit: `{SHA}`" in body
    assert "git remote: https://github.com/alice/sentiment" in body
    assert (
        "| [v1.1.0](https://hub.example/alice/sentiment/tree/v1.1.0) | 2024-02-01 | `fedcba98` | - |"
        in body
    )


def test_repository_template_replaces_the_default():
    text = render(full_input(), "{{ repo_id }}@{{ version }} {{ metrics.accuracy }}\n")
    assert text == "alice/sentiment@v1.2.0 0.9312\n"


UNSAFE_TEMPLATES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ provenance.__init__ }}",
    "{{ '{0.__class__}'.format(repo_id) }}",
    "{{ versions.__class__.__base__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__ }}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
]


@pytest.mark.parametrize("template", UNSAFE_TEMPLATES)
def test_template_cannot_reach_python_internals(template):
    with pytest.raises(HfgitError, match="the model card template failed"):
        render(full_input(), template)


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{{ nosuch }}", "'nosuch' is undefined"),
        ("line one\n{% for %}", "(line 2)"),
        ("{{ 1/0 }}", "ZeroDivisionError"),
        ("{{ range(10**9)|length }}", "Range too big"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "RecursionError"),
        ("{{ repo_id + 1 }}", "TypeError"),
    ],
)
def test_broken_template_is_a_clear_error(template, says):
    with pytest.raises(HfgitError) as info:
        render(full_input(), template)
    assert says in str(info.value)
    assert "\n" not in str(info.value).strip()


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_heading_and_code_block_stands_apart_from_the_text_before_it(name):
    _, body = split_card(render(CASES[name]()))
    lines = body.splitlines()
    starts, in_code = [], False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            if not in_code:
                starts.append(i)
            in_code = not in_code
        elif line.startswith("#") and not in_code:
            starts.append(i)
    assert len(starts) >= 5
    for i in starts:
        assert i == 0 or lines[i - 1] == "", f"no blank line before {lines[i]!r}"


def test_pipeline_tag_sets_the_hub_task_and_the_class_that_loads_the_model():
    from dataclasses import replace

    data = full_input()
    data = replace(
        data, card=replace(data.card, pipeline_tag="text-classification"), is_transformers=True
    )

    meta, body = split_card(render(data))

    assert meta["pipeline_tag"] == "text-classification"
    assert meta["model-index"][0]["results"][0]["task"]["type"] == "text-classification"
    assert "AutoModelForSequenceClassification.from_pretrained(" in body


TRAINER_README = """---
library_name: peft
license: mit
tags:
- generated_from_trainer
- hfgit
---

# tool-caller

This model is a fine-tuned version of Llama on the tool-calls dataset.

## Training procedure

Three epochs, LoRA r=16.
"""


def test_a_trainer_readme_keeps_its_text_and_fills_in_metadata_hfgit_does_not_set():
    from dataclasses import replace

    from hfgit.modelcard import read_trainer_card

    data = replace(full_input(), trainer=read_trainer_card(TRAINER_README))
    meta, body = split_card(render(data))
    assert "This model is a fine-tuned version of Llama" in body
    assert "## Training procedure\n\nThree epochs, LoRA r=16." in body
    assert "## Provenance" in body  # the generated part stays
    assert meta["license"] == "apache-2.0"  # hfgit's configured value wins
    assert meta["library_name"] == "transformers"
    assert meta["tags"].count("hfgit") == 1 and "generated_from_trainer" in meta["tags"]


def test_trainer_metadata_fills_keys_hfgit_leaves_out():
    from dataclasses import replace

    from hfgit.modelcard import read_trainer_card

    data = replace(minimal_input(), trainer=read_trainer_card(TRAINER_README))
    assert front_matter(data)["library_name"] == "peft"
    assert front_matter(data)["license"] == "mit"


@pytest.mark.parametrize(
    ("text", "body", "problem"),
    [
        ("just text\n", "just text", None),
        ("---\n---\nbody\n", "body", None),
        ("---\nkey: [unclosed\n---\nbody\n", "body", "not valid YAML"),
        ("---\n- a list\n---\nbody\n", "body", "not a mapping"),
        ("\ufeff---\nlicense: mit\n---\r\nbody\r\n", "body", None),
    ],
)
def test_read_trainer_card_splits_front_matter_and_says_what_it_could_not_use(text, body, problem):
    from hfgit.modelcard import read_trainer_card

    card = read_trainer_card(text)
    assert card.body == body
    assert (problem is None and card.problem is None) or (problem in (card.problem or ""))
