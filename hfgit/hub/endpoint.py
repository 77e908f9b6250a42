"""Which Hub, with which token: config `endpoint`, $HF_ENDPOINT, huggingface.co, or `local`
(the embedded hub, started in-process over a per-user data dir)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from hfgit.constants import DEFAULT_ENDPOINT, ENV_DATA_DIR, LOCAL_ENDPOINT
from hfgit.errors import HubUnreachableError
from hfgit.hub.client import Hub, is_hf_endpoint
from hfgit.secrets import register_secret

# Links to the local hub point where `git hf serve --root <local data dir>` listens by default.
LOCAL_DISPLAY = "http://127.0.0.1:8765"


def resolve_endpoint(configured: str | None) -> str:
    """Config `endpoint`, else $HF_ENDPOINT, else huggingface.co (`local` passes through)."""
    endpoint = configured or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    return endpoint if endpoint == LOCAL_ENDPOINT else endpoint.rstrip("/")


def local_data_dir() -> Path:
    """Where `endpoint: local` keeps its repositories (one store per user)."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]) / "hub"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hfgit" / "hub"


def find_token(endpoint: str) -> str | None:
    """$HF_TOKEN, $HUGGINGFACE_TOKEN (older name), or the `hf auth login` store.

    The stored login belongs to huggingface.co (or to $HF_ENDPOINT): it is not sent to another
    endpoint, so a cloned repository's `.hfgit.yaml` cannot point it at a server of its choosing."""
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGINGFACE_TOKEN")
    if not token and (is_hf_endpoint(endpoint) or endpoint == resolve_endpoint(None)):
        from huggingface_hub import get_token

        token = get_token()
    register_secret(token)
    return token or None


@contextlib.contextmanager
def connect(
    endpoint: str | None, repo_id: str, repo_type: str = "model", token: str | None = None
) -> Iterator[Hub]:
    """A Hub client for one repository; for `local`, the embedded hub runs for the duration."""
    resolved = resolve_endpoint(endpoint)
    if resolved != LOCAL_ENDPOINT:
        yield Hub(
            resolved, token if token is not None else find_token(resolved), repo_id, repo_type
        )
        return
    from hfgit.server import running_hub

    local_token = "hf_local" + secrets.token_hex(16)
    register_secret(local_token)
    namespace = repo_id.split("/", 1)[0]
    try:
        hub_cm = running_hub(local_data_dir(), users={namespace: local_token})
        url = hub_cm.__enter__()
    except OSError as e:
        raise HubUnreachableError(
            f"cannot start the embedded hub in {local_data_dir()}: {e}"
        ) from e
    try:
        hub = Hub(url, local_token, repo_id, repo_type, display_endpoint=LOCAL_DISPLAY)
        hub.label = "the local hub"
        yield hub
    finally:
        hub_cm.__exit__(None, None, None)


def show_progress_bars(enabled: bool) -> None:
    """Upload/download progress bars (the client's own) on a TTY, unless disabled."""
    import sys

    from huggingface_hub.utils import disable_progress_bars, enable_progress_bars

    if enabled and sys.stderr.isatty():
        enable_progress_bars()
    else:
        disable_progress_bars()
