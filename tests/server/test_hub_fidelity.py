"""The rest of the Hub API the stock client calls, answered as the Hub answers it: settings,
access checks, moves, history squashing, repo ids, `.gitignore`, README metadata, deletes
and error texts. Pull requests are in test_hub_pull_requests.py."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, hf_hub_download
from huggingface_hub.errors import (
    BadRequestError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import _http as client_http

from hfgit.server.collector import collect
from hfgit.server.storage import Storage


def _download(hub, repo_id, filename, user="alice", tmp=None):  # type: ignore[no-untyped-def]
    token = hub.tokens[user] if user else False
    return hf_hub_download(repo_id, filename, endpoint=hub.url, token=token, cache_dir=tmp)


# --- settings, gating, auth-check ---------------------------------------------------------


def test_visibility_changes_hide_and_show_the_repo(hub, repo_id):
    hub.api().update_repo_settings(repo_id, private=True)
    assert hub.api().repo_info(repo_id).private is True
    for user in (None, "bob"):
        with pytest.raises(RepositoryNotFoundError):
            hub.api(user).repo_info(repo_id)
    hub.api().update_repo_settings(repo_id, visibility="public")
    assert hub.api("bob").repo_info(repo_id).private is False


def test_a_gated_repo_is_described_to_all_but_serves_files_to_granted_users(hub, repo_id, tmp_path):
    alice, bob = hub.api(), hub.api("bob")
    alice.update_repo_settings(repo_id, gated="manual")
    assert bob.repo_info(repo_id).gated == "manual"
    with pytest.raises(GatedRepoError) as anonymous:
        hub.api(None).auth_check(repo_id)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as stranger:
        bob.auth_check(repo_id)
    assert stranger.value.response.status_code == 403
    assert "not in the authorized list" in str(stranger.value)
    with pytest.raises(GatedRepoError):
        _download(hub, repo_id, ".gitattributes", "bob", tmp_path / "bob")
    alice.auth_check(repo_id)
    alice.grant_access(repo_id, "bob")
    bob.auth_check(repo_id)
    assert Path(_download(hub, repo_id, ".gitattributes", "bob", tmp_path / "granted")).exists()
    alice.update_repo_settings(repo_id, gated=False)
    assert hub.api(None).repo_info(repo_id).gated is False
    hub.api(None).auth_check(repo_id)


def test_auth_check_answers_repo_not_found_and_write_access(hub, repo_id):
    with pytest.raises(RepositoryNotFoundError):
        hub.api().auth_check("alice/missing")
    hub.api().auth_check(repo_id, write=True)
    with pytest.raises(HfHubHTTPError) as reader:
        hub.api("bob").auth_check(repo_id, write=True)
    assert reader.value.response.status_code == 403
    hub.api().update_repo_settings(repo_id, private=True)
    with pytest.raises(RepositoryNotFoundError):
        hub.api("bob").auth_check(repo_id)


def test_settings_need_the_owner_and_valid_values(hub, repo_id, http, auth):
    with pytest.raises(HfHubHTTPError) as stranger:
        hub.api("bob").update_repo_settings(repo_id, private=True)
    assert stranger.value.response.status_code == 403
    for body in ({"gated": "sometimes"}, {"visibility": "protected"}, {}):
        answer = http.put(f"/api/models/{repo_id}/settings", json=body, headers=auth())
        assert answer.status_code == 400, body
    assert hub.api().repo_info(repo_id).gated is False


# --- move -------------------------------------------------------------------------------


def test_a_moved_repo_keeps_its_content_and_answers_under_its_old_id(hub, repo_id):
    alice = hub.api()
    alice.upload_file(path_or_fileobj=b"w", path_in_repo="w.txt", repo_id=repo_id)
    alice.create_discussion(repo_id, title="Moves along")
    alice.move_repo(repo_id, "alice/renamed")
    assert alice.repo_info("alice/renamed").id == "alice/renamed"
    assert alice.repo_info(repo_id).id == "alice/renamed"
    assert "w.txt" in alice.list_repo_files("alice/renamed")
    assert [d.title for d in alice.get_repo_discussions("alice/renamed")] == ["Moves along"]
    alice.create_repo(repo_id)  # a new repo at the old id ends the redirect
    assert alice.repo_info(repo_id).id == repo_id
    assert "w.txt" not in alice.list_repo_files(repo_id)


def test_moves_stay_in_the_callers_namespace_and_never_onto_another_repo(hub, repo_id):
    alice = hub.api()
    alice.create_repo("alice/Other")
    with pytest.raises(HfHubHTTPError) as taken:
        alice.move_repo(repo_id, "alice/other")
    assert taken.value.response.status_code == 409
    with pytest.raises(HfHubHTTPError) as foreign:
        alice.move_repo(repo_id, "bob/demo")
    assert foreign.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as stranger:
        hub.api("bob").move_repo(repo_id, "bob/demo")
    assert stranger.value.response.status_code == 403
    alice.move_repo(repo_id, "alice/Demo")  # a new casing of its own name is fine
    assert alice.repo_info("alice/demo").id == "alice/Demo"


# --- super-squash --------------------------------------------------------------------------


def _lfs(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_super_squash_keeps_the_tree_and_lets_gc_collect_objects_of_dropped_commits(hub, repo_id):
    alice = hub.api()
    tagged, current, dropped = b"T" * 100, b"C" * 100, b"D" * 100
    alice.upload_file(path_or_fileobj=tagged, path_in_repo="tagged.bin", repo_id=repo_id)
    alice.create_tag(repo_id, tag="v1")
    alice.delete_file("tagged.bin", repo_id=repo_id)
    alice.upload_file(path_or_fileobj=dropped, path_in_repo="gone.bin", repo_id=repo_id)
    alice.delete_file("gone.bin", repo_id=repo_id)
    alice.upload_file(path_or_fileobj=current, path_in_repo="kept.bin", repo_id=repo_id)
    files = sorted(alice.list_repo_files(repo_id))
    alice.super_squash_history(repo_id, commit_message="One commit")
    commits = alice.list_repo_commits(repo_id)
    assert [c.title for c in commits] == ["One commit"]
    assert sorted(alice.list_repo_files(repo_id)) == files
    store = hub.root / "lfs"
    assert all((store / o[:2] / o[2:4] / o).exists() for o in map(_lfs, (tagged, current, dropped)))
    collected = collect(Storage(hub.root), grace=0, now=time.time() + 60)
    assert collected.objects == 1
    assert not (store / _lfs(dropped)[:2] / _lfs(dropped)[2:4] / _lfs(dropped)).exists()
    for kept in map(_lfs, (tagged, current)):
        assert (store / kept[:2] / kept[2:4] / kept).exists()
    assert alice.hf_hub_download(repo_id, "kept.bin", revision="main")
    assert alice.hf_hub_download(repo_id, "tagged.bin", revision="v1")


def test_super_squash_needs_a_branch_and_write_access(hub, repo_id):
    alice = hub.api()
    alice.create_tag(repo_id, tag="v1")
    with pytest.raises(BadRequestError, match="Invalid reference for a branch"):
        alice.super_squash_history(repo_id, branch="v1")
    with pytest.raises(RevisionNotFoundError):
        alice.super_squash_history(repo_id, branch="nope")
    with pytest.raises(HfHubHTTPError) as stranger:
        hub.api("bob").super_squash_history(repo_id)
    assert stranger.value.response.status_code == 403
    alice.create_branch(repo_id, branch="dev")
    alice.upload_file(path_or_fileobj=b"d", path_in_repo="d.txt", repo_id=repo_id, revision="dev")
    alice.super_squash_history(repo_id, branch="dev")
    assert len(alice.list_repo_commits(repo_id, revision="dev")) == 1
    assert len(alice.list_repo_commits(repo_id)) == 1  # main had one commit already


# --- repo ids ----------------------------------------------------------------------------


def test_repo_ids_ignore_case_and_answer_in_their_own_casing(hub, tmp_path):
    alice = hub.api()
    alice.create_repo("alice/Model")
    assert alice.repo_info("ALICE/model").id == "alice/Model"
    with pytest.raises(HfHubHTTPError) as twice:
        alice.create_repo("alice/model")
    assert twice.value.response.status_code == 409
    assert alice.create_repo("Alice/MODEL", exist_ok=True).repo_id == "alice/Model"
    info = alice.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/model")
    assert info.repo_url.repo_id == "alice/Model"
    assert Path(_download(hub, "aLiCe/mOdEl", "x.txt", tmp=tmp_path)).read_bytes() == b"x"
    alice.delete_repo("ALICE/MODEL")
    assert not alice.repo_exists("alice/Model")


LEGACY_CALLS = {
    "repo_info": lambda api: api.repo_info("gpt2"),
    "list_repo_refs": lambda api: api.list_repo_refs("gpt2"),
    "list_repo_files": lambda api: api.list_repo_files("gpt2"),
    "list_repo_tree": lambda api: list(api.list_repo_tree("gpt2", path_in_repo="sub")),
    "list_repo_commits": lambda api: api.list_repo_commits("gpt2"),
    "get_paths_info": lambda api: api.get_paths_info("gpt2", ["x"]),
    "upload_file": lambda api: api.upload_file(
        path_or_fileobj=b"x", path_in_repo="x", repo_id="gpt2"
    ),
    "create_tag": lambda api: api.create_tag("gpt2", tag="v1"),
    "create_branch": lambda api: api.create_branch("gpt2", branch="b"),
    "auth_check": lambda api: api.auth_check("gpt2"),
    "get_repo_discussions": lambda api: list(api.get_repo_discussions("gpt2")),
    "create_discussion": lambda api: api.create_discussion("gpt2", title="t"),
    "update_repo_settings": lambda api: api.update_repo_settings("gpt2", private=True),
    "super_squash_history": lambda api: api.super_squash_history("gpt2"),
    "hf_hub_download": lambda api: api.hf_hub_download("gpt2", "config.json"),
}


@pytest.mark.parametrize("call", LEGACY_CALLS.values(), ids=LEGACY_CALLS.keys())
def test_single_segment_legacy_ids_are_repo_not_found_everywhere(hub, call):
    with pytest.raises(RepositoryNotFoundError):
        call(hub.api())
    assert hub.api().repo_exists("gpt2") is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/models/gpt2/revision/main"),
        ("POST", "/api/models/gpt2/preupload/main"),
        ("POST", "/api/models/gpt2/commit/main"),
        ("GET", "/api/datasets/gpt2/auth-check/write"),
        ("HEAD", "/gpt2/resolve/main/config.json"),
        ("GET", "/datasets/squad/resolve/main/train.json"),
        ("POST", "/gpt2.git/info/lfs/objects/batch"),
    ],
)
def test_legacy_ids_carry_the_repo_not_found_code(http, auth, method, path):
    answer = http.request(method, path, headers=auth(), json={} if method == "POST" else None)
    assert answer.status_code == 404
    assert answer.headers["X-Error-Code"] == "RepoNotFound"


# --- .gitignore ----------------------------------------------------------------------------

GITIGNORE = "# build output\n*.log\n!keep.log\nbuild/\n/top.txt\n"


def test_preupload_honours_the_repos_gitignore(hub, repo_id, folder):
    alice = hub.api()
    alice.upload_file(
        path_or_fileobj=GITIGNORE.encode(), path_in_repo=".gitignore", repo_id=repo_id
    )
    source = folder(
        {
            "a.log": "x",
            "keep.log": "k",
            "build/out.bin": "b",
            "src/build/deep.txt": "d",
            "top.txt": "t",
            "src/top.txt": "s",
            "ok.txt": "o",
        }
    )
    alice.upload_folder(repo_id=repo_id, folder_path=source)
    assert sorted(alice.list_repo_files(repo_id)) == [
        ".gitattributes",
        ".gitignore",
        "keep.log",
        "ok.txt",
        "src/top.txt",
    ]


def test_a_gitignore_sent_with_the_files_wins_over_the_repos(hub, repo_id, folder, http, auth):
    alice = hub.api()
    alice.upload_file(path_or_fileobj=b"*.log\n", path_in_repo=".gitignore", repo_id=repo_id)
    alice.upload_folder(
        repo_id=repo_id, folder_path=folder({".gitignore": "*.tmp\n", "a.tmp": "t", "b.log": "l"})
    )
    assert sorted(alice.list_repo_files(repo_id)) == [".gitattributes", ".gitignore", "b.log"]
    files = [
        {"path": p, "size": 1, "sample": base64.b64encode(b"x").decode()}
        for p in ("a.tmp", "c.log")
    ]
    answer = http.post(
        f"/api/models/{repo_id}/preupload/main",
        json={"files": files},
        headers=auth(),
    ).json()
    assert {f["path"]: f["shouldIgnore"] for f in answer["files"]} == {
        "a.tmp": True,
        "c.log": False,
    }


# --- README metadata ----------------------------------------------------------------------

BAD_MODEL_INDEX = "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n---\n# Card\n"


def test_invalid_readme_metadata_is_refused_with_the_hubs_message(hub, repo_id):
    alice = hub.api()
    before = alice.repo_info(repo_id).sha
    with pytest.raises(ValueError, match=r"Invalid metadata in README\.md") as refused:
        alice.upload_file(
            path_or_fileobj=BAD_MODEL_INDEX.encode(), path_in_repo="README.md", repo_id=repo_id
        )
    assert '"model-index[0].results[0].dataset" is required' in str(refused.value)
    for card, message in [
        ("---\ntags: one\n---\n", '"tags" must be an array'),
        ("---\nlicense: [mit]\n---\n", '"license" must be a string'),
        (
            "---\nbase_model: /home/me/ckpt\n---\n",
            '"base_model" with value "/home/me/ckpt" is not valid',
        ),
    ]:
        with pytest.raises(ValueError, match="Invalid metadata") as error:
            alice.upload_file(
                path_or_fileobj=card.encode(), path_in_repo="README.md", repo_id=repo_id
            )
        assert message in str(error.value)
    assert alice.repo_info(repo_id).sha == before


def test_a_commit_that_skips_the_clients_check_is_refused_by_the_hub(hub, repo_id, http, auth):
    lines = [
        {"key": "header", "value": {"summary": "card", "description": ""}},
        {
            "key": "file",
            "value": {
                "path": "README.md",
                "encoding": "base64",
                "content": base64.b64encode(b"---\ntags: x\n---\n").decode(),
            },
        },
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    answer = http.post(
        f"/api/models/{repo_id}/commit/main",
        content=body,
        headers={**auth(), "Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 400
    assert answer.headers["X-Error-Message"] == "Invalid metadata in README.md."
    assert answer.json()["errors"] == [{"message": '"tags" must be an array'}]
    assert "README.md" not in hub.api().list_repo_files(repo_id)


def test_dataset_cards_may_list_licenses_and_well_formed_model_cards_pass(hub):
    alice = hub.api()
    alice.create_repo("alice/data", repo_type="dataset")
    card = "---\nlicense: [mit, cc-by-4.0]\ntags: [a]\n---\n"
    alice.upload_file(
        path_or_fileobj=card.encode(),
        path_in_repo="README.md",
        repo_id="alice/data",
        repo_type="dataset",
    )
    alice.create_repo("alice/model")
    model_card = (
        "---\nlicense: mit\nlanguage: en\nbase_model: org/base\nmodel-index:\n- name: m\n"
        "  results:\n  - task: {type: text-classification}\n    dataset: {name: d, type: d}\n"
        "    metrics:\n    - {type: accuracy, value: 0.9}\n---\n# Card\n"
    )
    alice.upload_file(
        path_or_fileobj=model_card.encode(), path_in_repo="README.md", repo_id="alice/model"
    )


def test_a_card_without_metadata_is_committed_with_the_hubs_warning(
    hub, repo_id, caplog, monkeypatch
):
    monkeypatch.setattr(client_http, "_WARNED_TOPICS", set())  # the client warns once per topic
    with (
        caplog.at_level(logging.WARNING, logger="huggingface_hub"),
        pytest.warns(UserWarning, match="empty or missing yaml metadata in repo card"),
    ):
        hub.api().upload_file(
            path_or_fileobj=b"# Just text\n", path_in_repo="README.md", repo_id=repo_id
        )
    assert "README.md" in hub.api().list_repo_files(repo_id)
    logged = [r.getMessage() for r in caplog.records if "validating metadata" in r.getMessage()]
    assert logged and "empty or missing yaml metadata" in logged[0]


# --- deletes, references, parents ------------------------------------------------------------


def test_a_folder_path_without_a_trailing_slash_deletes_the_folder(hub, repo_id, folder):
    alice = hub.api()
    alice.upload_folder(
        repo_id=repo_id, folder_path=folder({"sub/a.txt": "a", "sub/deep/b.txt": "b", "c.txt": "c"})
    )
    with pytest.raises(EntryNotFoundError, match="differentiate file and folder paths"):
        alice.delete_file("sub", repo_id=repo_id)
    alice.delete_folder("sub", repo_id=repo_id)
    assert sorted(alice.list_repo_files(repo_id)) == [".gitattributes", "c.txt"]
    alice.upload_file(path_or_fileobj=b"e", path_in_repo="sub2/e.txt", repo_id=repo_id)
    alice.create_commit(repo_id, [], commit_message="noop")  # nothing happens, nothing fails
    alice.delete_folder("sub2/", repo_id=repo_id)
    assert sorted(alice.list_repo_files(repo_id)) == [".gitattributes", "c.txt"]


def test_reference_errors_name_the_reference_as_the_hub_does(hub, repo_id):
    alice = hub.api()
    alice.create_branch(repo_id, branch="dev")
    for branch in ("dev", "main"):
        with pytest.raises(
            HfHubHTTPError, match=f"Reference refs/heads/{branch} already exists"
        ) as e:
            alice.create_branch(repo_id, branch=branch)
        assert e.value.response.status_code == 409
    alice.create_tag(repo_id, tag="v1")
    with pytest.raises(HfHubHTTPError, match="Reference refs/tags/v1 already exists"):
        alice.create_tag(repo_id, tag="v1")
    with pytest.raises(HfHubHTTPError, match="Cannot delete refs/heads/main"):
        alice.delete_branch(repo_id, branch="main")
    with pytest.raises(RevisionNotFoundError):  # the revision is checked before the tag name
        alice.create_tag(repo_id, tag="invalid tag", revision="foobar")
    with pytest.raises(HfHubHTTPError, match="Invalid rev id"):
        alice.delete_branch(repo_id, branch="v1")


def test_a_stale_parent_commit_gets_the_hubs_412(hub, repo_id):
    alice = hub.api()
    first = alice.repo_info(repo_id).sha
    alice.upload_file(path_or_fileobj=b"1", path_in_repo="one.txt", repo_id=repo_id)
    with pytest.raises(HfHubHTTPError) as stale:
        alice.create_commit(
            repo_id,
            [CommitOperationAdd("two.txt", b"2")],
            commit_message="late",
            parent_commit=first,
        )
    assert stale.value.response.status_code == 412
    assert "A commit has happened since. Please refresh and try again." in str(stale.value)
    pr = alice.create_commit(
        repo_id,
        [CommitOperationAdd("two.txt", b"2")],
        commit_message="from first",
        parent_commit=first,
        create_pr=True,
    )
    assert sorted(alice.list_repo_files(repo_id, revision=pr.pr_revision)) == [
        ".gitattributes",
        "two.txt",
    ]
