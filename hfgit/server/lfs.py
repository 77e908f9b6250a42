"""The LFS object store shared by all repos, and LFS pointer files.

Objects live at `root/lfs/ab/cd/<sha256>`; an upload is streamed to a temp file while its
sha256 and size are checked, then renamed into place, so no object is ever half-written under
its final name and a file uploaded to many repos is stored once (but readable only through
the repos it was uploaded or committed to, see `repoobjects`). The temp files are in a folder
of this store's own under `lfs/tmp/`, removed by the next hub to start once this one has
ended (`tempdirs`), never while it lives.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

from hfgit.server.problems import ApiError
from hfgit.server.tempdirs import TempDir

POINTER_VERSION = "version https://git-lfs.github.com/spec/v1"
MAX_POINTER_SIZE = 1024
CHUNK = 1024 * 1024
_OID = re.compile(r"[0-9a-f]{64}")
_HEX2 = re.compile(r"[0-9a-f]{2}")
_NUMBER = re.compile(r"[0-9]{1,19}")


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
    if not _OID.fullmatch(oid) or not _NUMBER.fullmatch(size):
        return None
    return oid, int(size)


class LfsStore:
    """Content-addressed bytes, with signed self-authorizing transfer URLs.

    The store itself knows nothing of repos: which repo may use which object is recorded
    per repo (`repoobjects`), and every read goes through that record.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.temps = TempDir(root / "tmp")  # uploads in flight, swept once this hub has ended
        self.tmp = self.temps.path
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

    def receive(self, oid: str, size: int, read: Callable[[int], bytes]) -> Path:
        """Stream exactly `size` bytes from `read` into a temp file whose sha256 is `oid`.

        Returns the temp file (the caller publishes it or deletes it); nothing is left
        behind on failure.
        """
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
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return Path(tmp_name)

    def publish(self, tmp: Path, oid: str) -> None:
        """Move a received temp file into place (call under the collector guard)."""
        final = self.path(oid)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)

    def touch(self, oid: str) -> bool:
        """Mark an object as just used (the collector spares recent objects); False if absent."""
        try:
            os.utime(self.path(oid))
        except FileNotFoundError:
            return False
        return True

    def oids(self) -> Iterator[str]:
        """Every stored object (a snapshot of the fan-out folders, in no order)."""
        for first in _subdirs(self.root):
            for second in _subdirs(first):
                with contextlib.suppress(OSError):
                    for entry in os.scandir(second):
                        if _OID.fullmatch(entry.name) and entry.name.startswith(
                            first.name + second.name
                        ):
                            yield entry.name

    def sign(self, action: str, repo: str, oid: str, size: int, ttl: int = 24 * 3600) -> str:
        """Query string that authorizes `action` on (repo, oid, size) for `ttl` seconds."""
        expires = int(time.time()) + ttl
        signature = self._signature(action, repo, oid, size, expires)
        return urlencode({"repo": repo, "size": size, "expires": expires, "sig": signature})

    def check_signature(
        self, action: str, oid: str, param: Callable[[str], str | None]
    ) -> tuple[str, int]:
        """(repo, size) a signed URL authorizes, or raise 403."""
        repo, size, expires = param("repo") or "", param("size") or "", param("expires") or ""
        invalid = ApiError(403, "This transfer URL is invalid or has expired; request a new one")
        if not (_NUMBER.fullmatch(size) and _NUMBER.fullmatch(expires)):
            raise invalid
        if int(expires) < time.time():
            raise invalid
        expected = self._signature(action, repo, oid, int(size), int(expires))
        if not hmac.compare_digest(expected, param("sig") or ""):
            raise invalid
        return repo, int(size)

    def _signature(self, action: str, repo: str, oid: str, size: int, expires: int) -> str:
        message = f"{action}\n{repo}\n{oid}\n{size}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def _subdirs(folder: Path) -> list[Path]:
    """Two-hex-digit fan-out folders of `folder`."""
    try:
        return [
            Path(e.path)
            for e in os.scandir(folder)
            if len(e.name) == 2 and _HEX2.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
        ]
    except OSError:
        return []
