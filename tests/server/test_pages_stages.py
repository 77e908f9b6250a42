"""Stages on the hub's pages: `git hf promote` moves a branch, the versions page, the card and
the front page show which stage holds which version; branch names stay text; a trailer naming
no version of the repository holds nothing. And the pages answer HEAD as GET, without a body."""

from __future__ import annotations

import os
import re
import socket
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pygit2
import pytest
from drivers import Workspace, new_workspace
from hubhttp import Client
from huggingface_hub import CommitOperationAdd
from pagesdata import publish

from hfgit.server.hubrepo import HubRepo
from hfgit.server.pages import frontpage, stages

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
REPO = "alice/tool-caller"  # the workspace's model, private
HOSTILE = '<script>alert("stage")</script>'


@pytest.fixture
def released(
    hub: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """A git repository with v1.0.0 and v1.1.0 published to the embedded hub by `git hf push`."""
    ws = new_workspace(hub, tmp_path / "project", capsys, monkeypatch)
    for tag in ("v1.0.0", "v1.1.0"):
        ws.write("model/model.safetensors", os.urandom(64 * 1024))
        ws.commit(f"feat: {tag}")
        ws.tag(tag)
        pushed = ws.run("push", tag)
        assert pushed.code == 0, pushed.err
    return ws


@pytest.fixture
def cookie(http: Client, hub: Any) -> dict[str, str]:
    """alice signed in to the pages (the workspace's repository is private)."""
    answer = http.post(
        "/login",
        content=f"token={hub.tokens['alice']}".encode(),
        headers={"Origin": hub.url, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 303, answer.text
    return {"Cookie": answer.headers["Set-Cookie"].partition(";")[0]}


def promote(ws: Workspace, *args: str) -> None:
    done = ws.run(*args)
    assert done.code == 0, done.err


def listed(page: str) -> dict[str, tuple[str, str]]:
    """The Stages list: stage -> (version, the rest of its line as text)."""
    rows = re.findall(
        r'<li class="stage" data-stage="([^"]*)" data-version="([^"]*)">(.*?)</li>', page, re.S
    )
    return {
        unescape(s): (unescape(v), unescape(re.sub(r"<[^>]+>", "", rest))) for s, v, rest in rows
    }


def badges(page: str) -> dict[str, list[str]]:
    """Each version row of the versions table: the stage badges next to it."""
    rows = re.findall(r'<tr class="version">\s*<td>(.*?)</td>', page, re.S)
    out = {}
    for cell in rows:
        version = re.search(r"<strong>([^<]+)</strong>", cell)
        assert version is not None, cell
        found = re.findall(r'<a class="badge stage" href="[^"]*">([^<]*)</a>', cell)
        out[unescape(version[1])] = [unescape(b) for b in found]
    return out


def front_rows(page: str) -> dict[str, dict[str, str]]:
    """The front page's rows: repository -> {stage: version} of its Stages cell."""
    rows = re.findall(r'<tr>\s*<td><a href="[^"]*">([^<]+)</a>(.*?)</tr>', page, re.S)
    out = {}
    for repo_id, rest in rows:
        cell = re.search(r'<td class="stages">(.*?)</td>\s*<td>', rest, re.S)
        assert cell is not None, rest
        out[unescape(repo_id)] = {s: v for s, (v, _) in listed(cell[1]).items()}
    return out


def stage_commit(api: Any, repo_id: str, branch: str, said: dict[str, str]) -> str:
    """A branch made at main with one commit on it whose description carries `said`."""
    api.create_branch(repo_id, branch=branch)
    info = api.create_commit(
        repo_id,
        [CommitOperationAdd("note.txt", branch.encode())],
        commit_message=f"On {branch}",
        commit_description="\n".join(f"{key}: {value}" for key, value in said.items()),
        revision=branch,
    )
    return str(info.oid)


def test_stages_follow_promote_repromote_and_demote(
    released: Workspace, http: Client, cookie: dict[str, str]
) -> None:
    ws = released
    promote(ws, "promote", "v1.0.0", "production", "-m", "passed the holdout set")
    promote(ws, "promote", "v1.0.0", "staging")
    page = http.get(f"/{REPO}/versions", headers=cookie).text
    assert badges(page) == {"v1.1.0": [], "v1.0.0": ["production", "staging"]}
    assert listed(page)["production"][0] == "v1.0.0"
    assert "made at the version's commit" in listed(page)["production"][1]
    assert f'href="/{REPO}/tree/production"' in page
    card = http.get(f"/{REPO}", headers=cookie).text
    assert {s: v for s, (v, _) in listed(card).items()} == {
        "production": "v1.0.0",
        "staging": "v1.0.0",
    }

    promote(ws, "promote", "v1.1.0", "production")
    page = http.get(f"/{REPO}/versions", headers=cookie).text
    assert badges(page) == {"v1.1.0": ["production"], "v1.0.0": ["staging"]}
    head = ws.api.list_repo_commits(REPO, revision="production")[0]
    moved = head.created_at.strftime("%Y-%m-%d %H:%M")
    assert listed(page)["production"] == ("v1.1.0", f"production → v1.1.0 moved {moved} UTC")
    tree = http.get(f"/{REPO}/tree/production", headers=cookie)
    assert tree.status_code == 200 and "model.safetensors" in tree.text

    promote(ws, "demote", "production")
    page = http.get(f"/{REPO}/versions", headers=cookie).text
    assert badges(page) == {"v1.1.0": [], "v1.0.0": ["staging"]}
    assert list(listed(page)) == ["staging"]
    assert "production" not in http.get(f"/{REPO}", headers=cookie).text


def test_front_page_shows_each_models_stages_as_its_repository_page_does(
    released: Workspace, http: Client, hub: Any, cookie: dict[str, str]
) -> None:
    ws = released
    publish(hub.api(), "alice/plain", {"v0.1.0": {"accuracy": 0.5}})
    hub.api().create_repo("alice/data", repo_type="dataset")
    promote(ws, "promote", "v1.0.0", "production")
    promote(ws, "promote", "v1.1.0", "staging")
    page = http.get("/", headers=cookie).text
    assert front_rows(page) == {
        REPO: {"production": "v1.0.0", "staging": "v1.1.0"},
        "alice/plain": {},
        "alice/data": {},
    }
    assert f'href="/{REPO}/tree/production"' in page
    assert '<td class="stages"></td>' in page  # the dataset: no stages to speak of

    promote(ws, "promote", "v1.1.0", "production")  # a commit on the branch, with trailers
    promote(ws, "demote", "staging")
    front = front_rows(http.get("/", headers=cookie).text)[REPO]
    versions = listed(http.get(f"/{REPO}/versions", headers=cookie).text)
    assert front == {s: v for s, (v, _) in versions.items()} == {"production": "v1.1.0"}
    assert REPO not in front_rows(http.get("/").text)  # private: not shown signed out


def test_front_page_reads_refs_and_a_few_branch_heads_per_repository_never_a_history(
    http: Client, hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = hub.api()
    for name in ("a", "b", "c"):
        publish(api, f"alice/{name}", {"v1.0.0": {"accuracy": 0.9}, "v1.1.0": {"loss": 0.1}})
        for stage in ("s1", "s2", "s3", "s4"):
            api.create_branch(f"alice/{name}", branch=stage, revision="v1.0.0")
    monkeypatch.setattr(frontpage, "FRONT_PAGE_BRANCHES", 2)
    reads: list[str] = []
    real_resolve = HubRepo.resolve
    monkeypatch.setattr(
        HubRepo, "resolve", lambda r, rev: reads.append(rev) or real_resolve(r, rev)
    )
    walks: list[object] = []

    def walk(*args: object) -> None:
        walks.append(args)
        raise AssertionError("the front page walked a history")

    monkeypatch.setattr(pygit2.Repository, "walk", walk)
    answer = http.get("/")
    assert answer.status_code == 200 and walks == []
    assert front_rows(answer.text) == {
        f"alice/{name}": {"s1": "v1.0.0", "s2": "v1.0.0"} for name in ("a", "b", "c")
    }
    assert answer.text.count('/versions">2 more branches not read</a>') == 3
    # per repository: main, the latest version, each branch read and the tag it names
    assert len(reads) <= 3 * (2 + 2 * 2)


def test_a_hostile_branch_name_is_text_and_its_link_one_segment(http: Client, hub: Any) -> None:
    api = hub.api()
    published = publish(api, "alice/demo", {"v1.0.0": {"accuracy": 0.9}})
    stage_commit(
        api, "alice/demo", HOSTILE, {"Hfgit-Stage": HOSTILE, "Hfgit-Stage-Version": "v1.0.0"}
    )
    for path in ("/alice/demo/versions", "/alice/demo"):
        page = http.get(path).text
        assert "<script" not in page
        assert listed(page)[HOSTILE][0] == "v1.0.0"
        encoded = quote(HOSTILE, safe="")
        links = set(re.findall(r'href="/alice/demo/tree/([^"]*)"', page))
        assert encoded in links and links <= {"main", "v1.0.0", encoded}, path
    assert badges(http.get("/alice/demo/versions").text) == {"v1.0.0": [HOSTILE]}
    tree = http.get(f"/alice/demo/tree/{quote(HOSTILE, safe='')}")
    assert tree.status_code == 200 and "note.txt" in tree.text
    assert published.commits["v1.0.0"] not in tree.text  # the branch's own head, not the tag


def test_branches_that_are_no_stage_hold_nothing(
    released: Workspace, http: Client, cookie: dict[str, str]
) -> None:
    ws = released
    promote(ws, "promote", "v1.0.0", "production")
    promote(ws, "promote", "v1.1.0", "production")  # now a commit with the stage trailers
    said = {"Hfgit-Stage": "canary", "Hfgit-Stage-Version": "v9.9.9"}
    stage_commit(ws.api, REPO, "canary", said)  # a version this repository does not have
    stage_commit(ws.api, REPO, "experiment", {"Hfgit-Version": "v1.1.0"})  # not v1.1.0's commit
    ws.api.create_branch(REPO, branch="backup", revision="production")  # says production
    ws.api.create_branch(REPO, branch="Old-Main", revision="v1.0.0")  # no stage name
    page = http.get(f"/{REPO}/versions", headers=cookie).text
    assert list(listed(page)) == ["production"]
    assert badges(page) == {"v1.1.0": ["production"], "v1.0.0": []}
    assert "v9.9.9" not in page and "canary" not in page


def test_only_the_first_branches_by_name_are_read(
    http: Client, hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = hub.api()
    publish(api, "alice/demo", {"v1.0.0": {"accuracy": 0.9}})
    for name in ("e", "d", "c", "b", "a"):
        api.create_branch("alice/demo", branch=f"stage-{name}", revision="v1.0.0")
    monkeypatch.setattr(stages, "MAX_BRANCHES", 3)
    page = http.get("/alice/demo/versions").text
    assert list(listed(page)) == ["stage-a", "stage-b", "stage-c"]
    assert "2 more were not read" in page


def test_pages_answer_head_as_get_without_a_body(http: Client, hub: Any) -> None:
    publish(hub.api(), "alice/demo", {"v1.0.0": {"accuracy": 0.9}})
    address = urlsplit(hub.url)
    for path in ("/", "/alice/demo", "/alice/demo/versions", "/alice/demo/tree/main", "/style.css"):
        got = http.get(path)
        assert got.status_code == 200, path
        with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
            conn.sendall(f"HEAD {path} HTTP/1.1\r\nHost: hub\r\n\r\n".encode())
            head, rest = _read_head(conn)
            assert head.startswith("HTTP/1.1 200 "), head
            assert f"\r\nContent-Length: {len(got.content)}\r\n" in head, path
            assert rest == b""
            # on the same connection, the next answer comes first: no body was sent after the head
            conn.sendall(b"GET /style.css HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
            after, _ = _read_head(conn)
            assert after.startswith("HTTP/1.1 200 "), after
    missing = http.head("/alice/nothing-here")
    assert missing.status_code == 404


def _read_head(conn: socket.socket) -> tuple[str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1") + "\r\n", rest


@pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="needs Debian's chromium and chromium-driver",
)
def test_a_browser_shows_the_badges_as_text_and_runs_nothing(
    hub: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = hub.api()
    publish(api, "alice/demo", {"v1.0.0": {"accuracy": 0.9}, "v1.1.0": {"accuracy": 0.95}})
    stage_commit(
        api, "alice/demo", HOSTILE, {"Hfgit-Stage": HOSTILE, "Hfgit-Stage-Version": "v1.0.0"}
    )
    api.create_branch("alice/demo", branch="production", revision="v1.1.0")
    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium-manager must never fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument("--disable-dev-shm-usage")
    chrome = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        chrome.get(f"{hub.url}/alice/demo/versions")
        chrome.save_screenshot(str(tmp_path / "versions-stages.png"))
        rows = {
            row.find_element(By.TAG_NAME, "strong").text: [
                b.text for b in row.find_elements(By.CSS_SELECTOR, "a.badge.stage")
            ]
            for row in chrome.find_elements(By.CSS_SELECTOR, "tr.version")
        }
        assert rows == {"v1.1.0": ["production"], "v1.0.0": [HOSTILE]}
        assert chrome.find_elements(By.TAG_NAME, "script") == []
        chrome.find_element(By.CSS_SELECTOR, "tr.version a.badge.stage[href*='%3Cscript']").click()
        tree = f"/alice/demo/tree/{quote(HOSTILE, safe='')}"
        WebDriverWait(chrome, 60).until(
            lambda d: (
                d.current_url.endswith(tree)
                and d.execute_script("return document.readyState === 'complete'")
            )
        )
        assert "note.txt" in chrome.find_element(By.TAG_NAME, "body").text
    finally:
        chrome.quit()
