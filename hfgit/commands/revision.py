"""A version given as the VERSION argument or, as `hf download` spells it, `--revision`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from hfgit.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def revision_option(function: F) -> F:
    """Give a command `--revision VERSION`, the `hf` CLI's name for its VERSION argument."""
    return click.option(
        "--revision",
        metavar="VERSION",
        help="The version, as `hf download --revision` names it (instead of the argument).",
    )(function)


def one_version(argument: str | None, revision: str | None) -> str | None:
    """The version named by the argument or --revision (the same one when both are given)."""
    if argument and revision and argument != revision:
        raise UsageError(f"VERSION {argument} and --revision {revision} differ: give one of them")
    return argument or revision
