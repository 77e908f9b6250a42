"""Side endpoints the client calls on its own: README metadata check, agent registry.

README front matter is untrusted YAML from anonymous callers: the body is capped, and the
YAML's parse events (counted in C, before any object is built) bound its nodes, nesting and
aliases, so that no document costs more than a small one.
"""

from __future__ import annotations

import yaml

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.problems import ApiError, bad_request

YAML_EVENTS = 20_000
YAML_DEPTH = 64
YAML_ALIASES = 16
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def validate_yaml(ctx: Context, request: Request) -> Response:
    """`{"errors": [], "warnings": []}`, or 400 when the front matter is not a YAML mapping."""
    content = request.json_object(ctx.limits.yaml_bytes).get("content")
    if not isinstance(content, str):
        raise bad_request("'content' must be the text of the README")
    problem = front_matter_problem(content)
    if problem is None:
        return json_response({"errors": [], "warnings": []})
    return json_response(
        {"error": problem, "errors": [{"message": problem}], "warnings": []},
        status=400,
        headers={"X-Error-Message": problem.encode("ascii", "replace").decode()[:500]},
    )


def front_matter_problem(text: str) -> str | None:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        return "The YAML front matter is not closed by a '---' line"
    try:
        data = load_bounded("\n".join(lines[1:end]))
    except ValueError as e:
        return f"The YAML front matter is invalid: {e}".replace("\n", " ")
    if data is not None and not isinstance(data, dict):
        return "The YAML front matter must be a mapping (key: value)"
    return None


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


XET_DISABLED = (
    "This hub does not speak Xet: set HF_HUB_DISABLE_XET=1 in the client's environment "
    "to upload and download over plain LFS"
)


def xet_token(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    """The Xet token endpoints: a Hub-shaped error telling the client to turn Xet off."""
    ctx.repo(request, kind, ns, name)
    raise ApiError(501, XET_DISABLED, code="XetDisabled")


def agent_harnesses(ctx: Context, request: Request) -> Response:
    return json_response({"standardEnvVars": [], "harnesses": {}})
