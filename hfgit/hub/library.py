"""huggingface_hub, set up for one endpoint the way the library is meant to be configured.

* Environment before import: the library reads HF_HUB_DISABLE_XET and HF_HUB_DISABLE_TELEMETRY
  once, when it is imported. For an endpoint other than huggingface.co both are set for the
  import (and put back afterwards): nothing is fetched from huggingface.co behind the user's
  back (the agent-harness registry), and uploads use plain LFS, which every Hub-compatible
  server speaks, until the endpoint is known to take Xet. For huggingface.co nothing is
  changed: Xet is used when `hf_xet` is installed, unless the user disabled it.
* Xet for other endpoints: the embedded hub takes it (`endpoint: local` says so through
  `offer_xet`); any other endpoint is asked once per command, right before the first upload
  (`settle_xet`): a `GET .../xet-write-token/main` of the repository that answers a token and
  a CAS URL means it does. Anything else (a 404 or 501, an error, no answer) keeps LFS. The
  user's HF_HUB_DISABLE_XET=1 always wins, and then nothing is asked (nor without hf_xet).
* The HTTP client: `set_client_factory` (public) makes the library's shared client one whose
  `send` retries transient faults (`retry.py`); its request hook and redirects are the
  library's own (`_library_client_settings`, without building the library's client: one
  client, one load of the certificate store). (A client factory that the calling program set
  itself, for a proxy or certificates, is replaced: the library offers no way to wrap it.)
* One private touch, isolated in `_set_xet`, for a library imported before hfgit knew its
  endpoint.
* hf_xet, which uploads over Xet: its retries held to the policy, and what it sent, in
  `xet.py`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

from hfgit.constants import ENV_DISABLE_XET, ENV_TRUE
from hfgit.hub.retry import (
    RETRY_STATUSES,
    Fault,
    GaveUp,
    RetryPolicy,
    Transient,
    may_pass,
    never_sent,
    reason_of,
    retry_after,
)

HF_HOSTS = ("huggingface.co", "hf.co")
# POSTs that only ask the Hub something: repeating them changes nothing.
_ASKING_POSTS = ("/preupload/", "/paths-info/", "/info/lfs/", "/lfs/verify", "/api/validate-yaml")
# Requests the library makes on its own, best effort, with their own short timeout.
_BEST_EFFORT = ("/api/agent-harnesses", "/api/telemetry/")

_policy = RetryPolicy()
_installed_timeout: float | None = None
_client_class: Any = None
_client_settings: dict[str, Any] = {}
_xet_turned_off = False  # by `_set_xet` or the import, so that only hfgit's change is undone
_xet_offered: dict[str, bool] = {}  # endpoint -> takes Xet uploads (known or asked)
_xet_probes: dict[str, Callable[[], bool | None]] = {}  # endpoint -> how to ask it
_current: str | None = None  # the endpoint the library was last set up for
_progress_bars: bool | None = None  # None: the library's default


def is_hf_endpoint(endpoint: str) -> bool:
    try:
        host = urlparse(endpoint).hostname or ""
    except ValueError:  # an unclosed [IPv6 address names no host
        return False
    return any(host == h or host.endswith("." + h) for h in HF_HOSTS)


def prepare(endpoint: str, policy: RetryPolicy) -> None:
    """Import huggingface_hub set up for `endpoint`; requests retry under `policy`."""
    global _policy, _current, _xet_turned_off
    wants_xet = is_hf_endpoint(endpoint) or _xet_offered.get(endpoint, False)
    if "huggingface_hub.constants" not in sys.modules:
        off = {} if is_hf_endpoint(endpoint) else {"HF_HUB_DISABLE_TELEMETRY": "1"}
        if not wants_xet:
            off[ENV_DISABLE_XET] = "1"
        user_off = os.environ.get(ENV_DISABLE_XET, "").lower() in ENV_TRUE
        with _environment(off):  # the package loads lazily: its constants are read here
            importlib.import_module("huggingface_hub.constants")
        _xet_turned_off = ENV_DISABLE_XET in off and not user_off
    _current = endpoint
    _use_xet(wants_xet)
    _policy = policy
    if _installed_timeout != policy.timeout:
        _install_client(policy)
    if _progress_bars is not None:
        show_progress_bars(_progress_bars)


def offer_xet(endpoint: str) -> None:
    """`endpoint` takes Xet uploads (the embedded hub): no need to ask it."""
    _xet_offered[endpoint] = True


def probe_xet(endpoint: str, token: str | None, repo_type: str, repo_id: str) -> None:
    """Before the next upload to `endpoint`, ask it whether it takes Xet (`settle_xet`): once
    per command, which calls this as it connects (what an earlier one learnt is forgotten)."""
    if not is_hf_endpoint(endpoint):
        _xet_offered.pop(endpoint, None)
        _xet_probes[endpoint] = lambda: offers_xet(endpoint, token, repo_type, repo_id)


def settle_xet() -> None:
    """Decide Xet for the endpoint the library is set up for, asking it if that was not done
    yet in this process (once it answers); call right before an upload."""
    endpoint = _current
    if endpoint is None or endpoint in _xet_offered or endpoint not in _xet_probes:
        return
    if _declined_xet():  # nothing to ask: Xet stays off whatever the answer
        return
    offered = _xet_probes[endpoint]()
    if offered is not None:
        _xet_offered[endpoint] = offered
        _use_xet(offered)


def offers_xet(endpoint: str, token: str | None, repo_type: str, repo_id: str) -> bool | None:
    """Does `endpoint` hand out Xet write tokens for the repository? None: cannot tell (the
    repository is not visible to the token, or no answer came)."""
    from huggingface_hub import get_session
    from huggingface_hub.utils import build_hf_headers

    kind = {"dataset": "datasets", "space": "spaces"}.get(repo_type, "models")
    url = f"{endpoint}/api/{kind}/{repo_id}/xet-write-token/main"
    try:
        response = get_session().get(url, headers=build_hf_headers(token=token or False))
    except Exception:  # unreachable now: the upload itself will say so
        return None
    if response.status_code in (401, 403) or response.headers.get("X-Error-Code") == "RepoNotFound":
        return None
    if response.status_code != 200:
        return False
    try:
        answer = response.json()
    except ValueError:
        return False
    return (
        isinstance(answer, dict)
        and isinstance(answer.get("accessToken"), str)
        and isinstance(answer.get("casUrl"), str)
    )


def _declined_xet() -> bool:
    """The user turned Xet off (HF_HUB_DISABLE_XET=1), or hf_xet is not installed."""
    from huggingface_hub import constants

    if constants.HF_HUB_DISABLE_XET and not _xet_turned_off:
        return True
    return importlib.util.find_spec("hf_xet") is None


def _use_xet(wanted: bool) -> None:
    """Xet on or off for the next uploads; only hfgit's own change is ever undone."""
    from huggingface_hub import constants

    if not wanted and not constants.HF_HUB_DISABLE_XET:
        _set_xet(False)
    elif wanted and _xet_turned_off:
        _set_xet(True)


