"""Webhook notifications: a JSON POST after each published version.

A failing webhook never fails a publish: it is retried a few times with a timeout, then
reported as a warning. The webhook URL may carry a secret (Slack-style URLs do), so only
its scheme and host ever appear in messages."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import urlparse

from hfgit import __version__
from hfgit.config import Config, NotifyConfig
from hfgit.effects import Say, Sleep, silent
from hfgit.secrets import redact

EVENT = "hfgit.version.published"
RETRY_PAUSE = 0.5  # seconds, times the attempt number


class Published(Protocol):
    """What a publish reports (hfgit.sync.Outcome)."""

    tag: str
    git_commit: str
    action: str
    branch: str | None  # always set for a version published
    hub_commit: str | None
    url: str


class Content(Protocol):
    """What a version published (hfgit.content.VersionContent)."""

    @property
    def metrics(self) -> dict[str, float]: ...

    @property
    def metadata(self) -> dict[str, Any]: ...


def after_publish(
    config: Config,
    repo_url: str,
    outcome: Published,
    content: Content,
    say: Say = silent,
    sleep: Sleep = time.sleep,
) -> bool:
    """Notify the configured webhook (if any) that `outcome` was published. Never raises."""
    if not config.notify.webhook_url:
        return False
    payload = published_payload(
        repo_id=config.repo_id,
        repo_url=repo_url,
        version=outcome.tag,
        url=outcome.url,
        hub_commit=outcome.hub_commit,
        git_commit=outcome.git_commit,
        branch=outcome.branch,
        action=outcome.action,
        metrics=content.metrics,
        experiment=content.metadata.get("experiment_name"),
    )
    return send(config.notify, payload, say, sleep)


def published_payload(
    *,
    repo_id: str,
    repo_url: str,
    version: str,
    url: str,
    hub_commit: str | None,
    git_commit: str,
    branch: str | None,
    action: str,
    metrics: Mapping[str, float],
    experiment: str | None = None,
) -> dict[str, Any]:
    """The JSON body sent for one published version."""
    return {
        "event": EVENT,
        "repo_id": repo_id,
        "repo_url": repo_url,
        "version": version,
        "url": url,
        "hub_commit": hub_commit,
        "git_commit": git_commit,
        "branch": branch,
        "action": action,
        "experiment": experiment,
        "metrics": dict(metrics),
        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hfgit_version": __version__,
    }


def send(
    config: NotifyConfig,
    payload: Mapping[str, Any],
    say: Say = silent,
    sleep: Sleep = time.sleep,
) -> bool:
    """POST `payload` to the configured webhook; True when it answered 2xx. Never raises.

    A failed attempt is retried `config.retries` times, after `sleep(RETRY_PAUSE * attempt)`."""
    url = config.webhook_url
    if not url:
        return False
    body = json.dumps(payload, default=str).encode()
    attempts = 1 + max(0, config.retries)
    problem = "no answer"
    for attempt in range(1, attempts + 1):
        problem = _post(url, body, float(config.timeout))
        if not problem:
            return True
        if attempt < attempts:
            sleep(RETRY_PAUSE * attempt)
    say(
        f"warning: webhook {describe(url)} failed after {attempts} attempt(s) ({problem}); "
        "the version is published, check notify.webhook_url"
    )
    return False


def describe(url: str) -> str:
    """A webhook URL without its path, query or credentials (they may be secret)."""
    parts = urlparse(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/..."


def _post(url: str, body: bytes, timeout: float) -> str:
    """'' on success, else why the attempt failed."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": f"hfgit/{__version__}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return redact(str(reason).replace(url, describe(url))) or type(e).__name__
    return "" if 200 <= status < 300 else f"HTTP {status}"
