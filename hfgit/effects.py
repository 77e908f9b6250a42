"""What a service is handed by its caller instead of choosing for itself.

`Say` is where notes for the person running hfgit go (the CLI sends them to stderr, the
manager to logging); `Sleep` is how a retry loop waits before trying again (`time.sleep`,
or a recorder in tests, so that no test waits); `Cancel` is how a caller in another thread
(the CLI, on Ctrl-C) asks long work to stop at its next safe point. Pure: no imports from the
package.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Say = Callable[[str], None]
Sleep = Callable[[float], None]


def silent(_message: str) -> None:
    """A `Say` for callers that want no notes."""


class Interrupted(KeyboardInterrupt):
    """Raised at a safe point of work whose caller asked it to stop."""


class Cancel:
    """Set from any thread; the work calls `check()` where stopping leaves nothing half-done."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Interrupted()
