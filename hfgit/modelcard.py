"""The model card (README.md on the Hub): YAML front matter + a jinja2 template.

A repository may bring its own template; a cloned repo's template is untrusted, so every
template renders in jinja2's sandbox."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

from hfgit.config import CardConfig
from hfgit.errors import HfgitError
from hfgit.metadata import Provenance

DEFAULT_TASK = "text-generation"
# The transformers class that loads a model for each Hub task (AutoModel otherwise).
AUTO_CLASSES = {
    "text-generation": "AutoModelForCausalLM",
    "text-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "fill-mask": "AutoModelForMaskedLM",
    "text2text-generation": "AutoModelForSeq2SeqLM",
    "translation": "AutoModelForSeq2SeqLM",
    "summarization": "AutoModelForSeq2SeqLM",
}


@dataclass(frozen=True)
class VersionRow:
    version: str
    date: str
    commit: str
    metrics: dict[str, float]
    url: str

    @property
    def short_commit(self) -> str:
        return self.commit[:8] if self.commit else "?"

    def metrics_text(self, limit: int = 3) -> str:
        return ", ".join(f"{k} {_fmt(v)}" for k, v in list(self.metrics.items())[:limit]) or "-"


@dataclass(frozen=True)
class TrainerCard:
    """A README.md that training left in the model folder: its metadata block and its text."""

    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    problem: str | None = None  # why its metadata block was not used


def read_trainer_card(text: str) -> TrainerCard:
    """Split a README.md into its YAML front matter (if any) and its markdown body."""
    match = re.match(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*(\r?\n|\Z)", text, re.S | re.M)
    if match is None:
        return TrainerCard(body=text.strip())
    body = text[match.end() :].strip()
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        problem = f"its metadata block is not valid YAML ({str(e).splitlines()[0]})"
        return TrainerCard(body=body, problem=problem)
    if meta is None:
        return TrainerCard(body=body)
    if not isinstance(meta, dict):
        return TrainerCard(body=body, problem="its metadata block is not a mapping")
    return TrainerCard({str(k): v for k, v in meta.items()}, body)


@dataclass(frozen=True)
class CardInput:
    repo_id: str
    repo_url: str
    version: str
    provenance: Provenance
    card: CardConfig
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    base_model: str | None = None
    configs: tuple[str, ...] = ()
    versions: tuple[
        VersionRow, ...
    ] = ()  # every published version, this one included, highest first
    is_transformers: bool = False
    endpoint: str = "https://huggingface.co"
    trainer: TrainerCard = field(default_factory=TrainerCard)  # the model folder's README.md


def default_template() -> str:
    return (
        resources.files("hfgit").joinpath("templates/modelcard.md.j2").read_text(encoding="utf-8")
    )


def front_matter(data: CardInput) -> dict[str, Any]:
    """The card's metadata block, in the Hub's model card schema."""
    meta: dict[str, Any] = {}
    if data.card.license:
        meta["license"] = data.card.license
    if data.card.language:
        meta["language"] = list(data.card.language)
    meta["library_name"] = "transformers" if data.is_transformers else None
    meta["pipeline_tag"] = data.card.pipeline_tag
    meta["tags"] = ["hfgit", *data.card.tags]
    if data.card.datasets:
        meta["datasets"] = list(data.card.datasets)
    if data.base_model:
        meta["base_model"] = data.base_model
    if data.metrics:
        meta["model-index"] = [_model_index(data)]
    ours = {k: v for k, v in meta.items() if v is not None}
    # What the training run's README.md says fills in what hfgit does not set; tags add up.
    theirs = data.trainer.meta
    extra_tags = theirs.get("tags")
    if isinstance(extra_tags, list):
        ours["tags"] = list(dict.fromkeys([*ours["tags"], *map(str, extra_tags)]))
    return {**ours, **{k: v for k, v in theirs.items() if k not in ours and v is not None}}


def render(data: CardInput, template: str | None = None) -> str:
    """The card text. `template` (from the repository) replaces the packaged default."""
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        autoescape=False,
    )
    try:
        compiled = env.from_string(template if template is not None else default_template())
        text = compiled.render(**_context(data))
    except jinja2.TemplateError as e:
        lineno = getattr(e, "lineno", None)
        where = f" (line {lineno})" if lineno else ""
        raise HfgitError(f"the model card template failed{where}: {e}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as e:
        # an untrusted template can also fail in plain Python (1/0, range(10**9), deep recursion)
        raise HfgitError(f"the model card template failed: {type(e).__name__}: {e}") from None
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def _context(data: CardInput) -> dict[str, Any]:
    rows = [
        {
            "version": r.version,
            "date": r.date,
            "short_commit": r.short_commit,
            "metrics": r.metrics_text(),
            "url": r.url,
        }
        for r in data.versions
    ]
    return {
        "front_matter": yaml.safe_dump(front_matter(data), sort_keys=False, allow_unicode=True),
        "model_name": data.repo_id.split("/")[-1],
        "repo_id": data.repo_id,
        "repo_url": data.repo_url,
        "version": data.version,
        "description": data.card.description.strip(),
        "model_readme": data.trainer.body,
        "base_model": data.base_model,
        "base_model_url": f"{data.endpoint}/{data.base_model}" if data.base_model else "",
        "metrics": {k: _fmt(v) for k, v in data.metrics.items()},
        "params": {k: _param(v) for k, v in data.params.items()},
        "versions": rows,
        "provenance": {
            "commit": data.provenance.commit,
            "tag": data.provenance.tag,
            "branch": data.provenance.branch,
            "remote": data.provenance.remote,
        },
        "configs": list(data.configs),
        "sections": dict(data.card.sections),
        "authors": list(data.card.authors),
        "is_transformers": data.is_transformers,
        "auto_class": AUTO_CLASSES.get(data.card.pipeline_tag or DEFAULT_TASK, "AutoModel"),
    }


def _model_index(data: CardInput) -> dict[str, Any]:
    dataset = data.card.datasets[0] if data.card.datasets else "evaluation"
    task = data.card.pipeline_tag or DEFAULT_TASK
    return {
        "name": data.repo_id.split("/")[-1],
        "results": [
            {
                "task": {"type": task, "name": task.replace("-", " ").title()},
                "dataset": {"name": dataset, "type": dataset},
                "metrics": [
                    {"type": name.split("/")[-1], "name": name, "value": value}
                    for name, value in data.metrics.items()
                ],
            }
        ],
    }


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _param(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
