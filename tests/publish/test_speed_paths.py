"""What keeps publishing and reading versions cheap, checked by what it leaves behind (the
hash cache, the Hub's request log), never by timing: a new large file is hashed by the Hub
client alone and its sha256 learned from the upload; a warm `git hf log` costs a bounded
number of Hub requests whatever the number of versions."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BIG = (10 << 20) + 4096  # above the inline limit: uploaded through LFS


def cache_entry(workspace: Any, path: Path) -> list[Any] | None:
    cache = workspace.root / ".git" / "hfgit" / "hash-cache.json"
    entries = json.loads(cache.read_text()) if cache.exists() else {}
    return entries.get(str(path.resolve()))


def test_a_new_large_file_is_hashed_by_the_client_and_the_cache_learns_its_sha256(workspace):
    weights = workspace.write("model/model.safetensors", os.urandom(BIG))
    workspace.commit("feat: bigger model")
    workspace.tag("v1.0.0")

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    entry = cache_entry(workspace, weights)
    assert entry is not None
    size, _, _, git_oid, sha256 = entry
    assert size == BIG
    assert sha256 == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert git_oid == ""  # learned from the upload: hfgit never read the file to hash it


def test_the_next_version_with_the_same_weights_reads_nothing_and_sends_nothing(workspace):
    weights = workspace.write("model/model.safetensors", os.urandom(BIG))
    workspace.commit("feat: bigger model")
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    workspace.write("model/config.json", json.dumps({"model_type": "llama", "hidden_size": 65}))
    workspace.commit("fix: config")
    workspace.tag("v1.1.0")

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    status = {f["path"]: f["status"] for f in outcome["files"]}
    assert status["model.safetensors"] == "unchanged"
    assert status["config.json"] == "changed"
    assert outcome["bytes_sent"] < BIG
    assert cache_entry(workspace, weights)[3] == ""  # told apart by the learned sha256 alone


def test_a_file_of_the_same_size_is_read_and_sent_when_its_content_changed(workspace):
    weights = workspace.write("model/model.safetensors", os.urandom(BIG))
    workspace.commit("feat: bigger model")
    workspace.tag("v1.0.0")
    assert workspace.run("push").code == 0
    workspace.write("model/model.safetensors", os.urandom(BIG))
    workspace.commit("feat: retrained")
    workspace.tag("v1.1.0")

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    [outcome] = result.json
    assert {f["path"]: f["status"] for f in outcome["files"]}["model.safetensors"] == "changed"
    assert outcome["bytes_sent"] >= BIG
    files = workspace.api.list_repo_tree("alice/tool-caller", revision="v1.1.0")
    [remote] = [f for f in files if f.path == "model.safetensors"]
    assert remote.lfs.sha256 == hashlib.sha256(weights.read_bytes()).hexdigest()


def seed_versions(workspace: Any, count: int) -> None:
    from huggingface_hub import CommitOperationAdd

    api = workspace.api
    api.create_repo("alice/tool-caller", private=True, exist_ok=True)
    for i in range(count):
        tag, sha = f"v0.0.{i}", f"{i:040x}"
        info = api.create_commit(
            "alice/tool-caller",
            [CommitOperationAdd(f"v/{i}.json", b"{}")],
            commit_message=f"Publish {tag}",
            commit_description=f"Hfgit-Version: {tag}\nHfgit-Git-Commit: {sha}",
        )
        api.create_tag("alice/tool-caller", tag=tag, revision=info.oid)


def test_a_warm_log_makes_at_most_three_hub_requests_however_many_versions(workspace, hub_requests):
    seed_versions(workspace, 120)  # more than two pages of the commit listing
    hub_requests.clear()
    cold = workspace.run("log", "--json")
    assert cold.code == 0, cold.err
    assert len(cold.json) == 120
    cold_requests = list(hub_requests)
    hub_requests.clear()

    warm = workspace.run("log", "--json")

    assert warm.code == 0, warm.err
    assert warm.json == cold.json
    assert len(hub_requests) <= 3, hub_requests
    assert len(cold_requests) > 3  # the listing pages that the cache saves


def seed_line(workspace: Any, start: int, count: int) -> None:
    """Versions v0.1.<start..> on a line branch made at the first version: no listing of main
    reaches them."""
    from huggingface_hub import CommitOperationAdd

    api = workspace.api
    api.create_branch("alice/tool-caller", branch="v0.1.x", revision="v0.0.0")
    for i in range(start, start + count):
        tag, sha = f"v0.1.{i}", f"{i + 1000:040x}"
        info = api.create_commit(
            "alice/tool-caller",
            [CommitOperationAdd(f"line/{i}.json", b"{}")],
            commit_message=f"Publish {tag}",
            commit_description=f"Hfgit-Version: {tag}\nHfgit-Git-Commit: {sha}",
            revision="v0.1.x",
        )
        api.create_tag("alice/tool-caller", tag=tag, revision=info.oid)


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The hub's commit listing requests (`starts`: the revision of each first page, `pages`:
    every page), with the first one held until a second arrives (`overlapped`), or 10 s."""
    from hfgit import catalog
    from hfgit.server.routes import App

    monkeypatch.setattr(catalog, "LISTINGS_LOCAL", 3)  # as for a Hub across a network
    seen: dict[str, Any] = {"starts": [], "pages": 0, "overlapped": False}
    second = threading.Event()
    lock = threading.Lock()
    real = App.__call__

    def recording(self, request):  # type: ignore[no-untyped-def]
        if "/commits/" not in request.path or request.method != "GET":
            return real(self, request)
        with lock:
            seen["pages"] += 1
            first_page = "cursor" not in request.query
            if first_page:
                seen["starts"].append(request.path.rsplit("/", 1)[1])
            hold = len(seen["starts"]) == 1 and first_page
        if hold:
            seen["overlapped"] = second.wait(10)
        elif first_page:
            second.set()
        return real(self, request)

    monkeypatch.setattr(App, "__call__", recording)
    yield seen


