"""HTTP-level failures of the hub: a status, an optional `X-Error-Code`, a one-line message.

Handlers raise `ApiError`; the HTTP glue turns it into a JSON `{"error": ...}` answer with
`X-Error-Code` / `X-Error-Message` headers, which is what the client maps to typed exceptions.
"""

from __future__ import annotations

from typing import Any

STALE_PARENT = "A commit has happened since. Please refresh and try again."


class ApiError(Exception):
    """An answer other than success, decided by the server (never a crash)."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        self.body = dict(body or {})


class FramingError(ApiError):
    """The request's framing is in doubt: answered, then the connection is closed, so no byte
    after it is ever read as a request of its own."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(status, message)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def unauthorized(message: str = "You must be authenticated to do this: pass a token.") -> ApiError:
    return ApiError(401, message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def repo_not_found(repo_id: str) -> ApiError:
    return ApiError(404, f"Repository not found: {repo_id}", code="RepoNotFound")


def revision_not_found(revision: str, commit: str | None = None) -> ApiError:
    return ApiError(404, f"Invalid rev id: {revision}", code="RevisionNotFound")


def entry_not_found(path: str, commit: str | None = None) -> ApiError:
    headers = {"X-Repo-Commit": commit} if commit else {}
    return ApiError(404, f"Entry not found: {path}", code="EntryNotFound", headers=headers)


def conflict(message: str, body: dict[str, Any] | None = None) -> ApiError:
    return ApiError(409, message, body=body)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, message)


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"Request body too large (limit: {limit} bytes)")


def unavailable(message: str) -> ApiError:
    return ApiError(503, message, headers={"Retry-After": "1"})
