"""`git hf serve`: run the embedded Hub in the foreground until interrupted."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click

from hfgit.server import HubServer


@click.command("serve")
@click.option(
    "--root",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding the repos and LFS objects (created if missing).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 = any free port.",
)
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="NAME",
    help="A user name (repeatable, paired with --token).",
)
@click.option(
    "--token",
    "tokens",
    multiple=True,
    metavar="TOKEN",
    help="The write token of the matching --user.",
)
@click.option("--verbose", "-v", is_flag=True, help="Log one line per request to stderr.")
def serve(
    root: Path, host: str, port: int, users: tuple[str, ...], tokens: tuple[str, ...], verbose: bool
) -> None:
    """Serve a Hugging Face Hub-compatible API over local bare git repos.

    \b
    Example:
      git hf serve --root ~/hub --user alice --token hf_alice
      HF_ENDPOINT=http://127.0.0.1:8765 HF_TOKEN=hf_alice HF_HUB_DISABLE_XET=1 python train.py
    """
    if len(users) != len(tokens):
        raise click.UsageError(
            "--user and --token must be given the same number of times, in pairs"
        )
    if verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(message)s", stream=sys.stderr)
    server = HubServer(root.expanduser(), dict(zip(users, tokens, strict=True)), host, port)
    server.bind()
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: reachable from other machines", err=True)
    if not users:
        click.echo("note: no --user/--token given: the hub is read-only", err=True)
    click.echo(server.url)
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _exit_quietly)
    server.serve_forever()


def _exit_quietly(signum: int, frame: object) -> None:
    """SIGTERM stops the server like Ctrl-C does, but as a normal exit."""
    raise SystemExit(0)
