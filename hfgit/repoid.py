"""Hub repo ids, checked by the rules of huggingface_hub's own `validate_repo_id`.

Written out here rather than imported: config loading runs on the hook path, which must not
import huggingface_hub. tests/unit/test_repoid.py checks a table of ids against the real
validator, so the two cannot drift apart unnoticed."""

from __future__ import annotations

import re

MAX_PART = 96
# A part: 1-96 ASCII letters, digits, '_', '-' or '.', not starting or ending with '-' or '.'.
_PART_RE = rf"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{{0,{MAX_PART - 2}}}[A-Za-z0-9_])?"
_PART = re.compile(_PART_RE)
# The same rules as one regular expression (read alike by Python and JSON Schema validators):
# hfgit's repo ids are namespace/name...
PATTERN = rf"^(?!.*(--|\.\.))(?!.*\.git$){_PART_RE}/{_PART_RE}$"
# ...and a model id (the card's base_model) may leave the namespace out.
MODEL_ID_PATTERN = rf"^(?!.*(--|\.\.))(?!.*\.git$)({_PART_RE}/)?{_PART_RE}$"


def library_problem(repo_id: str) -> str | None:
    """Why huggingface_hub's validate_repo_id refuses `repo_id` (None: it accepts it)."""
    parts = repo_id.split("/")
    if len(parts) > 2:
        return "has more than one '/': use namespace/name"
    if not all(_PART.fullmatch(part) for part in parts):
        return (
            f"may hold only ASCII letters, digits, '-', '_' and '.', at most {MAX_PART} per part, "
            "and may not start or end a part with '-' or '.'"
        )
    if "--" in repo_id or ".." in repo_id:
        return "may not contain '--' or '..'"
    if repo_id.endswith(".git"):
        return "may not end with '.git'"
    return None


def problem(repo_id: str, *, namespace: bool = True) -> str | None:
    """Why `repo_id` is not a repo id hfgit publishes to (None: it is one): the library's
    rules and, with `namespace`, the namespace/name form (hfgit never guesses the account)."""
    if namespace and "/" not in repo_id:
        return "needs a namespace: use namespace/name, e.g. alice/my-model"
    return library_problem(repo_id)


def describe(repo_id: str, *, namespace: bool = True) -> str | None:
    """`problem` as a phrase that names the id: "'a/b.git' is not a Hub repo id: ..."."""
    found = problem(repo_id, namespace=namespace)
    return None if found is None else f"{repo_id!r} is not a Hub repo id: it {found}"
