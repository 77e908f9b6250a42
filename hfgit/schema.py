"""The keys of hfgit's config files: one table per file, which the loader checks (hfgit/yamldoc.py),
the JSON Schema is generated from, and `git hf init` writes a commented file for.

`.hfgit.yaml` is closed: a key the table does not know is an error. The tutorial's config.yaml
and huggingface_config.yaml are open: they also hold the training project's own keys.

Several models in one repository: `.hfgit.yaml` lists them under `models:`, each entry a
mapping with a `name` and any of the top-level keys, which are its defaults (MODEL_KEYS)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hfgit import repoid
from hfgit.constants import METADATA_FILE
from hfgit.spec import Rule, Spec
from hfgit.versioning import BUMP_KINDS, TAG_FORMATS

REPO_TYPES = ("model", "dataset")
UPLOAD_ITEMS = ("model", "config", "results")
_URL = r"https?://(\[[0-9A-Fa-f:.]+\](:[0-9]+)?|[^\s/?#\[\]]+)(/\S*)?"


REPO_ID = Rule(repoid.PATTERN, "must be a Hub repo id (namespace/name)", repoid.describe)
MODEL_ID = Rule(
    repoid.MODEL_ID_PATTERN,
    "must be a Hub model id",
    lambda value: repoid.describe(value, namespace=False),
)
ENDPOINT = Rule(rf"^(local|{_URL})$", "must be 'local' or an http:// or https:// URL")
URL = Rule(rf"^{_URL}$", "must be an http:// or https:// URL")
# relative, not climbing out with '..', no backslashes or NUL (portable repo paths)
PATH = Rule(r"^(?!/)(?!(.*/)?\.\.(/|$))[^\\\x00]+$", "must name paths inside the repository")
TAG_PREFIX = Rule(
    r"^(?!.*\.\.)([A-Za-z0-9_][A-Za-z0-9._-]*)?$",
    "must be letters, digits, '.', '_' or '-' (it starts every version tag)",
)
# GTO's artifact names, without '/': they start every local tag of the model (`clf@v1.2.0`)
MODEL_NAME = Rule(
    r"^[a-z0-9][a-z0-9_-]*$",
    "must be lowercase letters, digits, '-' or '_', starting with a letter or digit",
)
BRANCH = Rule(
    r"^(?![-/])(?!.*(\.\.|@\{|//|/\.))(?!.*(\.lock|/|\.)$)[^\s~^:?*\[\\]+$",
    "must be a git branch name",
)


def _opt(rule: Rule | None = None, help: str = "") -> Spec:
    """An optional string."""
    return Spec((str, type(None)), None, rule=rule, help=help)


def _strings(help: str = "", rule: Rule | None = None) -> Spec:
    return Spec((list,), [], item_type=str, help=help, rule=rule)


SECTIONS: dict[str, dict[str, Spec]] = {
    "": {
        "repo_id": Spec((str,), required=True, rule=REPO_ID, help="Hub repository, namespace/name"),
        "model_dir": Spec((str,), required=True, rule=PATH, help="folder holding the model files"),
        "repo_type": Spec((str,), "model", REPO_TYPES, help="model or dataset"),
        "endpoint": _opt(
            ENDPOINT, "'local', a Hub URL, or empty for $HF_ENDPOINT / huggingface.co"
        ),
        "private": Spec((bool,), True, help="create the Hub repo private"),
        "configs": _strings("tracked config files uploaded under configs/", rule=PATH),
        "results": _opt(PATH, "eval results JSON (metrics)"),
        "params": _opt(PATH, "training parameters file (JSON or YAML)"),
        "base_model": _opt(MODEL_ID, "the Hub model this one was fine-tuned from"),
        "tag_pattern": Spec((str,), "semver", TAG_FORMATS, help="semver, timestamp or experiment"),
        "tag_prefix": _opt(TAG_PREFIX, "default 'v' (semver, timestamp) or 'exp-'"),
        "keep_until_published": Spec(
            (bool,),
            False,
            help="keep a read-only copy of the model folder per version (reflinked where the "
            "file system can) from `git hf record` or `git tag` until it is published, so "
            "retraining never changes a queued version",
        ),
    },
    "card": {
        "template": _opt(PATH, "jinja2 template in the repo (rendered sandboxed)"),
        "description": Spec((str,), "", help="one paragraph about the model"),
        "license": _opt(),
        "language": _strings(),
        "tags": _strings(),
        "datasets": _strings(),
        "authors": _strings(),
        "pipeline_tag": _opt(help="the Hub task, e.g. text-generation (the default)"),
        "sections": Spec((dict,), {}, item_type=str, help="extra sections: title -> markdown"),
    },
    "gate": {
        "min": Spec((dict,), {}, item_type=float, help="metric -> lowest allowed value"),
        "max": Spec((dict,), {}, item_type=float, help="metric -> highest allowed value"),
        "no_regression": _strings("metrics that may not get worse than the previous version"),
        "lower_is_better": _strings("metrics where smaller is better (loss, perplexity)"),
    },
    "hooks": {
        "auto_push": Spec(
            (bool,), True, help="publish version tags in the background when they are created"
        ),
        "auto_bump": Spec(
            (str, bool),
            "off",
            ("off", "conventional", False),
            help="off or conventional",
            what="off or conventional",
        ),
        "pre_push": Spec((str,), "advisory", ("advisory", "strict", "off")),
        "release_branch": Spec((str,), "main", rule=BRANCH),
    },
    "backup": {
        "enabled": Spec(
            (bool,), False, help="save a Hub revision locally before --force moves its tag"
        ),
        "local_backup_dir": Spec(
            (str,), "~/.cache/hfgit/backups", help="where backups go (~ is expanded)"
        ),
        "keep_backups": Spec(
            (int,), 5, minimum=1, help="backups kept per repository, oldest removed first"
        ),
    },
    "notify": {
        "webhook_url": _opt(URL),
        "timeout": Spec((int, float), 10, above=0, help="seconds to wait for the webhook"),
        "retries": Spec((int,), 3, minimum=0, help="attempts after the first one fails"),
    },
}
SECTION_KEYS: dict[str, Spec] = {
    f"{section}.{key}" if section else key: spec
    for section, specs in SECTIONS.items()
    for key, spec in specs.items()
}
MODEL_KEYS: dict[str, Spec] = {
    "name": _opt(
        MODEL_NAME,
        "the model's name: in a list of models, the start of its tags (name@v1.2.0); "
        "alone, the name stage tags use (default: the end of repo_id, lower-cased)",
    ),
    "models": Spec(
        (list,),
        [],  # each entry is checked by config.py, which names it by index (models[1])
        help="several models in this repository: each entry has a name and overrides any "
        "top-level key (repo_id, model_dir, configs, card, gate, tag_pattern...)",
        what="a list of models (mappings with name, repo_id, model_dir...)",
    ),
}
HFGIT_KEYS: dict[str, Spec] = {**SECTION_KEYS, **MODEL_KEYS}
# The top level of a file with `models:` (each model names its repo and folder, not the top)
SHARED_KEYS: dict[str, Spec] = {
    key: replace(spec, required=False) if spec.required else spec
    for key, spec in HFGIT_KEYS.items()
}
# One entry of `models:`, read over the top-level keys
ENTRY_KEYS: dict[str, Spec] = {
    **{key: spec for key, spec in SECTION_KEYS.items()},
    "name": replace(MODEL_KEYS["name"], required=True, help="the model's name (name@v1.2.0)"),
}

# The tutorial's files (open: only these keys are checked; null means "not set").
_BOOL, _STR, _INT = Spec((bool,)), Spec((str,)), Spec((int,), minimum=0)
_NUMBER_MAP = Spec((dict,), item_type=float)
_GATE = {
    "gate": Spec((dict,)),
    "gate.min": _NUMBER_MAP,
    "gate.max": _NUMBER_MAP,
    "gate.no_regression": _strings(),
    "gate.lower_is_better": _strings(),
}
TUTORIAL_MAIN: dict[str, Spec] = {
    "huggingface": Spec((dict,)),
    "huggingface.enabled": Spec((bool,), True),
    "huggingface.config_file": Spec((str,), rule=PATH),
    "huggingface.endpoint": Spec((str,), rule=ENDPOINT),
    "huggingface.repository.model_name": _STR,
    "huggingface.repository.private": _BOOL,
    "huggingface.repository.auto_create": _BOOL,
    "huggingface.upload_items": Spec((list,), list(UPLOAD_ITEMS), UPLOAD_ITEMS, item_type=str),
    "huggingface.versioning.auto_tag": Spec((bool,), True),
    "huggingface.versioning.tag_format": _STR,
    "huggingface.experiment_tracking.enabled": Spec((bool,), True),
    "huggingface.experiment_tracking.include_metrics": Spec((bool,), True),
    "output.log_dir": Spec((str,), "./logs"),
    **{f"huggingface.{key}": spec for key, spec in _GATE.items()},
}
TUTORIAL_DETAIL: dict[str, Spec] = {
    "endpoint": Spec((str,), rule=ENDPOINT),
    "user.username": _STR,
    "repository.model_repo_template": Spec((str,), "{username}/{model_name}"),
    "repository.config_repo_template": Spec((str,), "{username}/{model_name}-configs"),
    "repository.config_repo_type": Spec(
        (str,), "model", REPO_TYPES, help="Hub type of the configs repo: model or dataset"
    ),
    "settings.auto_create_repos": Spec((bool,), True),
    "settings.default_private": Spec((bool,), True),
    "settings.commit_message_template": Spec((str,), "Upload {item_type} for {experiment_name}"),
    "settings.upload.max_retries": Spec((int,), 3, minimum=0),
    "settings.upload.retry_delay": Spec((int, float), 5, minimum=0),
    "settings.download.cache_dir": _STR,
    "sync.backup_before_upload": Spec((bool,), False),
    "model_card.base_model": Spec((str,), rule=MODEL_ID),
    "model_card.description": Spec((str,), ""),
    "model_card.license": _STR,
    "model_card.language": Spec(
        (str, list), [], item_type=str, what="a language code or a list of them"
    ),
    "model_card.tags": _strings(),
    "model_card.datasets": Spec((list,), []),
    "model_card.authors": Spec((list,), []),
    "model_card.sections": Spec((dict,), {}),
    "versioning.semantic_versioning": _BOOL,
    "versioning.auto_increment": Spec((str,), "patch", BUMP_KINDS),
    "versioning.tag_prefix": Spec((str,), rule=TAG_PREFIX),
    "versioning.formats.timestamp": _STR,
    "versioning.formats.semantic": _STR,
    "experiment_tracking.metadata_file": Spec((str,), METADATA_FILE),
    "backup.enabled": Spec((bool,), False),
    "backup.local_backup_dir": Spec((str,), "./backups"),
    "backup.keep_backups": Spec((int,), 5, minimum=1),
    "notifications.enabled": Spec((bool,), False),
    "notifications.webhook_url": _STR,  # "" (the tutorial's) is "no webhook"
    "notifications.timeout": Spec((int, float), 10, above=0),
    "notifications.retries": Spec((int,), 3, minimum=0),
    **_GATE,
}


def json_schema() -> dict[str, Any]:
    """A JSON Schema for `.hfgit.yaml`, generated from the same table the loader checks."""
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    names |= {list: "array", dict: "object", type(None): "null"}

    def checks(spec: Spec, item: bool) -> dict[str, Any]:
        """The keywords that constrain a value (or, for a list, each of its entries)."""
        out: dict[str, Any] = {}
        if spec.choices is not None:
            out["enum"] = list(spec.choices)
        if spec.rule is not None:
            out["pattern"] = spec.rule.pattern
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.above is not None:
            out["exclusiveMinimum"] = spec.above
        if item and spec.item_type is not None:
            out["type"] = names[spec.item_type]
        return out

    def prop(spec: Spec) -> dict[str, Any]:
        kinds = sorted({names[t] for t in spec.types})
        out: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
        if spec.help:
            out["description"] = spec.help
        if list in spec.types:
            out["items"] = checks(spec, item=True)
        elif dict in spec.types:
            out["additionalProperties"] = checks(spec, item=True)
        else:
            out |= checks(spec, item=False)
        return {k: v for k, v in out.items() if v != {}}

    def obj(name: str, extra: dict[str, Spec] | None = None) -> dict[str, Any]:
        specs = {**SECTIONS[name], **(extra or {})}
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: prop(s) for k, s in specs.items()},
        }
        required = [k for k, s in specs.items() if s.required]
        if required:
            schema["required"] = required
        return schema

    def sections(schema: dict[str, Any]) -> dict[str, Any]:
        for name in SECTIONS:
            if name:
                schema["properties"][name] = obj(name)
        return schema

    entry = sections(obj("", {"name": ENTRY_KEYS["name"]}))
    entry.pop("required")
    entry["required"] = ["name"]
    root = sections(obj("", MODEL_KEYS))
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    root["title"] = "hfgit configuration (.hfgit.yaml)"
    root["properties"]["models"] = {
        "type": "array",
        "description": MODEL_KEYS["models"].help,
        "minItems": 1,
        "items": entry,
    }
    # one model: repo_id and model_dir at the top; several: in each entry of models
    root["anyOf"] = [{"required": root.pop("required")}, {"required": ["models"]}]
    return root
