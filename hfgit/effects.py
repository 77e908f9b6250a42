"""What a service is handed by its caller instead of choosing for itself.

`Say` is where notes for the person running hfgit go (the CLI sends them to stderr, the
manager to logging); `Sleep` is how a retry loop waits before trying again (`time.sleep`,
or a recorder in tests, so that no test waits). Pure: no imports from the package.
"""

from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]
Sleep = Callable[[float], None]


def silent(_message: str) -> None:
    """A `Say` for callers that want no notes."""
