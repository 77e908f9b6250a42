"""Keep tokens and URL credentials out of everything hfgit prints or writes."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

from hfgit.constants import TOKEN_ENV_VARS

_TOKEN_RE = re.compile(r"\bhf_[A-Za-z0-9]{8,}\b")
# userinfo runs to the last "@" of the authority: a password may hold a raw "@"
_URL_CREDENTIALS_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#\s]+@")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)\S+")
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret that is not in the environment (e.g. read from the token store)."""
    if value and len(value) >= 4:
        _extra_secrets.add(value)


def redact(text: str) -> str:
    """Replace every known secret, `hf_…` token, bearer value and URL credential with `***`."""
    secrets = {os.environ.get(name, "") for name in TOKEN_ENV_VARS} | _extra_secrets
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _TOKEN_RE.sub("***", text)
    text = _BEARER_RE.sub(r"\1***", text)
    return strip_url_credentials(text)


def strip_url_credentials(url: str) -> str:
    """`https://user:tok@host/x` -> `https://host/x`; leaves scp-style `git@host:x` alone."""
    return _URL_CREDENTIALS_RE.sub(r"\g<scheme>", url)


def public_url(url: str) -> str:
    """A remote URL fit to publish: no credentials, and no query or fragment.

    `https://host/repo.git?token=...#x` -> `https://host/repo.git`. The whole query goes, not
    only keys known to hold secrets: signed URLs use many names (sig, X-Amz-Signature,
    access_token, key...), and a git remote is identified by its scheme, host and path."""
    url = strip_url_credentials(url.strip())
    if "://" not in url:
        return url  # scp-style `git@host:path` or a local path
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
