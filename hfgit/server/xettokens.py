"""Xet access tokens, as the Hub's token endpoints hand them out (`cas`) and CAS checks them.

A token is what the CAS endpoints (`cas`) accept as `Authorization: Bearer`. It names one
repository, a mode (`write`: upload xorbs and shards for that repository; `read`: nothing
more than the dedupe query) and an expiry a few minutes ahead; it is signed with HMAC-SHA256
under a secret written once under the hub's root, so tokens survive a restart and nothing
about them is stored. The client asks the same URL again when a token runs out.

Who gets one follows the LFS rules: a write token goes to whoever may upload LFS objects for
the revision (its writers; anyone with a token for a pull request, `?create_pr=1` or
`refs/pr/N`), a read token to whoever may read the repository's files. The answer carries
the token as JSON (`accessToken`, `exp`, `casUrl`) and as `X-Xet-*` headers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from hfgit.server.problems import ApiError
from hfgit.server.xetstore import write_once

PREFIX = "hfxet1"
TOKEN_SECONDS = 900
MAX_TOKEN_CHARS = 1024
EXPIRED = "This Xet token has expired; ask the Hub for a new one"
INVALID = "Invalid Xet token in Authorization header"


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: `mode` ("write" or "read") on the repo `repo_key`."""

    repo_key: str
    mode: str
    expires: int


class XetTokens:
    """Issues and checks the tokens of one storage instance (`instance` is signed in)."""

    def __init__(self, secret_file: Path, instance: str, seconds: int = TOKEN_SECONDS) -> None:
        self._secret = write_once(secret_file, lambda: secrets.token_hex(32)).encode()
        self.instance = instance
        self.seconds = seconds

    def issue(self, repo_key: str, mode: str, now: float | None = None) -> tuple[str, int]:
        """(token, expiry as unix seconds) for `mode` on `repo_key`."""
        expires = int(time.time() if now is None else now) + self.seconds
        claims = f"{self.instance}\n{mode}\n{repo_key}\n{expires}"
        body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
        return f"{PREFIX}.{body}.{self._sign(body)}", expires

    def check(self, authorization: str | None, now: float | None = None) -> Grant:
        """The grant of a `Bearer` token; 401 (Hub error shape) if missing, forged or expired."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
            raise _unauthorized(INVALID)
        prefix, _, rest = token.partition(".")
        body, _, signature = rest.partition(".")
        if prefix != PREFIX or not hmac.compare_digest(self._sign(body), signature):
            raise _unauthorized(INVALID)
        try:
            claims = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
            instance, mode, repo_key, expires = claims.split("\n")
            deadline = int(expires)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise _unauthorized(INVALID) from None
        if instance != self.instance:
            raise _unauthorized(INVALID)
        if deadline <= (time.time() if now is None else now):
            raise _unauthorized(EXPIRED)
        return Grant(repo_key, mode, deadline)

    def _sign(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"X-Error-Message": message})
