"""The keys of `.hfgit.yaml`: one table that the loader checks, the JSON Schema is generated
from, and `git hf init` writes a commented file for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hfgit.versioning import TAG_FORMATS

REPO_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}")
REPO_TYPES = ("model", "dataset")


@dataclass(frozen=True)
class Spec:
    """One key of the schema: its type(s), default, allowed values and help text."""

    types: tuple[type, ...]
    default: Any = None
    choices: tuple[Any, ...] | None = None
    required: bool = False
    item_type: type | None = None  # for lists and string-keyed maps
    help: str = ""


SECTIONS: dict[str, dict[str, Spec]] = {
    "": {
        "repo_id": Spec((str,), required=True, help="Hub repository, namespace/name"),
        "model_dir": Spec((str,), required=True, help="folder holding the model files"),
        "repo_type": Spec((str,), "model", REPO_TYPES, help="model or dataset"),
        "endpoint": Spec(
            (str, type(None)),
            None,
            help="'local', a Hub URL, or empty for $HF_ENDPOINT / huggingface.co",
        ),
        "private": Spec((bool,), True, help="create the Hub repo private"),
        "configs": Spec(
            (list,), [], item_type=str, help="tracked config files uploaded under configs/"
        ),
        "results": Spec((str, type(None)), None, help="eval results JSON (metrics)"),
        "params": Spec((str, type(None)), None, help="training parameters file (JSON or YAML)"),
        "base_model": Spec((str, type(None)), None, help="the model this one was fine-tuned from"),
        "tag_pattern": Spec((str,), "semver", TAG_FORMATS, help="semver, timestamp or experiment"),
        "tag_prefix": Spec(
            (str, type(None)), None, help="default 'v' (semver, timestamp) or 'exp-'"
        ),
    },
    "card": {
        "template": Spec(
            (str, type(None)), None, help="jinja2 template in the repo (rendered sandboxed)"
        ),
        "description": Spec((str,), "", help="one paragraph about the model"),
        "license": Spec((str, type(None)), None),
        "language": Spec((list,), [], item_type=str),
        "tags": Spec((list,), [], item_type=str),
        "datasets": Spec((list,), [], item_type=str),
        "authors": Spec((list,), [], item_type=str),
        "pipeline_tag": Spec(
            (str, type(None)), None, help="the Hub task, e.g. text-generation (the default)"
        ),
        "sections": Spec((dict,), {}, item_type=str, help="extra sections: title -> markdown"),
    },
    "gate": {
        "min": Spec((dict,), {}, item_type=float, help="metric -> lowest allowed value"),
        "max": Spec((dict,), {}, item_type=float, help="metric -> highest allowed value"),
        "no_regression": Spec(
            (list,),
            [],
            item_type=str,
            help="metrics that may not get worse than the previous version",
        ),
        "lower_is_better": Spec(
            (list,), [], item_type=str, help="metrics where smaller is better (loss, perplexity)"
        ),
    },
    "hooks": {
        "auto_push": Spec(
            (bool,), True, help="publish version tags in the background when they are created"
        ),
        "auto_bump": Spec(
            (str, bool), "off", ("off", "conventional", False), help="off or conventional"
        ),
        "pre_push": Spec((str,), "advisory", ("advisory", "strict", "off")),
        "release_branch": Spec((str,), "main"),
    },
    "backup": {
        "enabled": Spec(
            (bool,), False, help="save a Hub revision locally before --force moves its tag"
        ),
        "local_backup_dir": Spec(
            (str,), "~/.cache/hfgit/backups", help="where backups go (~ is expanded)"
        ),
        "keep_backups": Spec((int,), 5, help="backups kept per repository, oldest removed first"),
    },
    "notify": {
        "webhook_url": Spec((str, type(None)), None),
        "timeout": Spec((int, float), 10),
        "retries": Spec((int,), 3),
    },
}


def json_schema() -> dict[str, Any]:
    """A JSON Schema for `.hfgit.yaml`, generated from the same table the loader checks."""
    names = {
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
        list: "array",
        dict: "object",
        type(None): "null",
    }

    def prop(spec: Spec) -> dict[str, Any]:
        kinds = sorted({names[t] for t in spec.types})
        out: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
        if spec.help:
            out["description"] = spec.help
        if spec.choices is not None:
            out["enum"] = list(spec.choices)
        if spec.item_type is not None:
            item = {"type": names[spec.item_type]}
            out["items" if list in spec.types else "additionalProperties"] = item
        return out

    def obj(name: str) -> dict[str, Any]:
        specs = SECTIONS[name]
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: prop(s) for k, s in specs.items()},
        }
        required = [k for k, s in specs.items() if s.required]
        if required:
            schema["required"] = required
        return schema

    root = obj("")
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    root["title"] = "hfgit configuration (.hfgit.yaml)"
    for name in SECTIONS:
        if name:
            root["properties"][name] = obj(name)
    return root


def render_config(repo_id: str, model_dir: str, endpoint: str | None, private: bool) -> str:
    """The commented `.hfgit.yaml` that `git hf init` writes."""
    endpoint_line = f"endpoint: {endpoint}" if endpoint else "# endpoint: local"
    return f"""\
# hfgit: a git tag is a model version; `git hf push` publishes it to the Hub.
# Reference: `git hf validate` checks this file; configs/hfgit.schema.json describes every key.

repo_id: {repo_id}          # Hub repository (namespace/name)
model_dir: {model_dir}             # folder published at the repo root (weights, config.json, tokenizer...)
private: {str(private).lower()}               # new Hub repos are private unless false
# 'local' = the embedded hub (offline, no account); a URL = any Hub; empty = $HF_ENDPOINT or huggingface.co
{endpoint_line}

# Files tracked in git that travel with each version under configs/ (as they are in the tagged commit).
configs: []
# Eval results (a JSON object of metric -> number) shown in the card and `git hf log`.
# results: eval/results.json
# Training parameters (JSON or YAML) recorded in experiment_metadata.json.
# params: configs/train.yaml
# base_model: meta-llama/Llama-3.1-8B-Instruct

tag_pattern: semver             # semver (v1.2.0) | timestamp (v20240101-120000) | experiment (exp-baseline-001)

card:
  description: ""
  license: apache-2.0
  language: [en]
  tags: []
  datasets: []

# gate:                          # refuse to publish when eval metrics miss these
#   min: {{accuracy: 0.8}}
#   no_regression: [accuracy]

hooks:
  auto_push: true               # publish version tags in the background when `git tag` creates them
  auto_bump: off                # conventional: feat/fix commits on release_branch create the next tag
  pre_push: advisory            # strict: block `git push` of a version tag whose Hub publish failed
  release_branch: main

# notify:
#   webhook_url: https://example.com/hooks/models
"""
