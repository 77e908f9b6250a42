"""`--endpoint` and `--token` for the commands that talk to the Hub, and `git hf login`.

Both options are the user's choice, made outside the repository: a token held in the
environment may go to an `--endpoint` (see hfgit/hub/credentials.py), and a `--token` goes to
the endpoint the command uses. They reach the Hub adapter for this command only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import click

from hfgit.commands.output import say
from hfgit.constants import LOCAL_ENDPOINT
from hfgit.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def token_option(function: F) -> F:
    """Give a command `--token TOKEN`, sent to the endpoint the command uses."""
    return click.option(
        "--token",
        metavar="TOKEN",
        expose_value=False,
        callback=_choose_token,
        help="Hub token for this command, sent to its endpoint (HF_TOKEN or `git hf login` "
        "keep it out of the process list).",
    )(function)


def hub_options(function: F) -> F:
    """Give a command `--endpoint URL` and `--token TOKEN`."""
    with_token = token_option(function)
    return click.option(
        "--endpoint",
        metavar="URL",
        expose_value=False,
        callback=_choose_endpoint,
        help="Hub to use instead of .hfgit.yaml's endpoint ('local' for the embedded hub); "
        "your HF_TOKEN may be sent there.",
    )(with_token)


def _choose_endpoint(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from hfgit.hub import choose

        choose(endpoint=endpoint_url(value))


def _choose_token(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from hfgit.hub import choose

        choose(token=_token(value))


def endpoint_url(value: str) -> str:
    """An http(s) URL with a host, or `local`."""
    value = value.strip()
    if value == LOCAL_ENDPOINT:
        return value
    try:
        url = urlparse(value)
        host = url.hostname
    except ValueError:  # e.g. an unclosed [IPv6 address
        host = None
    if host is None or url.scheme not in ("http", "https"):
        raise click.BadParameter(f"{value!r} is not an http(s) URL or 'local'")
    return value.rstrip("/")


def _token(value: str) -> str:
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise click.BadParameter("a token is one word with no spaces")
    return value


@click.command()
@click.option(
    "--endpoint",
    metavar="URL",
    help="The Hub the token is for (default: $HF_ENDPOINT, `git config --global "
    "hfgit.endpoint`, else huggingface.co).",
)
@click.option(
    "--token",
    metavar="TOKEN",
    help="The token (default: read from stdin, or asked for without echo on a terminal).",
)
def login(endpoint: str | None, token: str | None) -> None:
    """Store a Hub token in git's credential store, for one endpoint.

    hfgit sends that token to that endpoint only, also when only a cloned repository's
    .hfgit.yaml names it (a token from HF_TOKEN or `hf auth login` never goes there). The
    token is checked with the Hub first, and never printed.

    \b
    Examples:
      git hf login --endpoint https://hub.example.com
      printf '%s' "$TOKEN" | git hf login --endpoint http://127.0.0.1:8765
    """
    from hfgit import hub

    url = endpoint_url(endpoint) if endpoint else None
    secret = _token(token) if token else _read_token(url or "the Hub")
    where, name = hub.login(url, secret)
    say(f"token for {name} stored in git's credential store for {where}")


def _read_token(where: str) -> str:
    if sys.stdin.isatty():
        entered = click.prompt(f"Token for {where}", hide_input=True, err=True)
    else:
        entered = sys.stdin.readline()
    if not entered.strip():
        raise UsageError("no token given: pass --token, or type or pipe it in")
    return _token(entered)
