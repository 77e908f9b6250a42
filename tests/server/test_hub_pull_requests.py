"""Pull requests and discussions through the stock client, as the Hub answers them."""

from __future__ import annotations

import pytest
from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

from hfgit.server import HubServer, discussionstore


def _bob_opens_pr(hub, repo_id, files=None):  # type: ignore[no-untyped-def]
    files = files or {"x.txt": b"hello", "w.bin": b"\0" * 300}
    return hub.api("bob").create_commit(
        repo_id,
        [CommitOperationAdd(path, data) for path, data in files.items()],
        commit_message="Add x",
        commit_description="Adds two files",
        create_pr=True,
    )


def test_a_reader_opens_a_pr_with_lfs_files_but_cannot_commit_to_main(hub, repo_id):
    bob = hub.api("bob")
    main = hub.api().repo_info(repo_id).sha
    info = _bob_opens_pr(hub, repo_id)
    assert (info.pr_num, info.pr_revision) == (1, "refs/pr/1")
    assert info.pr_url == f"{hub.url}/{repo_id}/discussions/1"
    assert sorted(bob.list_repo_files(repo_id, revision="refs/pr/1")) == [
        ".gitattributes",
        "w.bin",
        "x.txt",
    ]
    entry = next(e for e in bob.list_repo_tree(repo_id, revision="refs/pr/1") if e.path == "w.bin")
    assert entry.lfs is not None and entry.lfs.size == 300
    assert hub.api().repo_info(repo_id).sha == main
    refs = bob.list_repo_refs(repo_id, include_pull_requests=True)
    assert [(r.ref, r.target_commit) for r in refs.pull_requests or []] == [("refs/pr/1", info.oid)]
    with pytest.raises(HfHubHTTPError) as denied:
        bob.upload_file(path_or_fileobj=b"no", path_in_repo="no.txt", repo_id=repo_id)
    assert denied.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as anonymous:
        hub.api(None).upload_file(
            path_or_fileobj=b"no", path_in_repo="no.txt", repo_id=repo_id, create_pr=True
        )
    assert anonymous.value.response.status_code == 401


def test_commits_and_tags_go_on_the_pr_ref_and_list_as_its_history(hub, repo_id):
    bob = hub.api("bob")
    _bob_opens_pr(hub, repo_id)
    bob.upload_file(
        path_or_fileobj=b"more", path_in_repo="y.txt", repo_id=repo_id, revision="refs/pr/1"
    )
    titles = [c.title for c in bob.list_repo_commits(repo_id, revision="refs/pr/1")]
    assert titles == ["Upload y.txt with huggingface_hub", "Add x", "initial commit"]
    hub.api().create_tag(repo_id, tag="pr-snapshot", revision="refs/pr/1")
    assert hub.api().repo_info(repo_id, revision="pr-snapshot").sha == (
        hub.api().repo_info(repo_id, revision="refs/pr/1").sha
    )
    events = bob.get_discussion_details(repo_id, 1).events
    assert [e.type for e in events] == ["comment", "commit", "commit"]
    assert [getattr(e, "summary", None) for e in events[1:]] == [
        "Add x",
        "Upload y.txt with huggingface_hub",
    ]


def test_only_the_author_or_a_writer_commits_to_a_pr(hub, repo_id):
    hub.api().create_pull_request(repo_id, title="Alice's draft")
    with pytest.raises(HfHubHTTPError) as denied:
        hub.api("bob").upload_file(
            path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id, revision="refs/pr/1"
        )
    assert denied.value.response.status_code == 403


def test_discussions_list_and_details_read_as_the_hub_answers_them(hub, repo_id):
    bob = hub.api("bob")
    _bob_opens_pr(hub, repo_id)
    hub.api().create_discussion(repo_id, title="A question", description="Why?")
    listed = list(bob.get_repo_discussions(repo_id))
    assert [(d.num, d.title, d.is_pull_request, d.status) for d in listed] == [
        (2, "A question", False, "open"),
        (1, "Add x", True, "open"),
    ]
    assert listed[1].author == "bob" and listed[1].repo_id == repo_id
    only_prs = list(bob.get_repo_discussions(repo_id, discussion_type="pull_request"))
    assert [d.num for d in only_prs] == [1]
    details = bob.get_discussion_details(repo_id, 1)
    assert details.target_branch == "refs/heads/main"
    assert details.conflicting_files == []
    assert details.git_reference == "refs/pr/1"
    assert details.events[0].content == "Adds two files"
    assert "+++ b/x.txt" in (details.diff or "")
    question = bob.get_discussion_details(repo_id, 2)
    assert question.target_branch is None and question.events[0].content == "Why?"


def test_merging_squashes_the_pr_onto_main_and_marks_it_merged(hub, repo_id):
    alice, bob = hub.api(), hub.api("bob")
    _bob_opens_pr(hub, repo_id)
    with pytest.raises(HfHubHTTPError) as denied:
        bob.merge_pull_request(repo_id, 1)
    assert denied.value.response.status_code == 403
    alice.merge_pull_request(repo_id, 1, comment="Thanks!")
    head = alice.list_repo_commits(repo_id)[0]
    assert head.title == "Add x (#1)"
    assert sorted(alice.list_repo_files(repo_id)) == [".gitattributes", "w.bin", "x.txt"]
    details = bob.get_discussion_details(repo_id, 1)
    assert details.status == "merged" and details.merge_commit_oid == head.commit_id
    assert [e.type for e in details.events][-2:] == ["comment", "status-change"]
    with pytest.raises(HfHubHTTPError) as twice:
        alice.merge_pull_request(repo_id, 1)
    assert twice.value.response.status_code == 400
    with pytest.raises(HfHubHTTPError):
        bob.upload_file(
            path_or_fileobj=b"late", path_in_repo="late.txt", repo_id=repo_id, revision="refs/pr/1"
        )