def test_a_cold_log_reads_several_commit_listings_at_once_and_maps_every_version(
    workspace, listings
):
    seed_versions(workspace, 120)  # three pages of the commit listing
    seed_line(workspace, 0, 2)
    refs = workspace.api.list_repo_refs("alice/tool-caller")
    tagged = {t.name: t.target_commit for t in refs.tags}

    done = workspace.run("log", "--json")

    assert done.code == 0, done.err
    said = {row["version"]: (row["hub_commit"], row["git_commit"]) for row in done.json}
    expected = {f"v0.0.{i}": (tagged[f"v0.0.{i}"], f"{i:040x}") for i in range(120)}
    expected |= {f"v0.1.{i}": (tagged[f"v0.1.{i}"], f"{i + 1000:040x}") for i in range(2)}
    assert said == expected
    assert listings["overlapped"]  # a second listing was asked while the first was held
    assert len(set(listings["starts"])) >= 2
    assert set(listings["starts"]) <= set(tagged.values()) | {refs.branches[0].target_commit}
    assert listings["pages"] <= 3 + 2 * len(listings["starts"])  # not one request per version


def test_a_listing_that_fails_fails_the_read_with_its_error(workspace, monkeypatch):
    from hfgit import catalog
    from hfgit.hub import client

    monkeypatch.setattr(catalog, "LISTINGS_LOCAL", 3)
    seed_versions(workspace, 120)
    real = client.Hub.commits
    calls: list[str] = []

    def failing(self, revision):  # type: ignore[no-untyped-def]
        calls.append(revision)
        if len(calls) == 2:
            raise client.HubError("the Hub broke off a listing")
        yield from real(self, revision)

    monkeypatch.setattr(client.Hub, "commits", failing)

    done = workspace.run("log")

    assert done.code == 1
    assert "the Hub broke off a listing" in done.err
    assert "Traceback" not in done.err


HEAVY = ("huggingface_hub", "pygit2", "httpx", "httpx2", "httpcore", "httpcore2", "trio")


def _imported(importtime: str) -> set[str]:
    """The modules listed by `python -X importtime` (lines "import time: self | total | name")."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def _python(
    workspace: Any, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in a fresh interpreter, in the workspace."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=workspace.root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def _run_measured(workspace: Any, *args: str) -> tuple[str, set[str]]:
    """`git hf ARGS` in a fresh interpreter under -X importtime: its output, what it imported."""
    done = _python(workspace, "-X", "importtime", "-m", "hfgit", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout, _imported(done.stderr)


def test_warm_log_and_status_import_neither_the_hub_client_nor_pygit2(workspace):
    workspace.tag("v1.0.0")
    workspace.git("tag", "-a", "v1.1.0", "-m", "annotated")
    assert workspace.run("push").code == 0
    in_process = {args: workspace.run(*args).out for args in (("log",), ("status", "--json"))}

    for args, expected in in_process.items():
        out, modules = _run_measured(workspace, *args)

        assert out == expected  # the same answer as in a process that has both loaded
        assert "hfgit.hub.reads" in modules  # (the listing is real)
        assert {m for m in modules if m.split(".")[0] in HEAVY} == set()
    assert "v1.1.0" in in_process[("log",)] and "published" in in_process[("log",)]


def test_a_push_imports_no_pygit2_and_publishes_the_configs_as_committed(workspace):
    workspace.tag("v1.0.0")
    workspace.write("configs/train.yaml", "lr: 0.5\n")  # changed after the tag: not published
    script = (
        "import json, sys; from hfgit.cli import main; code = main(['push', '-q']); "
        "print(json.dumps([m for m in sys.modules if m.split('.')[0] in ('pygit2', 'huggingface_hub')])); "
        "sys.exit(code)"
    )  # sys.modules after the push: also what its worker thread imported

    done = _python(workspace, "-c", script)

    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert "huggingface_hub.hf_api" in modules  # (the push is real)
    assert [m for m in modules if m.startswith("pygit2")] == []
    published = workspace.api.hf_hub_download(
        "alice/tool-caller", "configs/train.yaml", revision="v1.0.0"
    )
    assert Path(published).read_text() == "lr: 0.0002\nepochs: 3\nlora_r: 16\n"


def test_a_read_answered_otherwise_than_plainly_goes_through_the_library(workspace):
    """A missing repository is a 404: the library reads it (no token: "not found and no token
    was sent"), in a process where the plain read was tried first."""
    workspace.write(
        ".hfgit.yaml",
        workspace.root.joinpath(".hfgit.yaml")
        .read_text()
        .replace("alice/tool-caller", "alice/not-there"),
    )
    workspace.tag("v1.0.0")
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    done = _python(workspace, "-X", "importtime", "-m", "hfgit", "log", env=env)
    modules = _imported(done.stderr)
    errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]

    assert done.returncode == 1
    assert "huggingface_hub.errors" in modules and "hfgit.hub.reads" in modules
    assert len(errors) == 1 and "was not found and no token was sent" in errors[0]


