"""Side endpoints the client calls on its own: README metadata check, agent registry."""

from __future__ import annotations

import yaml

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response, json_response


def validate_yaml(ctx: Context, request: Request) -> Response:
    """`{"errors": [], "warnings": []}`, or 400 when the front matter is not a YAML mapping."""
    content = request.json_object(ctx.limits.json_bytes).get("content")
    problem = front_matter_problem(content if isinstance(content, str) else "")
    if problem is None:
        return json_response({"errors": [], "warnings": []})
    return json_response(
        {"error": problem, "errors": [{"message": problem}], "warnings": []}, status=400
    )


def front_matter_problem(text: str) -> str | None:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration:
        return "The YAML front matter is not closed by a '---' line"
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as e:
        return f"The YAML front matter is invalid: {e}".replace("\n", " ")
    if data is not None and not isinstance(data, dict):
        return "The YAML front matter must be a mapping (key: value)"
    return None


def agent_harnesses(ctx: Context, request: Request) -> Response:
    return json_response({"standardEnvVars": [], "harnesses": {}})
