"""Which token goes to which Hub.

A token the user holds for the Hub ($HF_TOKEN, $HUGGINGFACE_TOKEN, $HUGGING_FACE_HUB_TOKEN, or
the `hf auth login` store) is sent only to an endpoint the user chose outside the repository:
huggingface.co (https), $HF_ENDPOINT, `--endpoint` on the command line, or a value of
`hfgit.endpoint` in the user's own git config (`git config --global hfgit.endpoint URL`;
several with `--add`). A cloned repository's `.hfgit.yaml` is written by someone else: an
endpoint that only it names gets a token only from git's credential store for that host
(`git hf login --endpoint URL` puts one there), else none, with one line saying how to
provide one. `--token` is the user's choice for one command and goes to the endpoint that
command uses.

Tokens are registered as secrets (redacted from all output) and never printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from hfgit.constants import TOKEN_ENV_VARS
from hfgit.hub.library import is_hf_endpoint
from hfgit.secrets import register_secret

GIT_CONFIG_KEY = "hfgit.endpoint"
CREDENTIAL_TIMEOUT = 5.0  # seconds for `git credential` (helpers may talk to a keychain)


@dataclass(frozen=True)
class Access:
    """What the user chose for this command, outside the repository."""

    endpoint: str | None = None  # --endpoint
    token: str | None = None  # --token


@dataclass(frozen=True)
class Grant:
    """The token to send to one endpoint (None: send none), and how to provide one."""

    token: str | None
    hint: str


_chosen: ContextVar[Access | None] = ContextVar("hfgit_access", default=None)
_noted: set[str] = set()


def choose(endpoint: str | None = None, token: str | None = None) -> None:
    """Record the command line's --endpoint / --token for the command being run."""
    current = chosen()
    register_secret(token)
    _chosen.set(Access(endpoint or current.endpoint, token or current.token))


def chosen() -> Access:
    return _chosen.get() or Access()


def user_endpoints() -> list[str]:
    """`hfgit.endpoint` values of the user's global git config, in order."""
    return list(_git_settings().endpoints)


@dataclass(frozen=True)
class _GitSettings:
    endpoints: tuple[str, ...]  # hfgit.endpoint of the global config
    helpers: bool  # some credential helper may be configured


_settings: ContextVar[tuple[tuple[object, ...], _GitSettings] | None] = ContextVar(
    "hfgit_git_settings", default=None
)


def _git_settings() -> _GitSettings:
    """The user's endpoints and whether any credential helper is configured: one `git config`
    for both, asked once per command (each `git hf` command runs in a context of its own)
    and again whenever the folder, git's environment or the global config file changed."""
    key = _settings_key()
    known = _settings.get()
    if known is not None and known[0] == key:
        return known[1]
    answer = _ask_git_settings()
    _settings.set((key, answer))
    return answer


def _ask_git_settings() -> _GitSettings:
    pattern = rf"^{GIT_CONFIG_KEY.replace('.', '[.]')}$|^credential[.].*helper$"
    done = _git_config("-z", "--show-scope", "--show-origin", "--get-regexp", pattern)
    if done is None or done.returncode not in (0, 1):  # 1: none set; else an older git
        fallback = _git_config("--global", "--get-all", GIT_CONFIG_KEY)
        lines = fallback.stdout.splitlines() if fallback is not None else []
        return _GitSettings(tuple(v.strip().rstrip("/") for v in lines if v.strip()), True)
    endpoints, helpers, own = [], False, _global_files()
    fields = done.stdout.split("\0")
    for scope, origin, entry in zip(fields[0:-1:3], fields[1::3], fields[2::3], strict=False):
        name, _, value = entry.partition("\n")
        if name != GIT_CONFIG_KEY:
            helpers = helpers or bool(value.strip())  # an empty one only resets the list
        elif scope == "global" and _resolved(origin.removeprefix("file:")) in own:
            endpoints.append(value.strip().rstrip("/"))  # not from a file it includes
    return _GitSettings(tuple(e for e in endpoints if e), helpers)


def _global_files() -> set[Path]:
    """What `git config --global` reads."""
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        return {_resolved(os.environ["GIT_CONFIG_GLOBAL"])}
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return {_resolved(str(Path.home() / ".gitconfig")), _resolved(str(xdg / "git" / "config"))}


def _resolved(path: str) -> Path:
    return Path(path).expanduser().resolve()


