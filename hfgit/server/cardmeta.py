"""README.md metadata (its YAML front matter), checked as the Hub checks it on a commit.

Errors refuse the commit (and `/api/validate-yaml` answers them with a 400): front matter
that is not closed, not YAML, or not a mapping; and the well-known keys in the wrong shape,
worded the way the Hub words them (`"tags" must be an array`, `"model-index[0].results"
is required`, ...). A card without metadata is only warned about, as on the Hub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.misc import load_bounded
from hfgit.server.problems import bad_request

NO_METADATA = "empty or missing yaml metadata in repo card"
INVALID = "Invalid metadata in README.md."
STRINGS = (
    "library_name",
    "pipeline_tag",
    "license_name",
    "license_link",
    "thumbnail",
    "new_version",
)
STRING_OR_LIST = ("language", "datasets", "metrics", "base_model")
_MODEL_ID = re.compile(r"[\w.-]{1,96}(/[\w.-]{1,96})?", re.ASCII)


@dataclass
class CardCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_card(text: str, repo_type: str, max_bytes: int) -> CardCheck:
    """The errors and warnings of a README's metadata, for a `repo_type` repo."""
    found = CardCheck()
    block = _front_matter(text)
    if block is None:
        found.warnings.append(NO_METADATA)
        return found
    if isinstance(block, _Unclosed):
        found.errors.append("The YAML front matter is not closed by a '---' line")
        return found
    if len(block.encode("utf-8")) > max_bytes:
        found.errors.append(f"The YAML front matter is larger than {max_bytes} bytes")
        return found
    try:
        data = load_bounded(block)
    except ValueError as e:
        found.errors.append(f"The YAML front matter is invalid: {e}".replace("\n", " "))
        return found
    if data is None or data == {}:
        found.warnings.append(NO_METADATA)
        return found
    if not isinstance(data, dict):
        found.errors.append("The YAML front matter must be a mapping (key: value)")
        return found
    found.errors.extend(_key_errors(data, repo_type))
    return found


def validate_yaml(ctx: Context, request: Request) -> Response:
    """`POST /api/validate-yaml`: `{"errors": [...], "warnings": [...]}`, a 400 with errors."""
    body = request.json_object(ctx.limits.yaml_bytes)
    content, repo_type = body.get("content"), body.get("repoType") or "model"
    if not isinstance(content, str):
        raise bad_request("'content' must be the text of the README")
    found = check_card(content, str(repo_type), ctx.limits.yaml_bytes)
    answer = {
        "errors": [{"message": m} for m in found.errors],
        "warnings": [{"message": m} for m in found.warnings],
    }
    if not found.errors:
        return json_response(answer)
    first = found.errors[0].encode("ascii", "replace").decode()[:500]
    return json_response(
        {"error": INVALID, **answer}, status=400, headers={"X-Error-Message": first}
    )


class _Unclosed:
    pass


def _front_matter(text: str) -> str | _Unclosed | None:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    return _Unclosed() if end is None else "\n".join(lines[1:end])


def _key_errors(data: dict[Any, Any], repo_type: str) -> list[str]:
    errors = []
    if "tags" in data:
        errors += _string_list(data["tags"], "tags")
    license_ = data.get("license")
    if license_ is not None and not isinstance(license_, str):
        if repo_type == "model" or not isinstance(license_, list):
            errors.append('"license" must be a string')
        else:
            errors += _string_list(license_, "license")
    for key in STRINGS:
        if data.get(key) is not None and not isinstance(data[key], str):
            errors.append(f'"{key}" must be a string')
    for key in STRING_OR_LIST:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            errors += _string_list(value, key)
    errors += _base_model_errors(data.get("base_model"))
    if repo_type == "model" and "model-index" in data:
        errors += _model_index_errors(data["model-index"])
    return errors


def _string_list(value: object, name: str) -> list[str]:
    if not isinstance(value, list):
        return [f'"{name}" must be an array']
    return [
        f'"{name}[{i}]" must be a string'
        for i, item in enumerate(value)
        if not isinstance(item, str)
    ]


def _base_model_errors(value: object) -> list[str]:
    names = value if isinstance(value, list) else [value] if value is not None else []
    return [
        f'"base_model" with value "{name}" is not valid. Use a model id from https://hf.co/models.'
        for name in names
        if isinstance(name, str) and not _MODEL_ID.fullmatch(name)
    ]


def _model_index_errors(value: object) -> list[str]:
    """The shape the Hub requires of `model-index` (evaluation results)."""
    if not isinstance(value, list):
        return ['"model-index" must be an array']
    errors: list[str] = []
    for i, model in enumerate(value):
        where = f"model-index[{i}]"
        if not isinstance(model, dict):
            errors.append(f'"{where}" must be of type object')
            continue
        errors += _required(model, "name", str, where)
        results = model.get("results")
        errors += _required(model, "results", list, where)
        for j, result in enumerate(results if isinstance(results, list) else []):
            errors += _result_errors(result, f"{where}.results[{j}]")
    return errors


def _result_errors(result: object, where: str) -> list[str]:
    if not isinstance(result, dict):
        return [f'"{where}" must be of type object']
    errors = _required(result, "task", dict, where) + _required(result, "dataset", dict, where)
    task, dataset = result.get("task"), result.get("dataset")
    if isinstance(task, dict):
        errors += _required(task, "type", str, f"{where}.task")
    if isinstance(dataset, dict):
        errors += _required(dataset, "type", str, f"{where}.dataset")
        errors += _required(dataset, "name", str, f"{where}.dataset")
    metrics = result.get("metrics")
    errors += _required(result, "metrics", list, where)
    for k, metric in enumerate(metrics if isinstance(metrics, list) else []):
        spot = f"{where}.metrics[{k}]"
        if not isinstance(metric, dict):
            errors.append(f'"{spot}" must be of type object')
            continue
        errors += _required(metric, "type", str, spot)
        if "value" not in metric:
            errors.append(f'"{spot}.value" is required')
    return errors


_TYPE_WORDS: dict[type, str] = {str: "a string", list: "an array", dict: "of type object"}


def _required(parent: dict[Any, Any], key: str, kind: type, where: str) -> list[str]:
    if key not in parent or parent[key] is None:
        return [f'"{where}.{key}" is required']
    if not isinstance(parent[key], kind):
        return [f'"{where}.{key}" must be {_TYPE_WORDS[kind]}']
    return []
