"""Hub client errors -> one-line HfgitErrors that say what to do next.

The client wraps what went wrong (an upload failure is a RuntimeError whose cause is the
network error), so the whole cause chain is read: a network failure anywhere in it is
"cannot reach the Hub", whatever wraps it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hfgit.errors import (
    AuthError,
    HfgitError,
    HubError,
    HubUnreachableError,
    NotCachedError,
    StaleParentError,
)
from hfgit.hub.retry import GaveUp, Transient, causes, is_network_error, reason_of
from hfgit.secrets import redact


@contextlib.contextmanager
def translated_errors(label: str, repo_id: str, no_token_hint: str | None) -> Iterator[None]:
    """Translate library and network errors into one-line HfgitErrors.

    `no_token_hint` is None when a token was sent, else how to provide one: a Hub that wants
    a token is then told apart from one that refused it, or a repository that is missing.
    (The library's errors are imported only when something failed: reads may not need it.)"""
    where = f"{repo_id} on {label}"
    try:
        yield
    except HfgitError:
        raise
    except Exception as e:
        from huggingface_hub.errors import (
            HfHubHTTPError,
            LocalTokenNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        not_cached = _not_cached(e, label)
        if not_cached is not None:
            raise not_cached from e
        unreachable = _unreachable(e)
        if unreachable is not None:
            raise HubUnreachableError(f"cannot reach {label}: {unreachable}") from e
        if isinstance(e, RepositoryNotFoundError):
            if no_token_hint is not None:
                raise AuthError(
                    f"{where} was not found and no token was sent (a private repository looks "
                    f"missing without one): {no_token_hint}"
                ) from e
            raise HubError(f"repository {where} does not exist or your token cannot see it") from e
        if isinstance(e, RevisionNotFoundError):
            raise HubError(f"revision not found in {where}: {_first_line(e)}") from e
        if isinstance(e, LocalTokenNotFoundError):
            hint = no_token_hint or "set HF_TOKEN, run `hf auth login`, or pass --token"
            raise AuthError(f"no token was sent to {label}: {hint}") from e
        if isinstance(e, HfHubHTTPError):
            raise _http_error(e, label, where, no_token_hint) from e
        if isinstance(e, OSError) and e.filename:
            raise HfgitError(f"{e.strerror or type(e).__name__}: {e.filename}") from e
        raise


def _http_error(e: BaseException, label: str, where: str, no_token_hint: str | None) -> HubError:
    response = getattr(e, "response", None)
    status = getattr(response, "status_code", None)
    if status in (401, 403) and no_token_hint is not None:
        return AuthError(f"{label} wants a token for {where} and none was sent: {no_token_hint}")
    if status == 401:
        return AuthError(
            f"{label} rejected the token (401): set a valid HF_TOKEN, run `hf auth login`, or pass --token"
        )
    if status == 403:
        return AuthError(
            f"your token has no write access to {where} (403): use a write token for that namespace"
        )
    if status == 412:
        return StaleParentError(f"{where} changed while publishing")
    return HubError(f"the Hub refused the request for {where}: {_first_line(e)}")


def _not_cached(error: BaseException, label: str) -> NotCachedError | None:
    """The library could not reach the Hub and found the cache missing or incomplete."""
    from huggingface_hub import errors

    # IncompleteSnapshotError exists in huggingface_hub 2.x only; 1.x says LocalEntryNotFound
    incomplete = getattr(errors, "IncompleteSnapshotError", None)
    for e in causes(error):
        if incomplete is not None and isinstance(e, incomplete):
            return NotCachedError(f"cannot reach {label}: {_first_line(e)}", partial=True)
        if isinstance(e, errors.LocalEntryNotFoundError):
            return NotCachedError(f"cannot reach {label}: {_first_line(e)}")
    return None


def _unreachable(error: BaseException) -> str | None:
    """Why the Hub could not be reached, when that is what went wrong."""
    for e in causes(error):
        if isinstance(e, (GaveUp, Transient)):
            return redact(e.reason)
        if is_network_error(e) or "TransportError" in {c.__name__ for c in type(e).__mro__}:
            return redact(reason_of(e))
    return None


def _first_line(e: BaseException) -> str:
    text = redact(str(e)).strip()
    return text.splitlines()[0] if text else type(e).__name__
