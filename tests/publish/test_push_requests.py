"""What `git hf push` asks the Hub, counted request by request through a proxy in front of the
embedded hub (tests/faultproxy.py, no faults): a push makes the requests publishing needs, and
no others; each test names one that was dropped, so that it cannot come back unnoticed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from faultproxy import FaultProxy

REPO = "alice/tool-caller"
BIG = (10 << 20) + 4096  # above the inline limit: uploaded through LFS (or Xet)


@pytest.fixture
def over_lfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user turned Xet off (HF_HUB_DISABLE_XET=1)."""
    import huggingface_hub.constants

    from hfgit.hub import library

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(library, "_xet_turned_off", False)


def requests(proxy: FaultProxy) -> list[str]:
    """`METHOD path` of each request, the query left out."""
    return [f"{e.method} {e.path.split('?')[0]}" for e in proxy.events]


def count(proxy: FaultProxy, method: str, part: str) -> int:
    return sum(1 for e in proxy.events if e.method == method and part in e.path)


def version(workspace: Any, tag: str, size: int = BIG) -> None:
    workspace.write("model/model.safetensors", os.urandom(size))
    workspace.write("model/config.json", json.dumps({"model_type": "llama", "tag": tag}))
    workspace.commit(f"feat: weights of {tag}")
    workspace.tag(tag)


def push(workspace: Any, proxy: FaultProxy, *args: str) -> list[str]:
    proxy.reset()
    result = workspace.run("push", *args)
    assert result.code == 0, result.err
    return requests(proxy)


def test_a_first_push_over_lfs_asks_the_lfs_batch_once_and_the_commit_page_once(
    workspace, proxy, over_lfs
):
    version(workspace, "v1.0.0")

    asked = push(workspace, proxy)

    # The repository was created by this push: it stores nothing that could spare an upload,
    # so only the library's own batch request is made (none asking what is stored).
    assert count(proxy, "POST", "/info/lfs/objects/batch") == 1
    assert count(proxy, "POST", "/api/repos/create") == 1
    # After the tag, the catalog is not read again: one page of commits, for the cache.
    tag = next(i for i, r in enumerate(asked) if r.startswith(f"POST /api/models/{REPO}/tag/"))
    hub_commit = workspace.api.list_repo_refs(REPO).tags[0].target_commit
    assert asked[tag + 1 :] == [f"GET /api/models/{REPO}/commits/{hub_commit}"]


def test_a_user_who_turned_xet_off_is_not_asked_about_xet(workspace, proxy, over_lfs):
    version(workspace, "v1.0.0")

    push(workspace, proxy)

    assert count(proxy, "GET", "/xet-write-token/") == 0
    assert count(proxy, "PUT", "/lfs/") == 1  # the weights went over LFS


def test_a_push_to_a_repository_that_exists_reads_its_refs_once_and_creates_nothing(
    workspace, proxy
):
    version(workspace, "v1.0.0")
    push(workspace, proxy)
    version(workspace, "v1.1.0")

    push(workspace, proxy)

    assert count(proxy, "GET", "/refs") == 1
    assert count(proxy, "POST", "/api/repos/create") == 0
    assert count(proxy, "POST", "/tag/") == 1


def test_after_a_push_a_warm_log_asks_the_refs_alone(workspace, proxy):
    version(workspace, "v1.0.0")
    push(workspace, proxy)

    proxy.reset()
    result = workspace.run("log")

    assert result.code == 0, result.err
    assert "v1.0.0" in result.out
    assert requests(proxy) == [f"GET /api/models/{REPO}/refs"]


def test_versions_after_the_first_are_built_against_the_hub_as_it_is_then(workspace, proxy):
    version(workspace, "v1.0.0", size=64 * 1024)
    push(workspace, proxy)
    version(workspace, "v1.1.0", size=64 * 1024)
    version(workspace, "v1.2.0", size=64 * 1024)

    asked = push(workspace, proxy)

    # read before v1.1.0 and again before v1.2.0 (whose card lists v1.1.0), not after it
    assert count(proxy, "GET", "/refs") == 2
    assert asked[-1].startswith(f"GET /api/models/{REPO}/commits/")
    card = workspace.api.hf_hub_download(REPO, "README.md", revision="v1.2.0")
    assert "v1.1.0" in Path(card).read_text()


def test_a_first_push_reads_the_refs_once_then_creates_the_repository(workspace, proxy):
    version(workspace, "v1.0.0")

    asked = push(workspace, proxy)

    # the catalog's 404 is read as the library reads it, not asked again through it; the
    # repository is then created without asking whether it exists
    assert count(proxy, "GET", "/refs") == 1
    assert asked[:2] == [f"GET /api/models/{REPO}/refs", "POST /api/repos/create"]


def test_log_of_a_repository_not_on_the_hub_asks_once_and_says_so(workspace, proxy):
    proxy.reset()
    result = workspace.run("log")

    assert result.code == 0, result.err
    assert "not on the Hub yet" in result.err
    assert requests(proxy) == [f"GET /api/models/{REPO}/refs"]
