"""The web pages of the embedded hub over real HTTP: what they show, what they escape, who
may see them, and signing in with a cookie."""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape

import pygit2
import pytest
from hubhttp import Client
from pagesdata import VERSIONS, XSS_CARD, XSS_FILE, XSS_MESSAGE, publish

from hfgit.server.pages import handlers, history


@pytest.fixture
def demo(hub):  # type: ignore[no-untyped-def]
    return publish(hub.api(), "alice/demo")


def sign_in(http: Client, hub, token: str) -> str:  # type: ignore[no-untyped-def]
    """Post the sign-in form as a browser would; the cookie it sets."""
    answer = http.post(
        "/login",
        content=f"token={token}".encode(),
        headers={"Origin": hub.url, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["Set-Cookie"].partition(";")[0]


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_card_shows_front_matter_markdown_and_latest_version(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    page = http.get("/alice/demo")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    meta = re.search(r'<table class="meta">(.*?)</table>', page.text, re.S)
    assert meta is not None
    assert "<th>license</th><td>apache-2.0</td>" in meta[1]
    assert "<th>base model</th><td>bert-base-uncased</td>" in meta[1]
    assert "<th>tags</th><td>text-classification, hfgit</td>" in meta[1]
    assert "<h1>Sentiment model</h1>" in page.text
    assert "<strong>imdb</strong>" in page.text
    assert 'href="https://example.org/docs"' in page.text
    assert 'revision="v1.0.0"' in page.text  # the highest version, not the last tag made


def test_card_script_link_and_raw_html_are_text(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    page = http.get("/alice/demo").text
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert XSS_CARD in text_of(page)
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', page))
    assert "script-src" not in page
    csp = http.get("/alice/demo").headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp


def test_versions_page_lists_every_version_with_one_point_each(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    page = http.get("/alice/demo/versions").text
    rows = re.findall(r'<tr class="version">\s*<td><a [^>]*><strong>([^<]+)</strong>', page)
    assert rows == sorted(VERSIONS, key=history.version_key, reverse=True)
    for metric in ("accuracy", "loss"):
        figure = re.search(
            rf'<figure class="chart" data-metric="{metric}">(.*?)</figure>', page, re.S
        )
        assert figure is not None, metric
        points = re.findall(
            r'<g class="point" data-version="([^"]+)" data-value="([^"]+)"', figure[1]
        )
        oldest_first = sorted(VERSIONS, key=history.version_key)
        assert [v for v, _ in points] == oldest_first
        assert [float(x) for _, x in points] == [VERSIONS[v][metric] for v in oldest_first]
    assert "02abababab" in page  # git commit from the trailers


def test_versions_compare_two_side_by_side(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    page = http.get("/alice/demo/versions", params={"a": "v0.1.0", "b": "v1.0.0"}).text
    table = re.search(r'<table class="list compared">(.*?)</table>', page, re.S)
    assert table is not None
    assert re.search(r"<th>accuracy</th><td[^>]*>0.71</td><td[^>]*>0.9</td>", table[1])
    assert re.search(r"<th>lr</th><td>0.001</td><td>0.004</td>", table[1])


def test_versions_read_one_page_of_commits_whatever_their_number(
    http: Client,
    demo,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(history, "VERSIONS_PAGE", 3)
    read: list[str] = []
    real_entry = history.entry
    monkeypatch.setattr(history, "entry", lambda c: read.append(str(c.id)) or real_entry(c))
    newest = http.get("/alice/demo/versions").text
    assert len(read) == 3
    assert re.findall(r'<tr class="version">', newest).__len__() == 3
    assert 'href="?p=1"' in newest
    older = http.get("/alice/demo/versions", params={"p": "1"}).text
    assert re.findall(r"<strong>(v[0-9.]+)</strong></a>\s*</td>", older) == ["v0.1.0"]
    assert len(read) == 4


def test_tree_lists_files_with_sizes_lfs_and_downloads(http: Client, hub, demo) -> None:  # type: ignore[no-untyped-def]
    page = http.get("/alice/demo/tree/main").text
    row = re.search(r'<tr>\s*<td><a href="([^"]+)">weights.safetensors</a>(.*?)</tr>', page, re.S)
    assert row is not None
    assert "LFS" in row[2] and "16.4 kB" in row[2]
    download = re.search(r'class="download" href="([^"]+)"', row[2])
    assert download is not None
    assert http.get(download[1]).content == bytes(range(256)) * 64
    assert 'href="/alice/demo/tree/main/configs">configs/</a>' in page
    sub = http.get("/alice/demo/tree/main/configs").text
    assert ">train.yaml</a>" in sub


def test_blob_shows_text_escaped_and_hides_binaries(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    readme = http.get("/alice/demo/blob/main/README.md").text
    assert "&lt;script&gt;" in readme and "<script" not in readme
    binary = http.get("/alice/demo/blob/main/vocab.idx").text
    assert "not shown" in binary and "binary\x00" not in binary  # the client sent it through LFS
    lfs = http.get("/alice/demo/blob/main/weights.safetensors").text
    assert "Stored with Git LFS" in lfs
    assert http.get("/alice/demo/blob/main/missing.txt").status_code == 404


def test_file_name_and_commit_message_are_text(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    tree = http.get("/alice/demo/tree/main").text
    assert "<img" not in tree
    assert XSS_FILE in text_of(tree)
    commits = http.get("/alice/demo/commits/main").text
    assert "<img" not in commits
    assert XSS_MESSAGE in text_of(commits)


def test_commits_show_version_git_commit_and_metrics(http: Client, demo) -> None:  # type: ignore[no-untyped-def]
    page = http.get("/alice/demo/commits/main").text
    rows = re.findall(r'<tr class="commit">(.*?)</tr>', page, re.S)
    assert len(rows) == len(VERSIONS) + 3  # + initial commit, files, tokenizer
    newest = rows[0]
    assert "<strong>v1.0.0</strong>" in newest
    assert "04abababab" in newest and "accuracy=0.9, loss=0.31" in newest
    tagged = http.get("/alice/demo/commits/v0.2.0").text
    assert len(re.findall(r'<tr class="commit">', tagged)) == 5


def test_commits_are_paged(paged_hub) -> None:  # type: ignore[no-untyped-def]
    publish(paged_hub.api(), "alice/demo")
    http = Client(paged_hub.url)
    seen = []
    for number in range(4):
        page = http.get("/alice/demo/commits/main", params={"p": str(number)}).text
        seen += re.findall(r'<td class="message">([^<]+)<', page)
        assert (f'href="?p={number + 1}"' in page) == (number < 3)
    assert seen[:2] == ["Version v1.0.0", "Version v0.10.0"]
    assert len(seen) == len(set(seen)) == len(VERSIONS) + 3
    assert http.get("/alice/demo/commits/main", params={"p": "x"}).status_code == 400


def test_commits_and_versions_show_the_same_pager_and_metrics_cell(
    paged_hub,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    publish(paged_hub.api(), "alice/demo")  # 7 commits, 2 a page; 4 versions, 1 a page
    monkeypatch.setattr(history, "VERSIONS_PAGE", 1)
    http = Client(paged_hub.url)

    def pager(path: str, number: int) -> str:
        page = http.get(path, params={"p": str(number)}).text
        found = re.findall(r'<p class="pages">.*?</p>', page, re.S)
        assert len(found) == 1, path
        return str(found[0])

    seen = set()
    for number in range(4):
        commits = pager("/alice/demo/commits/main", number)
        assert commits == pager("/alice/demo/versions", number), number
        seen.add(commits)
    assert len(seen) == 4  # each page links to its own neighbours
    assert "newer" not in pager("/alice/demo/versions", 0)
    assert 'href="?p=0"' in pager("/alice/demo/versions", 1)
    assert 'href="?p=2"' in pager("/alice/demo/versions", 1)
    assert "older" not in pager("/alice/demo/versions", 3)

    def metrics_cell(path: str, row: str) -> str:
        page = http.get(path).text
        found = re.search(
            rf'<tr class="{row}">(?:(?!</tr>).)*?<strong>v1\.0\.0</strong>.*?</tr>', page, re.S
        )
        assert found is not None, path
        cell = re.findall(r'<td class="metrics">.*?</td>', found[0], re.S)
        assert len(cell) == 1, path
        return str(cell[0])

    commit_cell = metrics_cell("/alice/demo/commits/main", "commit")
    assert commit_cell == metrics_cell("/alice/demo/versions", "version")
    assert commit_cell == '<td class="metrics">accuracy=0.9, loss=0.31</td>'


def test_private_repo_is_not_found_until_its_owner_signs_in(http: Client, hub) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api(), "alice/secret", {"v1.0.0": {"accuracy": 0.5}}, private=True)
    pages = [
        "/alice/secret",
        "/alice/secret/versions",
        "/alice/secret/tree/main",
        "/alice/secret/blob/main/config.json",
        "/alice/secret/commits/main",
    ]
    api_answer = http.get("/api/models/alice/secret")
    missing = http.get("/alice/missing")
    for path in pages:
        answer = http.get(path)
        assert answer.status_code == api_answer.status_code == 404, path
        assert answer.headers["X-Error-Code"] == api_answer.headers["X-Error-Code"]
        assert answer.text.replace("secret", "missing") == missing.text
    assert "alice/secret" not in http.get("/").text
    bob = sign_in(http, hub, hub.tokens["bob"])
    assert http.get("/alice/secret", headers={"Cookie": bob}).status_code == 404
    assert "alice/secret" not in http.get("/", headers={"Cookie": bob}).text
    alice = sign_in(http, hub, hub.tokens["alice"])
    for path in pages:
        assert http.get(path, headers={"Cookie": alice}).status_code == 200, path
    index = http.get("/", headers={"Cookie": alice}).text
    assert "alice/secret" in index and "Signed in as <strong>alice</strong>" in index


def test_the_cookie_does_not_authenticate_the_api(http: Client, hub) -> None:  # type: ignore[no-untyped-def]
    hub.api().create_repo("alice/hidden", private=True)
    alice = sign_in(http, hub, hub.tokens["alice"])
    assert http.get("/alice/hidden", headers={"Cookie": alice}).status_code == 200
    assert http.get("/api/models/alice/hidden", headers={"Cookie": alice}).status_code == 404


def test_sign_in_cookie_is_http_only_strict_and_sign_out_clears_it(http: Client, hub) -> None:  # type: ignore[no-untyped-def]
    form = {"Origin": hub.url, "Content-Type": "application/x-www-form-urlencoded"}
    answer = http.post("/login", content=f"token={hub.tokens['alice']}".encode(), headers=form)
    cookie = answer.headers["Set-Cookie"]
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1
    out = http.post("/logout", headers={"Origin": hub.url})
    assert out.status_code == 303
    assert out.headers["Set-Cookie"].startswith("hfgit_token=;")
    assert "Max-Age=0" in out.headers["Set-Cookie"]


def test_sign_in_refuses_other_origins_and_unknown_tokens(http: Client, hub) -> None:  # type: ignore[no-untyped-def]
    body = f"token={hub.tokens['alice']}".encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for origin in ({"Origin": "http://evil.example"}, {}):
        answer = http.post("/login", content=body, headers={**form, **origin})
        assert answer.status_code == 403
        assert answer.headers["Set-Cookie"] is None
    assert http.post("/logout", headers={"Origin": "http://evil.example"}).status_code == 403
    wrong = http.post("/login", content=b"token=nope", headers={**form, "Origin": hub.url})
    assert wrong.status_code == 401 and "not known" in wrong.text
    assert wrong.headers["Set-Cookie"] is None
    stale = {"Cookie": "hfgit_token=nope"}
    assert "Sign in</a>" in http.get("/", headers=stale).text


def test_front_page_lists_newest_first_with_latest_version(http: Client, hub, demo) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api("bob"), "bob/later", {"v2.0.0": {"f1": 0.5}}, card="# Later\n")
    git = pygit2.Repository(str(hub.root / "repos" / "models" / "bob" / "later.git"))
    head = git.revparse_single("main")
    hour_later = pygit2.Signature("bob", "bob@example.org", head.commit_time + 3600, 0)
    git.create_commit("refs/heads/main", hour_later, hour_later, "Later", head.tree.id, [head.id])
    page = http.get("/").text
    assert page.index("bob/later") < page.index("alice/demo")
    row = re.search(r"alice/demo</a>.*?</tr>", page, re.S)
    assert row is not None and "v1.0.0" in row[0] and "accuracy = 0.9" in row[0]


def test_dataset_pages_and_unknown_pages(http: Client, hub) -> None:  # type: ignore[no-untyped-def]
    hub.api().create_repo("alice/data", repo_type="dataset")
    page = http.get("/datasets/alice/data")
    assert page.status_code == 200 and '<span class="kind">dataset</span>' in page.text
    assert http.get("/alice/data").status_code == 404
    assert http.get("/alice/nope/versions").status_code == 404
    assert http.get("/datasets/alice/data/other").status_code == 404


def test_a_card_too_large_is_linked_not_rendered(
    http: Client,
    hub,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    publish(hub.api(), "alice/big", {}, card="# Big\n" + "words " * 100)
    monkeypatch.setattr(handlers, "CARD_BYTES", 100)
    page = http.get("/alice/big").text
    assert "too large to show" in page and "<h1>Big</h1>" not in page


def test_git_hf_serve_prints_the_address_of_its_pages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(tmp_path / "root"),
               "--port", "0", "--user", "alice", "--token", "hf_pagesToken123"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        lines = iter(process.stderr.readline, "")
        address = next(line for line in lines if line.startswith("web pages: "))
        url = address.removeprefix("web pages: ").strip()
        page = Client(url).get("/")
        assert page.status_code == 200 and "<h1>Repositories</h1>" in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_metrics_no_chart_can_hold_are_left_out_of_the_charts(http: Client, hub) -> None:  # type: ignore[no-untyped-def]
    # whoever commits may write NaN or Infinity into a trailer (JSON as Python reads it)
    weird = {"v1.0.0": {"accuracy": float("nan"), "loss": float("inf")}}
    publish(hub.api(), "alice/weird", {**weird, "v1.1.0": {"accuracy": 0.5, "loss": 0.2}})
    answer = http.get("/alice/weird/versions")
    assert answer.status_code == 200
    for metric in ("accuracy", "loss"):
        figure = re.search(
            rf'<figure class="chart" data-metric="{metric}">(.*?)</figure>', answer.text, re.S
        )
        assert figure is not None, metric
        points = re.findall(r'<g class="point" data-version="([^"]+)"', figure[1])
        assert points == ["v1.1.0"]
