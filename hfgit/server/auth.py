"""Tokens -> users, and who may see or change a repo.

Rules (as on the Hub): anyone may read a public repo; a private repo exists only for its owner
(everyone else gets 404 RepoNotFound); writes need a write token and the repo's namespace must
be the caller's own.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from hfgit.server.problems import ApiError, forbidden, repo_not_found, unauthorized

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


@dataclass(frozen=True)
class Caller:
    name: str | None = None
    can_write: bool = False


ANONYMOUS = Caller()


class Users:
    """The token table: write tokens (`users`) and optional read-only tokens."""

    def __init__(
        self, users: Mapping[str, str] | None = None, read_tokens: Mapping[str, str] | None = None
    ) -> None:
        self._tokens: list[tuple[str, Caller]] = []
        for name, token in (read_tokens or {}).items():
            self._tokens.append((token, Caller(name, can_write=False)))
        for name, token in (users or {}).items():
            self._tokens.append((token, Caller(name, can_write=True)))

    def identify(self, authorization: str | None) -> Caller:
        """The caller behind an `Authorization` header; 401 for an unknown token."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, INVALID_CREDENTIALS, headers={"X-Error-Message": INVALID_CREDENTIALS}
            )
        token = token.strip()
        for known, caller in self._tokens:
            if hmac.compare_digest(known.encode(), token.encode()):
                return caller
        raise ApiError(401, INVALID_CREDENTIALS, headers={"X-Error-Message": INVALID_CREDENTIALS})


def can_read(caller: Caller, owner: str, private: bool) -> bool:
    return not private or caller.name == owner


def check_read(caller: Caller, repo_id: str, owner: str, private: bool) -> None:
    if not can_read(caller, owner, private):
        raise repo_not_found(repo_id)


def check_write(caller: Caller, namespace: str) -> None:
    """401 without a token, 403 for a read-only token or somebody else's namespace."""
    if caller.name is None:
        raise unauthorized()
    if not caller.can_write:
        raise forbidden("This token has read access only; use a token with write access.")
    if caller.name != namespace:
        raise forbidden(f"You don't have the rights to write to the '{namespace}' namespace.")
