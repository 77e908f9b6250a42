"""`git hf log --web`: the versions page of the repository, printed and opened."""

from __future__ import annotations

import http.client
import webbrowser
from urllib.parse import urlsplit


def request(url: str, method: str = "GET", body: bytes | None = None, **headers: str):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, parts.path, body=body, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.headers, answer.read().decode()
    finally:
        conn.close()


def test_log_web_opens_the_versions_page(workspace, monkeypatch):
    workspace.record(metrics={"accuracy": 0.5})
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)

    result = workspace.run("log", "--web")

    hub = workspace.hub
    assert result.code == 0
    assert result.out.strip() == opened[0] == f"{hub.url}/alice/tool-caller/versions"
    assert request(opened[0])[0] == 404  # a private repo, and nobody signed in
    form = f"token={hub.tokens['alice']}".encode()
    _, headers, _ = request(
        f"{hub.url}/login", "POST", form,
        Origin=hub.url, **{"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    cookie = headers["Set-Cookie"].partition(";")[0]
    status, _, page = request(opened[0], Cookie=cookie)
    assert status == 200
    assert "<strong>v1.0.0</strong>" in page and "accuracy=0.5" in page