def _git_config(*args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", "config", *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=CREDENTIAL_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _settings_key() -> tuple[object, ...]:
    """What the answer depends on besides the repository's own config."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("GIT_")))
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "git" / "config"
    files = [os.environ.get("GIT_CONFIG_GLOBAL") or home / ".gitconfig", xdg]
    return os.getcwd(), env, tuple(_stamp(Path(f)) for f in files)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def same_endpoint(a: str | None, b: str | None) -> bool:
    return bool(a and b) and _key(a or "") == _key(b or "")


def user_chose(endpoint: str, access: Access) -> bool:
    """Did the user name this endpoint outside the repository?"""
    if is_hf_endpoint(endpoint) and urlparse(endpoint).scheme == "https":
        return True
    if same_endpoint(endpoint, os.environ.get("HF_ENDPOINT")):
        return True
    if same_endpoint(endpoint, access.endpoint):
        return True
    return any(same_endpoint(endpoint, mine) for mine in user_endpoints())


def grant_for(endpoint: str, access: Access) -> Grant:
    """The token `endpoint` may receive under the policy above."""
    trusted = user_chose(endpoint, access)
    hint = _hint(endpoint, trusted)
    if access.token:
        return Grant(access.token, hint)
    held = held_token()
    if trusted and held and is_hf_endpoint(endpoint):
        return Grant(held, hint)
    stored = stored_token(endpoint)  # for another Hub, the token kept for its host comes first
    if stored or (trusted and held):
        return Grant(stored or held, hint)
    if held and endpoint not in _noted:
        _noted.add(endpoint)
        print(
            f"note: no token sent to {endpoint}: only .hfgit.yaml names it; {hint}",
            file=sys.stderr,
        )
    return Grant(None, hint)


def held_token() -> str | None:
    """The user's Hub token: the environment, else the `hf auth login` store."""
    token = next((os.environ[n] for n in TOKEN_ENV_VARS if os.environ.get(n)), None)
    if token is None:
        token = _login_token()
    register_secret(token)
    return token


def stored_token(endpoint: str) -> str | None:
    """The password git's credential helpers hold for the endpoint's host (never prompting).
    Without any helper configured git has none to give (it could only prompt, which it may
    not), so it is not asked."""
    if not _git_settings().helpers:
        return None
    fields = _git_credential("fill", _describe(endpoint))
    token = (fields or {}).get("password") or None
    register_secret(token)
    return token


def store_token(endpoint: str, token: str, username: str) -> bool:
    """Hand a token to git's credential helpers for the endpoint's host; True once it is
    there (False: no helper stored it, e.g. none is configured)."""
    register_secret(token)
    _git_credential("approve", {**_describe(endpoint), "username": username, "password": token})
    return stored_token(endpoint) == token


def _login_token() -> str | None:
    """The `hf auth login` token file ($HF_TOKEN_PATH, else $HF_HOME/token)."""
    path = os.environ.get("HF_TOKEN_PATH")
    if not path:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = str(Path(os.environ.get("HF_HOME") or Path(cache) / "huggingface") / "token")
    try:
        token = Path(path).expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return token or None


def _describe(endpoint: str) -> dict[str, str]:
    """git's credential description of an endpoint: protocol, host[:port], path prefix."""
    url = urlparse(endpoint)
    host, port = url.hostname or "", _port(endpoint)
    fields = {"protocol": url.scheme, "host": f"{host}:{port}" if port else host}
    if url.path.strip("/"):
        fields["path"] = url.path.strip("/")
    return fields


def _git_credential(action: str, fields: dict[str, str]) -> dict[str, str] | None:
    """`git credential ACTION`, non-interactive: no terminal, no askpass, stdin closed after
    the description, in its own session (no controlling terminal), with a short timeout."""
    if any("\n" in v or "\0" in v for v in fields.values()) or not fields.get("host"):
        return None
    text = "".join(f"{key}={value}\n" for key, value in fields.items()) + "\n"
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "GCM_INTERACTIVE": "never",
    }
    try:
        done = subprocess.run(
            ["git", "-c", "credential.interactive=false", "credential", action],
            input=text,
            capture_output=True,
            text=True,
            env=env,
            timeout=CREDENTIAL_TIMEOUT,
            start_new_session=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def _hint(endpoint: str, trusted: bool) -> str:
    if is_hf_endpoint(endpoint):
        return "set HF_TOKEN, run `hf auth login`, or pass --token"
    login = f"`git hf login --endpoint {endpoint}` stores a token for it"
    if trusted:
        return f"set HF_TOKEN, {login}, or pass --token"
    return f"{login}, or pass --token"


def _key(endpoint: str) -> tuple[str, str, int | None, str]:
    url = urlparse(endpoint.strip())
    scheme = url.scheme.lower()
    port = _port(endpoint) or {"http": 80, "https": 443}.get(scheme)
    try:
        host = (url.hostname or "").lower()
    except ValueError:  # an unclosed [IPv6 address: a URL that names no host matches none
        return "", endpoint, None, ""
    return scheme, host, port, url.path.rstrip("/")


def _port(endpoint: str) -> int | None:
    try:
        return urlparse(endpoint.strip()).port
    except ValueError:
        return None
