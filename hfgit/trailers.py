"""The machine-readable `Key: value` lines at the end of a version's Hub commit description.

Publishing writes them (`render`); the catalog reads them back (`parse`), so the Hub's commit
listing alone tells which git commit, metrics, params and experiment each version came from,
without downloading a file per version. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

VERSION = "Hfgit-Version"
GIT_COMMIT = "Hfgit-Git-Commit"
METRICS = "Hfgit-Metrics"
PARAMS = "Hfgit-Params"
EXPERIMENT = "Hfgit-Experiment"
MODEL = "Hfgit-Model"  # one of several models in the git repository: its name
KEYS = (VERSION, GIT_COMMIT, METRICS, PARAMS, EXPERIMENT, MODEL)
# a stage's Hub branch: its head commit names the stage, the version it holds, the stage tag
STAGE = "Hfgit-Stage"
STAGE_VERSION = "Hfgit-Stage-Version"
STAGE_TAG = "Hfgit-Stage-Tag"
MAX_PARAMS = 12  # key params carried in the commit (all of them are in the metadata file)


@dataclass(frozen=True)
class Trailers:
    """What a version's Hub commit says about it; empty fields when a line is missing."""

    version: str | None = None
    git_commit: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)
    experiment: str | None = None
    model: str | None = None


def render(
    version: str,
    git_commit: str,
    metrics: Mapping[str, float],
    experiment: str | None,
    params: Mapping[str, object] | None = None,
    model: str | None = None,
) -> str:
    """The trailer lines for one version: scalar params only (at most MAX_PARAMS), the
    experiment name on one line, empty parts left out. `version` is the Hub tag; `model`, for
    one of several models, its name (its git tag is `model@version`)."""
    lines = [f"{VERSION}: {version}", f"{GIT_COMMIT}: {git_commit}"]
    if model:
        lines.append(f"{MODEL}: {model}")
    if metrics:
        lines.append(f"{METRICS}: {_compact(metrics)}")
    scalars = {k: v for k, v in (params or {}).items() if isinstance(v, (str, int, float, bool))}
    if scalars:
        lines.append(f"{PARAMS}: {_compact(dict(list(scalars.items())[:MAX_PARAMS]))}")
    if experiment:
        lines.append(f"{EXPERIMENT}: {' '.join(experiment.split())}")
    return "\n".join(lines)


def parse(message: str) -> Trailers:
    """The trailers of a commit message. Unknown keys and prose are ignored, later lines win,
    and a garbled JSON value reads as empty."""
    fields = _fields(message)
    return Trailers(
        version=fields.get(VERSION),
        git_commit=fields.get(GIT_COMMIT),
        metrics=_numbers(_json_object(fields.get(METRICS))),
        params=_json_object(fields.get(PARAMS)),
        experiment=fields.get(EXPERIMENT),
        model=fields.get(MODEL),
    )


def _fields(message: str) -> dict[str, str]:
    out = {}
    for line in message.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in KEYS:
            out[key.strip()] = value.strip()
    return out


def _json_object(text: str | None) -> dict[str, object]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _numbers(data: Mapping[str, object]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in data.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def _compact(data: Mapping[str, object]) -> str:
    return json.dumps(dict(data), sort_keys=True, separators=(",", ":"))
