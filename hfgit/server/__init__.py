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
from hfgit.server.http import HubHTTPServer, bind
from hfgit.server.routes import App
from hfgit.server.storage import Storage

__all__ = ["HubServer", "Limits", "running_hub"]


class HubServer:
    """A hub serving `root`; `users` maps user names to write tokens."""

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
    ) -> None:
        limits = limits or Limits()
        if page_size is not None:
            limits = Limits(
                **{**limits.__dict__, "page_size": page_size, "commits_page_size": page_size}
            )
        self.root = Path(root)
        self.host, self.port = host, port
        self.context = Context(Storage(self.root), Users(users, read_tokens), limits)
        self._httpd: HubHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise ServerError("The hub is not started")
        return f"http://{self._httpd.authority}"

    def bind(self) -> None:
        try:
            self._httpd = bind(self.host, self.port, App(self.context))
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
