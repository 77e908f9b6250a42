"""The LFS object store shared by all repos, and LFS pointer files.

Objects live at `root/lfs/ab/cd/<sha256>`; an upload is streamed to a temp file while its
sha256 and size are checked, then renamed into place, so no object is ever half-written under
its final name and a file uploaded to many repos is stored once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hfgit.server.problems import ApiError

POINTER_VERSION = "version https://git-lfs.github.com/spec/v1"
MAX_POINTER_SIZE = 1024
CHUNK = 1024 * 1024


def format_pointer(oid: str, size: int) -> bytes:
    return f"{POINTER_VERSION}\noid sha256:{oid}\nsize {size}\n".encode()


def parse_pointer(data: bytes) -> tuple[str, int] | None:
    """(sha256, size) if `data` is an LFS pointer file, else None."""
    if len(data) > MAX_POINTER_SIZE or not data.startswith(POINTER_VERSION.encode()):
        return None
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines()[1:]:
        key, _, value = line.partition(" ")
        fields[key] = value
    oid = fields.get("oid", "").removeprefix("sha256:")
    size = fields.get("size", "")
    if len(oid) != 64 or not size.isdigit():
        return None
    return oid, int(size)


class LfsStore:
    """Content-addressed bytes, with signed self-authorizing upload URLs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._secret = secrets.token_bytes(32)

    def path(self, oid: str) -> Path:
        return self.root / oid[:2] / oid[2:4] / oid

    def size(self, oid: str) -> int | None:
        try:
            return self.path(oid).stat().st_size
        except OSError:
            return None

    def has(self, oid: str, size: int | None = None) -> bool:
        stored = self.size(oid)
        return stored is not None and (size is None or stored == size)

    def put(self, oid: str, size: int, read: Callable[[int], bytes]) -> None:
        """Stream exactly `size` bytes from `read` into the store, checking sha256 and size."""
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix=f"{oid[:12]}-")
        digest, received = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = read(CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > size:
                        raise ApiError(400, f"Upload is larger than the announced {size} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if received != size:
                raise ApiError(400, f"Upload has {received} bytes, expected {size}")
            if digest.hexdigest() != oid:
                raise ApiError(400, "Upload content does not match its sha256 oid")
            final = self.path(oid)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def sign(self, oid: str, size: int, ttl: int = 24 * 3600) -> str:
        """Query string that authorizes one upload of (oid, size) for `ttl` seconds."""
        expires = int(time.time()) + ttl
        return f"size={size}&expires={expires}&sig={self._signature(oid, size, expires)}"

    def check_signature(self, oid: str, size: str, expires: str, sig: str) -> int:
        """The authorized size, or raise 403."""
        if not (size.isdigit() and expires.isdigit()) or int(expires) < time.time():
            raise ApiError(403, "Upload URL is invalid or has expired; request a new one")
        expected = self._signature(oid, int(size), int(expires))
        if not hmac.compare_digest(expected, sig):
            raise ApiError(403, "Upload URL is invalid or has expired; request a new one")
        return int(size)

    def _signature(self, oid: str, size: int, expires: int) -> str:
        message = f"upload:{oid}:{size}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