def show_progress_bars(enabled: bool) -> None:
    """The library's own progress bars, on or off (applied once it is imported)."""
    global _progress_bars
    _progress_bars = enabled
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars, enable_progress_bars

        if enabled:
            enable_progress_bars()
        else:
            disable_progress_bars()


def _set_xet(enabled: bool) -> None:
    """Turn Xet uploads on or off for this process, after the library was imported.

    huggingface_hub reads HF_HUB_DISABLE_XET into `constants` at import and decides each
    upload from that constant (`utils/_runtime.is_xet_available`); there is no per-call or
    per-HfApi switch. When the library was imported before hfgit knew its endpoint (a training
    script that imported transformers first, a test session), or before it learnt that a Hub
    takes Xet, writing the constant is the only way to keep a Hub without Xet storage on plain
    LFS, or to give Xet back to one that has it. hfgit only ever undoes its own change.
    Checked against huggingface_hub 2.4.0 (`is_xet_available` reads the constant at each call);
    re-check when raising the lower bound or upgrading."""
    global _xet_turned_off
    from huggingface_hub import constants

    constants.HF_HUB_DISABLE_XET = not enabled
    _xet_turned_off = not enabled


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _install_client(policy: RetryPolicy) -> None:
    """Make the library's shared HTTP client a retrying one (same hooks and settings)."""
    global _installed_timeout, _client_class
    from huggingface_hub import set_client_factory

    if _client_class is None:  # the library's own client's settings, read once
        http, settings = _library_client_settings()
        _client_class = _retrying_client_class(http)
        _client_settings.update(settings, http=http)
    settings = dict(_client_settings)
    http = settings.pop("http")
    client_class = _client_class
    limits = http.Timeout(policy.timeout, connect=policy.connect_timeout)

    def factory() -> Any:
        return client_class(**settings, timeout=limits)

    set_client_factory(factory)
    _installed_timeout = policy.timeout


