"""Who may see and change what: private repos, namespaces, anonymous and read-only callers."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from hfgit.server import running_hub


@pytest.fixture
def private_repo(hub) -> str:
    api = hub.api()
    api.create_repo("alice/secret", private=True)
    api.upload_file(path_or_fileobj=b"secret", path_in_repo="s.txt", repo_id="alice/secret")
    return "alice/secret"


@pytest.mark.parametrize("user", [None, "bob"])
def test_private_repo_is_not_found_for_anyone_but_its_owner(hub, private_repo, user, tmp_path):
    api = hub.api(user)
    calls = [
        lambda: api.repo_info(private_repo),
        lambda: api.list_repo_refs(private_repo),
        lambda: api.list_repo_commits(private_repo),
        lambda: list(api.list_repo_tree(private_repo)),
        lambda: api.get_paths_info(private_repo, ["s.txt"]),
        lambda: hf_hub_download(
            private_repo, "s.txt", endpoint=hub.url, token=api.token, cache_dir=tmp_path
        ),
    ]
    for call in calls:
        with pytest.raises(RepositoryNotFoundError):
            call()
    assert not api.repo_exists(private_repo)
    assert not api.file_exists(private_repo, "s.txt")


@pytest.mark.parametrize("user", [None, "bob"])
def test_private_repo_resolve_answers_repo_not_found(hub, private_repo, user, http, auth):
    headers = auth(user) if user else {}
    for method in ("HEAD", "GET"):
        response = http.request(method, f"/{private_repo}/resolve/main/s.txt", headers=headers)
        assert response.status_code == 404
        assert response.headers["X-Error-Code"] == "RepoNotFound"


def test_owner_sees_the_private_repo(hub, private_repo):
    assert hub.api("alice").repo_info(private_repo).private is True


def test_writes_to_a_private_repo_of_someone_else_look_like_a_missing_repo(hub, private_repo):
    with pytest.raises(RepositoryNotFoundError):
        hub.api("bob").upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=private_repo)


def test_anonymous_writes_are_refused_with_401(hub, repo_id):
    api = hub.api(None)
    for call in (
        lambda: api.create_repo("alice/anon"),
        lambda: api.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo_id),
        lambda: api.create_tag(repo_id, tag="t"),
        lambda: api.create_branch(repo_id, branch="b"),
    ):
        with pytest.raises(HfHubHTTPError) as info:
            call()
        assert info.value.response.status_code == 401


def test_writes_outside_ones_namespace_are_refused_with_403(hub, repo_id):
    bob = hub.api("bob")
    for call in (
        lambda: bob.create_repo("alice/by-bob"),
        lambda: bob.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo_id),
        lambda: bob.create_tag(repo_id, tag="t"),
        lambda: bob.create_branch(repo_id, branch="b"),
        lambda: bob.delete_file(".gitattributes", repo_id),
        lambda: bob.delete_repo(repo_id),
    ):
        with pytest.raises(HfHubHTTPError) as info:
            call()
        assert info.value.response.status_code == 403
    assert hub.api().list_repo_files(repo_id) == [".gitattributes"]


def test_anyone_reads_a_public_repo(hub, repo_id):
    assert hub.api(None).list_repo_files(repo_id) == [".gitattributes"]
    assert hub.api("bob").repo_exists(repo_id)


def test_create_repo_without_namespace_uses_the_callers_own(hub, http, auth):
    response = http.post(
        "/api/repos/create", json={"name": "mine", "organization": None}, headers=auth("bob")
    )
    assert response.status_code == 200
    assert response.json()["url"] == f"{hub.url}/bob/mine"


def test_read_only_token_can_read_but_not_write(tmp_path):
    with running_hub(tmp_path, users={"alice": "hf_w"}, read_tokens={"alice": "hf_r"}) as url:
        HfApi(endpoint=url, token="hf_w").create_repo("alice/demo")
        reader = HfApi(endpoint=url, token="hf_r")
        assert reader.whoami()["auth"]["accessToken"]["role"] == "read"
        assert reader.list_repo_files("alice/demo") == [".gitattributes"]
        with pytest.raises(HfHubHTTPError) as info:
            reader.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/demo")
        assert info.value.response.status_code == 403
