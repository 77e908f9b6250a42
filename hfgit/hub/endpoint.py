"""Which Hub, with which token: `--endpoint`, the config's `endpoint`, $HF_ENDPOINT, the
user's `hfgit.endpoint` git config, huggingface.co, or `local` (the embedded hub, started
in-process over a per-user data dir). The token follows `credentials.py`."""

from __future__ import annotations

import contextlib
import os
import secrets
import zlib
from collections.abc import Iterator
from pathlib import Path

from hfgit.constants import DEFAULT_ENDPOINT, ENV_DATA_DIR, LOCAL_ENDPOINT
from hfgit.errors import ConfigError, HfgitError, HubUnreachableError, ServerError, UsageError
from hfgit.hub import library
from hfgit.hub.client import Hub
from hfgit.hub.credentials import (
    GIT_CONFIG_KEY,
    Access,
    chosen,
    grant_for,
    store_token,
    user_endpoints,
)
from hfgit.hub.retry import RetryPolicy
from hfgit.schema import ENDPOINT
from hfgit.secrets import register_secret

# Links to the local hub point where `git hf serve --root <local data dir>` listens by default.
LOCAL_DISPLAY = "http://127.0.0.1:8765"
LOCAL_PORTS = (20000, 30000)  # below Linux's ephemeral ports, above most services


def resolve_endpoint(configured: str | None, access: Access | None = None) -> str:
    """`--endpoint`, else the config's, else $HF_ENDPOINT, else the last `hfgit.endpoint` of
    the user's git config, else huggingface.co (`local` passes through)."""
    sources = [
        ("--endpoint", access.endpoint if access else None),
        ("the config's endpoint", configured),
        ("$HF_ENDPOINT", os.environ.get("HF_ENDPOINT")),
        (f"git config --global {GIT_CONFIG_KEY}", next(reversed(user_endpoints()), None)),
    ]
    source, endpoint = next(((s, e) for s, e in sources if e), ("", DEFAULT_ENDPOINT))
    if source and ENDPOINT.problem(source, endpoint):
        raise ConfigError(f"{source} must be 'local' or an http(s) URL, not {endpoint!r}")
    return endpoint if endpoint == LOCAL_ENDPOINT else endpoint.rstrip("/")


def local_data_dir() -> Path:
    """Where `endpoint: local` keeps its repositories (one store per user)."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]) / "hub"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hfgit" / "hub"


def local_port(data_dir: Path) -> int:
    """The port `endpoint: local` listens on when it is free: the same for every command
    over one data dir, so that the Xet client's shard cache (kept per CAS URL, which holds the
    port) lets a new version send only the chunks it changed."""
    return LOCAL_PORTS[0] + zlib.crc32(str(data_dir).encode()) % (LOCAL_PORTS[1] - LOCAL_PORTS[0])


@contextlib.contextmanager
def connect(
    endpoint: str | None,
    repo_id: str,
    repo_type: str = "model",
    access: Access | None = None,
    retry: RetryPolicy | None = None,
) -> Iterator[Hub]:
    """A Hub client for one repository; for `local`, the embedded hub runs for the duration.

    `access` is what the user chose outside the repository (default: this command's
    --endpoint/--token); `retry` how transient faults are retried (default: `RetryPolicy()`)."""
    access = access or chosen()
    resolved = resolve_endpoint(endpoint, access)
    if resolved != LOCAL_ENDPOINT:
        grant = grant_for(resolved, access)
        library.probe_xet(resolved, grant.token, repo_type, repo_id)  # asked before uploading
        yield Hub(resolved, grant.token, repo_id, repo_type, retry=retry, token_hint=grant.hint)
        return
    from hfgit.server import running_hub

    local_token = "hf_local" + secrets.token_hex(16)
    register_secret(local_token)
    namespace = repo_id.split("/", 1)[0]
    hub_cm: contextlib.AbstractContextManager[str] | None = None
    for port in (local_port(local_data_dir()), 0):  # the usual port, else any free one
        try:
            hub_cm = running_hub(local_data_dir(), users={namespace: local_token}, port=port)
            url = hub_cm.__enter__()
            break
        except ServerError as e:  # that port is taken
            if port == 0:
                raise HubUnreachableError(str(e)) from e
        except OSError as e:
            raise HubUnreachableError(
                f"cannot start the embedded hub in {local_data_dir()}: {e}"
            ) from e
    assert hub_cm is not None
    library.offer_xet(url)  # the embedded hub takes Xet uploads
    try:
        hub = Hub(url, local_token, repo_id, repo_type, display_endpoint=LOCAL_DISPLAY, retry=retry)
        hub.label = "the local hub"
        yield hub
    finally:
        hub_cm.__exit__(None, None, None)


def login(endpoint: str | None, token: str, retry: RetryPolicy | None = None) -> tuple[str, str]:
    """Check `token` with the Hub at `endpoint` (default: $HF_ENDPOINT, the user's
    `hfgit.endpoint`, huggingface.co; never a repository's config) and hand it to git's
    credential store for that host. Returns (endpoint, account name)."""
    resolved = resolve_endpoint(None, Access(endpoint=endpoint))
    if resolved == LOCAL_ENDPOINT:
        raise UsageError("the local hub needs no login: hfgit makes its token itself")
    name = Hub(resolved, token, "", retry=retry).whoami()
    if not store_token(resolved, token, name):
        raise HfgitError(
            "git kept no credential (no credential helper is configured): set one, e.g. "
            "`git config --global credential.helper store`, then log in again"
        )
    return resolved, name


def show_progress_bars(enabled: bool) -> None:
    """Upload/download progress bars (the client's own) on a TTY, unless disabled."""
    import sys

    library.show_progress_bars(enabled and sys.stderr.isatty())
