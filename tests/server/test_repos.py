"""Accounts and repos: whoami, create/delete, info at a revision, existence checks, datasets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError


def test_whoami_names_the_token_owner(hub):
    assert hub.api("alice").whoami()["name"] == "alice"
    assert hub.api("bob").whoami()["auth"]["accessToken"]["role"] == "write"


def test_whoami_rejects_an_unknown_token(hub):
    from huggingface_hub import HfApi

    with pytest.raises(HfHubHTTPError) as info:
        HfApi(endpoint=hub.url, token="hf_notAToken123456").whoami()
    assert info.value.response.status_code == 401


def test_create_repo_returns_its_url_and_exist_ok_tolerates_a_second_create(hub):
    api = hub.api()
    url = api.create_repo("alice/demo", private=True)
    assert url == f"{hub.url}/alice/demo"
    assert url.repo_id == "alice/demo"
    assert api.create_repo("alice/demo", exist_ok=True).repo_id == "alice/demo"
    with pytest.raises(HfHubHTTPError) as info:
        api.create_repo("alice/demo")
    assert info.value.response.status_code == 409


def test_new_repo_starts_with_an_initial_commit_holding_lfs_gitattributes(hub, repo_id, tmp_path):
    api = hub.api()
    info = api.model_info(repo_id)
    assert re.fullmatch(r"[0-9a-f]{40}", info.sha)
    assert [s.rfilename for s in info.siblings] == [".gitattributes"]
    assert info.last_modified is not None and info.private is False
    assert [c.title for c in api.list_repo_commits(repo_id)] == ["initial commit"]
    attributes = api.hf_hub_download(repo_id, ".gitattributes", cache_dir=tmp_path)
    assert "*.safetensors filter=lfs diff=lfs merge=lfs -text" in Path(attributes).read_text()


def test_private_flag_follows_visibility(hub):
    api = hub.api()
    api.create_repo("alice/secret", private=True)
    api.create_repo("alice/open", private=False)
    assert api.repo_info("alice/secret").private is True
    assert api.repo_info("alice/open").private is False


def test_repo_exists_and_revision_exists(hub, repo_id):
    api = hub.api()
    assert api.repo_exists(repo_id)
    assert not api.repo_exists("alice/nope")
    assert api.revision_exists(repo_id, "main")
    assert not api.revision_exists(repo_id, "nope")
    assert not api.revision_exists("alice/nope", "main")


def test_repo_info_at_a_revision_gives_that_commit(hub, repo_id):
    api = hub.api()
    first = api.repo_info(repo_id).sha
    api.create_tag(repo_id, tag="v0")
    api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
    assert api.repo_info(repo_id, revision="v0").sha == first
    assert api.repo_info(repo_id).sha != first
    assert {s.rfilename for s in api.repo_info(repo_id).siblings} == {".gitattributes", "x.txt"}
    with pytest.raises(RevisionNotFoundError):
        api.repo_info(repo_id, revision="missing")


def test_model_info_with_files_metadata_reports_sizes_and_lfs(hub, repo_id):
    api = hub.api()
    api.upload_file(path_or_fileobj=b"\x00binary" * 10, path_in_repo="w.bin", repo_id=repo_id)
    info = api.model_info(repo_id, files_metadata=True)
    weights = next(s for s in info.siblings if s.rfilename == "w.bin")
    assert weights.size == 70
    assert weights.lfs is not None and weights.lfs.size == 70


def test_delete_repo_and_missing_ok(hub, repo_id):
    api = hub.api()
    api.delete_repo(repo_id)
    assert not api.repo_exists(repo_id)
    api.delete_repo(repo_id, missing_ok=True)
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(repo_id)


def test_repo_without_namespace_is_not_found(hub, http):
    response = http.get("/api/models/gpt2")
    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "RepoNotFound"


def test_dataset_repos_live_beside_model_repos_of_the_same_name(hub, repo_id):
    api = hub.api()
    api.create_repo(repo_id, repo_type="dataset")
    api.upload_file(
        path_or_fileobj=b"a,b\n", path_in_repo="data.csv", repo_id=repo_id, repo_type="dataset"
    )
    assert api.list_repo_files(repo_id, repo_type="dataset") == [".gitattributes", "data.csv"]
    assert api.list_repo_files(repo_id) == [".gitattributes"]
    assert api.dataset_info(repo_id).id == repo_id
    assert (hub.root / "repos" / "datasets" / "alice" / "demo.git").is_dir()
