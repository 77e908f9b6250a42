"""Tokens -> users, and who may see or change a repo.

Rules (as on the Hub): anyone may read a public repo; a private repo exists only for its owner
(everyone else gets 404 RepoNotFound); writes need a write token and the repo's namespace must
be the caller's own. A token comes as `Authorization: Bearer <token>` (the Hub client) or as
the password of HTTP Basic, under any user name (git and git-lfs).

Tokens are kept and compared as sha256 digests, in constant time, against every known token;
a users file may hold the digest (`sha256:<hex>`) instead of the token itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hfgit.errors import ServerError
from hfgit.server.naming import is_valid_segment
from hfgit.server.problems import ApiError, forbidden, unauthorized

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
BASIC_CHALLENGE = 'Basic realm="Authentication required", charset="UTF-8"'
DIGEST_PREFIX = "sha256:"
_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class Caller:
    name: str | None = None
    can_write: bool = False


ANONYMOUS = Caller()


def token_digest(secret: str) -> bytes:
    """The sha256 of a token; `sha256:<64 hex>` is a token already hashed."""
    if secret.startswith(DIGEST_PREFIX):
        hexdigest = secret.removeprefix(DIGEST_PREFIX)
        if not _DIGEST.fullmatch(hexdigest):
            raise ValueError("a 'sha256:' token must be followed by 64 hex digits")
        return bytes.fromhex(hexdigest)
    return hashlib.sha256(secret.encode()).digest()


class Users:
    """The token table: write tokens (`users`) and optional read-only tokens, each given as
    the token or as `sha256:<hex>` of it."""

    def __init__(
        self, users: Mapping[str, str] | None = None, read_tokens: Mapping[str, str] | None = None
    ) -> None:
        self._tokens: list[tuple[bytes, Caller]] = []
        for name, token in (read_tokens or {}).items():
            self._tokens.append((token_digest(token), Caller(name, can_write=False)))
        for name, token in (users or {}).items():
            self._tokens.append((token_digest(token), Caller(name, can_write=True)))

    def __bool__(self) -> bool:
        return bool(self._tokens)

    def identify(self, authorization: str | None) -> Caller:
        """The caller behind an `Authorization` header; 401 for an unknown token."""
        if not authorization:
            return ANONYMOUS
        token = presented_token(authorization)
        if not token:
            raise _invalid_credentials()
        offered = hashlib.sha256(token.encode()).digest()
        found: Caller | None = None
        for digest, caller in self._tokens:  # every entry compared: no early exit
            if hmac.compare_digest(digest, offered):
                found = caller
        if found is None:
            raise _invalid_credentials()
        return found


def presented_token(authorization: str) -> str | None:
    """The token of `Bearer <token>`, or the password of `Basic base64(user:password)`."""
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon and password else None


def challenged(error: ApiError, anonymous: bool) -> ApiError:
    """`error` as answered to git and git-lfs, which send credentials only when asked: every
    401, and an anonymous caller's "repo not found" (a private repo looks the same), become a
    401 with a Basic challenge."""
    if error.status != 401 and not (anonymous and error.code == "RepoNotFound"):
        return error
    headers = {**error.headers, "WWW-Authenticate": BASIC_CHALLENGE}
    headers["LFS-Authenticate"] = BASIC_CHALLENGE
    return ApiError(401, error.message, error.code, headers, error.body)


def _invalid_credentials() -> ApiError:
    return ApiError(401, INVALID_CREDENTIALS, headers={"X-Error-Message": INVALID_CREDENTIALS})


@dataclass
class UserTable:
    """Users and their tokens as `Users` takes them: writers, and read-only callers."""

    writers: dict[str, str] = field(default_factory=dict)
    readers: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, token: str, can_write: bool = True, where: str = "") -> None:
        """Add one user; ServerError (naming `where`) for a bad name, token or duplicate."""
        prefix = f"{where}: " if where else ""
        if not is_valid_segment(name):
            raise ServerError(f"{prefix}'{name}' is not a valid user name")
        if name in self.writers or name in self.readers:
            raise ServerError(f"{prefix}user '{name}' is given more than once")
        try:
            token_digest(token)
        except ValueError as e:
            raise ServerError(f"{prefix}{e}") from None
        (self.writers if can_write else self.readers)[name] = token


def read_users_file(path: Path, table: UserTable) -> None:
    """Add the users of a file of lines `user token` or `user sha256:<hex of token>`, each
    optionally followed by `read` for a read-only token; lines starting with `#` are comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise ServerError(f"cannot read the users file {path}: {reason}") from None
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        where = f"{path}:{number}"
        if len(words) not in (2, 3) or words[2:] not in ([], ["read"], ["write"]):
            raise ServerError(f"{where}: expected 'user token' or 'user sha256:<hex> [read]'")
        table.add(words[0], words[1], can_write=words[2:] != ["read"], where=where)


def can_read(caller: Caller, owner: str, private: bool) -> bool:
    return not private or caller.name == owner


def check_write(caller: Caller, namespace: str) -> None:
    """401 without a token, 403 for a read-only token or somebody else's namespace."""
    if caller.name is None:
        raise unauthorized()
    if not caller.can_write:
        raise forbidden("This token has read access only; use a token with write access.")
    if caller.name != namespace:
        raise forbidden(f"You don't have the rights to write to the '{namespace}' namespace.")
