"""The embedded Hub: a Hub-compatible HTTP server over bare git repos and an LFS store.

with running_hub(root, users={"alice": "hf_token"}) as url:
    HfApi(endpoint=url, token="hf_token").create_repo("alice/demo")
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from hfgit.errors import ServerError
from hfgit.server.auth import Users
from hfgit.server.context import Context, Limits
from hfgit.server.http import ConnectionLimits, HubHTTPServer, bind, check_public_url
from hfgit.server.routes import App
from hfgit.server.storage import Storage

__all__ = ["ConnectionLimits", "HubServer", "Limits", "running_hub"]


class HubServer:
    """A hub serving `root`; `users` maps user names to write tokens (or `sha256:<hex>` of
    them). URLs it hands out start with `public_url` (default: the address it listens on)."""

    def __init__(
        self,
        root: Path | str,
        users: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_tokens: Mapping[str, str] | None = None,
        page_size: int | None = None,
        limits: Limits | None = None,
        connections: ConnectionLimits | None = None,
        public_url: str | None = None,
        trust_proxy: bool = False,
    ) -> None:
        limits = limits or Limits()
        if page_size is not None:
            limits = Limits(
                **{**limits.__dict__, "page_size": page_size, "commits_page_size": page_size}
            )
        self.root = Path(root)
        self.host, self.port = host, port
        self.connections = connections or ConnectionLimits()
        try:
            self.public_url = check_public_url(public_url) if public_url else None
        except ValueError as e:
            raise ServerError(f"invalid public URL: {e}") from None
        self.trust_proxy = trust_proxy
        self.context = Context(_open_storage(self.root), Users(users, read_tokens), limits)
        self._httpd: HubHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where this hub listens (`http://host:port`)."""
        if self._httpd is None:
            raise ServerError("The hub is not started")
        return f"http://{self._httpd.authority}"

    @property
    def base_url(self) -> str:
        """The URL clients use: the public URL if one is configured, else `url`."""
        return self.public_url or self.url

    def bind(self) -> None:
        limits = self.context.limits
        try:
            self._httpd = bind(
                self.host,
                self.port,
                App(self.context),
                limits=self.connections,
                public_url=self.public_url,
                trust_proxy=self.trust_proxy,
                body_limit=max(limits.lfs_bytes, limits.commit_bytes),
            )
        except OSError as e:
            raise ServerError(
                f"cannot listen on {self.host}:{self.port} ({e.strerror or e}); choose another --port"
            ) from e

    def start(self) -> HubServer:
        """Serve in a background thread; `url` is valid afterwards."""
        self.bind()
        self._thread = threading.Thread(target=self._serve, name="hfgit-hub", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (binds first if `start`/`bind` was not called)."""
        if self._httpd is None:
            self.bind()
        try:
            self._serve()
        finally:
            self.stop()

    def _serve(self) -> None:
        assert self._httpd is not None
        self._httpd.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        if self._thread is not None:
            httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        httpd.close_connections()
        httpd.server_close()


def _open_storage(root: Path) -> Storage:
    if root.exists() and not root.is_dir():
        raise ServerError(f"cannot use {root} as the hub's root: it is not a directory")
    try:
        return Storage(root)
    except OSError as e:
        raise ServerError(f"cannot use {root} as the hub's root: {e.strerror or e}") from None


@contextlib.contextmanager
def running_hub(
    root: Path | str,
    users: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: object,
) -> Iterator[str]:
    """Run a hub in a background thread for the duration of the block; yields its base URL."""
    server = HubServer(root, users, host, port, **options)  # type: ignore[arg-type]
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
