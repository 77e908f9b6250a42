"""The side endpoint the client calls on its own (agent registry), and the bounded
YAML loader README metadata is read with (`cardmeta`).

README front matter is untrusted YAML from anonymous callers: the YAML's parse events
(counted in C, before any object is built) bound its nodes, nesting and aliases, so that no
document costs more than a small one.
"""

from __future__ import annotations

import yaml

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response, json_response

YAML_EVENTS = 20_000
YAML_DEPTH = 64
YAML_ALIASES = 16
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def load_bounded(text: str) -> object:
    """`yaml.safe_load`, refusing (ValueError) documents with too many nodes, deep nesting or
    many aliases before building them."""
    try:
        _check_shape(text)
        return yaml.load(text, Loader=_LOADER)  # a safe loader: plain data only
    except (yaml.YAMLError, TypeError, OverflowError, RecursionError) as e:
        raise ValueError(str(e)) from None


def _check_shape(text: str) -> None:
    depth = aliases = 0
    for events, event in enumerate(yaml.parse(text, Loader=_LOADER), 1):
        if isinstance(event, _OPENS):
            depth += 1
        elif isinstance(event, _CLOSES):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
        if events > YAML_EVENTS:
            raise ValueError(f"more than {YAML_EVENTS} YAML nodes")
        if depth > YAML_DEPTH:
            raise ValueError(f"nested deeper than {YAML_DEPTH} levels")
        if aliases > YAML_ALIASES:
            raise ValueError(f"more than {YAML_ALIASES} aliases")


def agent_harnesses(ctx: Context, request: Request) -> Response:
    return json_response({"standardEnvVars": [], "harnesses": {}})
