"""`git hf serve`: run the embedded Hub in the foreground until interrupted."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from hfgit.errors import ServerError
from hfgit.server import ConnectionLimits, HubServer
from hfgit.server.auth import UserTable, read_users_file
from hfgit.server.collector import collect, collect_in_background
from hfgit.server.storage import Storage

USER_ENV, TOKEN_ENV = "HFGIT_SERVE_USER", "HFGIT_SERVE_TOKEN"


@click.command("serve")
@click.option(
    "--root",
    required=True,
    type=click.Path(path_type=Path),
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
    "--public-url",
    metavar="URL",
    help="Base URL clients use (e.g. behind a TLS proxy); URLs the hub hands out start with "
    "it. Default: the address it listens on.",
)
@click.option(
    "--trust-proxy",
    is_flag=True,
    help="Take scheme and host from X-Forwarded-Proto/-Host (only behind your own proxy).",
)
@click.option(
    "--max-connections",
    default=64,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Clients served at once; the excess get 503.",
)
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Lines 'user token' or 'user sha256:<hex of token>' (add 'read' for read-only).",
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
    help=f"The write token of the matching --user (visible in ps: prefer --users-file or "
    f"{USER_ENV}/{TOKEN_ENV}).",
)
@click.option(
    "--gc",
    "collect_only",
    is_flag=True,
    help="Remove LFS objects no repo uses (e.g. of deleted repos) and temp files of killed "
    "uploads, say how many, and exit. Safe while a hub serves the same --root.",
)
@click.option("--verbose", "-v", is_flag=True, help="Log one line per request to stderr.")
def serve(
    root: Path,
    host: str,
    port: int,
    public_url: str | None,
    trust_proxy: bool,
    max_connections: int,
    users_file: Path | None,
    users: tuple[str, ...],
    tokens: tuple[str, ...],
    collect_only: bool,
    verbose: bool,
) -> None:
    """Serve a Hugging Face Hub-compatible API over local bare git repos.

    \b
    Example:
      HFGIT_SERVE_USER=alice HFGIT_SERVE_TOKEN=hf_alice git hf serve --root ~/hub
      HF_ENDPOINT=http://127.0.0.1:8765 HF_TOKEN=hf_alice python train.py

    Uploads go over Xet (chunk-level deduplication) or LFS, as the client chooses.
    """
    if collect_only:
        click.echo(_collect(root.expanduser()))
        return
    table = _user_table(users_file, users, tokens)
    if verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(message)s", stream=sys.stderr)
    server = HubServer(
        root.expanduser(),
        table.writers,
        host,
        port,
        read_tokens=table.readers,
        connections=ConnectionLimits(max_connections=max_connections),
        public_url=public_url,
        trust_proxy=trust_proxy,
    )
    server.bind()
    threading.Thread(  # the sweep at start: unreferenced objects, temp files of dead uploads
        target=collect_in_background, args=(server.context.storage,), daemon=True
    ).start()
    for line in _warnings(host, server, users_file, tokens):
        click.echo(f"warning: {line}", err=True)
    if not (table.writers or table.readers):
        click.echo("note: no users (--users-file, --user/--token): the hub is read-only", err=True)
    click.echo(server.base_url)
    click.echo(
        f"serving {root} on {server.url}; clients need HF_ENDPOINT={server.base_url}",
        err=True,
    )
    click.echo(f"web pages: {server.base_url}/", err=True)
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _exit_quietly)
    server.serve_forever()


def _collect(root: Path) -> str:
    if not (root / "repos").is_dir():
        raise ServerError(f"no hub at {root} (it has no repos folder): nothing to collect")
    try:
        return collect(Storage(root, sweep_temps=False)).summary()
    except OSError as e:
        raise ServerError(f"cannot collect in {root}: {e.strerror or e}") from None


def _user_table(
    users_file: Path | None, users: tuple[str, ...], tokens: tuple[str, ...]
) -> UserTable:
    if len(users) != len(tokens):
        raise click.UsageError(
            "--user and --token must be given the same number of times, in pairs"
        )
    table = UserTable()
    if users_file is not None:
        read_users_file(users_file, table)
    env_user, env_token = os.environ.get(USER_ENV), os.environ.get(TOKEN_ENV)
    if bool(env_user) != bool(env_token):
        raise ServerError(f"set both {USER_ENV} and {TOKEN_ENV}, or neither")
    if env_user and env_token:
        table.add(env_user, env_token, where=USER_ENV)
    for name, token in zip(users, tokens, strict=True):
        table.add(name, token, where="--user")
    return table


def _warnings(
    host: str, server: HubServer, users_file: Path | None, tokens: tuple[str, ...]
) -> list[str]:
    found = []
    if tokens:
        found.append(
            f"--token is visible to every local user (ps); use --users-file or {USER_ENV}/{TOKEN_ENV}"
        )
    if users_file is not None and users_file.stat().st_mode & 0o077:
        found.append(f"{users_file} is readable by other users; chmod 600 it")
    address = _address(host)
    if host != "localhost" and not (address and address.is_loopback):
        if not server.base_url.startswith("https://"):
            found.append(
                f"listening on {host} over plain HTTP: tokens cross the network unencrypted; "
                "put a TLS proxy in front and pass --public-url https://..."
            )
        if address and address.is_unspecified and server.public_url is None:
            found.append(
                f"URLs handed out name {server.url}; pass --public-url with the URL clients use"
            )
    return found


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _exit_quietly(signum: int, frame: object) -> None:
    """SIGTERM stops the server like Ctrl-C does, but as a normal exit."""
    raise SystemExit(0)
