"""A plain HTTP client on the standard library, for what the hub client never sends."""

from __future__ import annotations

import http.client
import json as jsonlib
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')


class Response:
    """Status, headers (case-insensitive, `None` when missing), body."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, content: bytes) -> None:
        self.status_code = status
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def links(self) -> dict[str, dict[str, str]]:
        found = _LINK.findall(self.headers.get("Link", ""))
        return {rel: {"url": url, "rel": rel} for url, rel in found}


class Client:
    """One request per connection, sent as written: paths are relative to `base_url`."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
        content: bytes | Iterable[bytes] | None = None,
        params: dict[str, str] | None = None,
    ) -> Response:
        parts = urlsplit(urljoin(self.base_url, url))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if params:
            target += ("&" if parts.query else "?") + urlencode(params)
        headers = dict(headers or {})
        body = content
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            conn.request(method, target, body=body, headers=headers)
            answer = conn.getresponse()
            return Response(answer.status, answer.headers, answer.read())
        finally:
            conn.close()

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)


def get(url: str, **kwargs: Any) -> Response:
    return Client(url).get(url, **kwargs)