def raise_for_answer(url: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    """Raise the library's error for an answer to `GET url` read without it (`reads.py`),
    as `hf_raise_for_status` reads the answers it gets itself. In offline mode (set in the
    library itself, not only in the environment) nothing is raised: the library, asked, says
    it is offline."""
    from huggingface_hub import constants
    from huggingface_hub.utils import hf_raise_for_status

    if constants.HF_HUB_OFFLINE:
        return

    http = _client_settings["http"]
    request = http.Request("GET", url)
    hf_raise_for_status(http.Response(status, headers=headers, content=body, request=request))


def _library_client_settings() -> tuple[Any, dict[str, Any]]:
    """The HTTP package the library uses and how its own client is set up (its request hook,
    redirects followed), read without building that client: each client loads the certificate
    store (30 to 60 ms), and only the retrying one is used. The library builds its client in
    `utils/_http.default_client_factory` around `hf_request_event_hook`, both private: checked
    against huggingface_hub 2.4.0 (`tests/publish/test_hub_setup.py` compares the two clients).
    When the hook is not found there, the library's client is built and read instead."""
    from huggingface_hub import get_session

    try:
        from huggingface_hub.utils._http import hf_request_event_hook
    except ImportError:
        default = get_session()
        http = importlib.import_module(type(default).__module__.split(".")[0])  # httpx(2)
        return http, {
            "event_hooks": default.event_hooks,
            "follow_redirects": default.follow_redirects,
        }
    module = sys.modules[hf_request_event_hook.__module__]
    http = getattr(module, "httpx2", None) or module.httpx  # 2.x: httpx2, 1.x: httpx
    return http, {"event_hooks": {"request": [hf_request_event_hook]}, "follow_redirects": True}


def _retrying_client_class(http: Any) -> Any:
    class RetryingClient(http.Client):
        """The library's client, with `send` retrying what is safe to repeat."""

        def send(self, request: Any, **kwargs: Any) -> Any:
            if request.url.path.startswith(_BEST_EFFORT):
                return super().send(request, **kwargs)
            policy = _policy
            safe = isinstance(request.stream, http.ByteStream) and _idempotent(request)
            started, attempt = policy.now(), 0
            while True:
                cause: BaseException | None = None
                try:
                    response = super().send(request, **kwargs)
                except Exception as e:
                    if not may_pass(e):
                        raise
                    if not (safe or never_sent(e)):
                        raise Transient(reason_of(e)) from e
                    fault, cause = Fault(reason_of(e)), e
                else:
                    if response.status_code not in RETRY_STATUSES:
                        return response
                    fault = Fault(_describe(response), retry_after(response))
                    response.read()
                    response.close()
                    if not (safe or _turned_away(response, request, http)):
                        raise Transient(fault.reason, fault.retry_after)
                try:
                    policy.pause(started, attempt, fault)
                except GaveUp as gave_up:
                    raise gave_up from cause
                attempt += 1

    return RetryingClient


def _idempotent(request: Any) -> bool:
    method = request.method.upper()
    if method in ("GET", "HEAD", "OPTIONS", "PUT"):
        return True
    return method == "POST" and any(part in request.url.path for part in _ASKING_POSTS)


def _turned_away(response: Any, request: Any, http: Any) -> bool:
    """429: the Hub did not act on the request; safe to send again if the body can be."""
    return response.status_code == 429 and isinstance(request.stream, http.ByteStream)


def _describe(response: Any) -> str:
    return f"{response.status_code} {response.reason_phrase or ''}".strip()
