"""Small file-system primitives shared by every layer: atomic writes and inter-process locks.

Base layer: imports only the standard library and `filelock`, so the hook path, the client
and the embedded hub can all use it (see docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _process_umask() -> int:
    # read once, at import: setting and restoring it later would race with other threads
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _process_umask()


def write_atomic(
    path: Path, data: bytes | str, *, mode: int | None = None, durable: bool = True
) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part.

    The bytes go to a temporary file in the same folder, which is renamed over `path`.
    `durable` fsyncs before the rename (a crash cannot leave an empty file behind);
    caches that can be rebuilt pass False. `mode` sets the permission bits (e.g. 0o755);
    by default a replaced file keeps its own and a new one gets what `open` would give it.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path) if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def try_write_atomic(path: Path, data: bytes | str) -> bool:
    """Best-effort `write_atomic` for caches: False instead of an error when the disk refuses."""
    try:
        write_atomic(path, data, durable=False)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def locked(path: Path, *, blocking: bool = True, timeout: float = -1) -> Iterator[bool]:
    """Hold the inter-process lock file `path`; yields True when held.

    With `blocking=False` (or a `timeout` that runs out) yields False instead of waiting,
    so a caller can tell "another process owns this" from "I own this".
    """
    from filelock import FileLock, Timeout  # at first use: readers that only write skip it

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=timeout, blocking=blocking)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