def test_a_pr_that_conflicts_with_main_is_not_merged(hub, repo_id):
    alice = hub.api()
    alice.upload_file(path_or_fileobj=b"base\n", path_in_repo="x.txt", repo_id=repo_id)
    _bob_opens_pr(hub, repo_id, {"x.txt": b"bob's\n"})
    alice.upload_file(path_or_fileobj=b"alice's\n", path_in_repo="x.txt", repo_id=repo_id)
    assert alice.get_discussion_details(repo_id, 1).conflicting_files == ["x.txt"]
    main = alice.repo_info(repo_id).sha
    with pytest.raises(HfHubHTTPError) as conflict:
        alice.merge_pull_request(repo_id, 1)
    assert conflict.value.response.status_code == 409 and "x.txt" in str(conflict.value)
    assert alice.repo_info(repo_id).sha == main


def test_a_pr_merges_over_unrelated_changes_on_main(hub, repo_id):
    alice = hub.api()
    _bob_opens_pr(hub, repo_id, {"bob.txt": b"b"})
    alice.upload_file(path_or_fileobj=b"a", path_in_repo="alice.txt", repo_id=repo_id)
    alice.merge_pull_request(repo_id, 1)
    assert {"alice.txt", "bob.txt"} <= set(alice.list_repo_files(repo_id))


def test_a_draft_pr_closes_reopens_takes_comments_and_a_new_title(hub, repo_id):
    alice, bob = hub.api(), hub.api("bob")
    draft = bob.create_pull_request(repo_id, title="Draft")
    assert (draft.num, draft.status, draft.git_reference) == (1, "draft", "refs/pr/1")
    assert bob.repo_info(repo_id, revision="refs/pr/1").sha == alice.repo_info(repo_id).sha
    closed = bob.change_discussion_status(repo_id, 1, new_status="closed", comment="Not yet")
    assert closed.new_status == "closed"
    assert [d.num for d in bob.get_repo_discussions(repo_id, discussion_status="closed")] == [1]
    assert alice.change_discussion_status(repo_id, 1, new_status="open").new_status == "open"
    assert alice.comment_discussion(repo_id, 1, "Looks fine").content == "Looks fine"
    assert bob.rename_discussion(repo_id, 1, "Ready").new_title == "Ready"
    details = alice.get_discussion_details(repo_id, 1)
    assert (details.title, details.status) == ("Ready", "open")
    kinds = [e.type for e in details.events]
    assert kinds == [
        "comment",
        "comment",
        "status-change",
        "status-change",
        "comment",
        "title-change",
    ]


def test_strangers_cannot_close_others_discussions_nor_reach_private_ones(hub, repo_id):
    hub.api().create_discussion(repo_id, title="Alice's")
    with pytest.raises(HfHubHTTPError) as denied:
        hub.api("bob").change_discussion_status(repo_id, 1, new_status="closed")
    assert denied.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as anonymous:
        hub.api(None).comment_discussion(repo_id, 1, "hi")
    assert anonymous.value.response.status_code == 401
    hub.api().update_repo_settings(repo_id, private=True)
    with pytest.raises(RepositoryNotFoundError):
        list(hub.api("bob").get_repo_discussions(repo_id))
    with pytest.raises(HfHubHTTPError) as missing:
        hub.api().get_discussion_details(repo_id, 7)
    assert missing.value.response.status_code == 404


def test_a_pr_on_a_missing_branch_is_a_revision_error(hub, repo_id):
    with pytest.raises(RevisionNotFoundError):
        hub.api("bob").upload_file(
            path_or_fileobj=b"x", path_in_repo="x", repo_id=repo_id, revision="nope", create_pr=True
        )


def test_discussions_outlive_a_restart_and_numbers_keep_counting(hub, repo_id, tmp_path):
    _bob_opens_pr(hub, repo_id)
    restarted = HubServer(hub.root, hub.tokens).start()
    try:
        api = HfApi(endpoint=restarted.url, token=hub.tokens["alice"])
        assert [d.title for d in api.get_repo_discussions(repo_id)] == ["Add x"]
        assert api.create_discussion(repo_id, title="Next").num == 2
    finally:
        restarted.stop()


def test_a_gated_repos_pr_diff_is_shown_only_to_those_who_may_read_its_files(hub, repo_id):
    alice, bob = hub.api(), hub.api("bob")
    alice.update_repo_settings(repo_id, gated="manual")
    alice.create_commit(
        repo_id, [CommitOperationAdd("secret.txt", b"s3cret")], commit_message="s", create_pr=True
    )
    assert "s3cret" in (alice.get_discussion_details(repo_id, 1).diff or "")
    assert bob.get_discussion_details(repo_id, 1).diff is None
    alice.grant_access(repo_id, "bob")
    assert "s3cret" in (bob.get_discussion_details(repo_id, 1).diff or "")


def test_a_repo_whose_discussions_are_full_refuses_more(hub, repo_id, monkeypatch):
    monkeypatch.setattr(discussionstore, "MAX_FILE_BYTES", 4000)
    alice = hub.api()
    alice.create_discussion(repo_id, title="Busy")
    with pytest.raises(HfHubHTTPError) as full:
        for _ in range(20):
            alice.comment_discussion(repo_id, 1, "x" * 500)
    assert full.value.response.status_code == 403
    assert len(alice.get_discussion_details(repo_id, 1).events) < 10
