"""Hub client errors -> one-line HfgitErrors that say what to do next."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hfgit.errors import AuthError, HubError, HubUnreachableError, StaleParentError
from hfgit.secrets import redact


@contextlib.contextmanager
def translated_errors(label: str, repo_id: str, has_token: bool) -> Iterator[None]:
    """Translate library and network errors into one-line HfgitErrors."""
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalTokenNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{repo_id} on {label}"
    try:
        yield
    except RepositoryNotFoundError as e:
        hint = "" if has_token else " (no token: set HF_TOKEN or run `hf auth login`)"
        raise HubError(
            f"repository {where} does not exist or your token cannot see it{hint}"
        ) from e
    except RevisionNotFoundError as e:
        raise HubError(f"revision not found in {where}: {_first_line(e)}") from e
    except LocalTokenNotFoundError as e:
        raise AuthError("no Hub token: set HF_TOKEN or run `hf auth login`") from e
    except HfHubHTTPError as e:
        status = e.response.status_code if e.response is not None else None
        if status == 401:
            raise AuthError(
                f"{label} rejected the token (401): set a valid HF_TOKEN or run `hf auth login`"
            ) from e
        if status == 403:
            raise AuthError(
                f"your token has no write access to {where} (403): use a write token for that namespace"
            ) from e
        if status == 412:
            raise StaleParentError(f"{where} changed while publishing") from e
        raise HubError(f"the Hub refused the request for {where}: {_first_line(e)}") from e
    except Exception as e:
        if _is_network_error(e):
            raise HubUnreachableError(
                f"cannot reach {label} ({_first_line(e)}): check the endpoint and your network"
            ) from e
        raise


def _is_network_error(e: BaseException) -> bool:
    names = {cls.__name__ for cls in type(e).__mro__}
    return bool(names & {"TransportError", "TimeoutException", "ConnectionError"}) or isinstance(
        e, OSError
    )


def _first_line(e: BaseException) -> str:
    text = redact(str(e)).strip()
    return text.splitlines()[0] if text else type(e).__name__