@contextlib.contextmanager
def _pages_server() -> Iterator[str]:
    """A `_Pages` server on 127.0.0.1 for the test; yields its URL."""
    _Pages.connections, _Pages.headers_seen = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    _Pages.server_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield _Pages.server_url
    finally:
        server.shutdown()
        server.server_close()


class _Pages(http.server.BaseHTTPRequestHandler):
    """Two JSON pages linked by `Link: rel="next"`, over HTTP/1.1 keep-alive; a request for
    /close is answered and its connection closed, as a server timing out idle connections."""

    protocol_version = "HTTP/1.1"
    connections: list[int] = []  # noqa: RUF012 (one server per test)
    headers_seen: list[str | None] = []  # noqa: RUF012
    server_url = ""

    def setup(self) -> None:
        super().setup()
        self.connections.append(1)

    def do_GET(self) -> None:
        self.headers_seen.append(self.headers.get("authorization"))
        body = json.dumps([self.path]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/one":
            self.send_header("Link", f'<{self.server_url}/two>; rel="next"')
        if self.path == "/elsewhere":
            self.send_header("Link", '<http://attacker.example/two>; rel="next"')
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_pages_are_read_over_one_kept_connection_with_the_chosen_token():
    from hfgit.hub import reads

    with _pages_server() as url:
        first = reads.get_page(f"{url}/one", "hf_secret", 5.0)
        assert first is not None and first.data == ["/one"] and first.next_url == f"{url}/two"
        second = reads.get_page(first.next_url, "hf_secret", 5.0)
        assert second is not None and second.data == ["/two"] and second.next_url is None
        assert len(_Pages.connections) == 1  # the second page came over the first connection

        assert reads.get_page(f"{url}/close", False, 5.0) is not None
        assert reads.get_page(f"{url}/one", False, 5.0) is not None
        assert len(_Pages.connections) == 2  # a closed connection is not reused
        assert _Pages.headers_seen == ["Bearer hf_secret", "Bearer hf_secret", None, None]


def test_a_next_page_link_to_another_host_is_not_followed_with_the_token():
    from hfgit.errors import HubError
    from hfgit.hub import reads

    with _pages_server() as url:
        with pytest.raises(HubError, match=r"attacker\.example"):
            reads.get_page(f"{url}/elsewhere", "hf_secret", 5.0)
        relative = reads.get_page(f"{url}/one", "hf_secret", 5.0)
        assert relative is not None and relative.next_url == f"{url}/two"


def test_a_proxy_in_the_environment_hands_reads_to_the_library(monkeypatch):
    from hfgit.hub import reads

    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    with _pages_server() as url:
        assert reads.get_page(f"{url}/one", False, 5.0) is not None
        monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
        assert reads.get_page(f"{url}/one", False, 5.0) is None  # the library goes through it
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert reads.get_page(f"{url}/one", False, 5.0) is not None


@pytest.mark.parametrize(
    ("endpoint", "across_a_network"),
    [
        ("http://127.0.0.1:8080", False),
        ("http://localhost:8080", False),
        ("http://[::1]:8080", False),
        ("https://huggingface.co", True),
        ("http://hub.example:8080", True),
    ],
)
def test_listings_are_read_at_once_only_for_a_hub_across_a_network(endpoint, across_a_network):
    from hfgit import catalog
    from hfgit.hub import Hub

    at_once = catalog._at_once(Hub(endpoint, None, "alice/tool-caller"))

    assert at_once == (catalog.LISTINGS if across_a_network else catalog.LISTINGS_LOCAL)
    assert catalog.LISTINGS > catalog.LISTINGS_LOCAL
