"""Tags, branches, refs and commit history, including slashed names and pagination."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest
from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError


def test_tags_point_at_the_tagged_commit_and_exist_ok_tolerates_repeats(hub, repo_id):
    api = hub.api()
    head = api.repo_info(repo_id).sha
    api.create_tag(repo_id, tag="v1.0.0", tag_message="first release")
    api.create_tag(repo_id, tag="light")
    api.create_tag(repo_id, tag="v1.0.0", exist_ok=True)
    with pytest.raises(HfHubHTTPError) as info:
        api.create_tag(repo_id, tag="v1.0.0")
    assert info.value.response.status_code == 409
    tags = {t.name: t.target_commit for t in api.list_repo_refs(repo_id).tags}
    assert tags == {"v1.0.0": head, "light": head}


def test_annotated_tag_with_message_lightweight_without(hub, repo_id):
    api = hub.api()
    api.create_tag(repo_id, tag="annotated", tag_message="notes")
    api.create_tag(repo_id, tag="light")
    git = pygit2.Repository(str(hub.root / "repos" / "models" / "alice" / "demo.git"))
    annotated = git.get(git.references["refs/tags/annotated"].target)
    assert isinstance(annotated, pygit2.Tag) and annotated.message == "notes"
    assert isinstance(git.get(git.references["refs/tags/light"].target), pygit2.Commit)


def test_refs_name_the_commit_under_tags_of_tags_and_leave_out_tags_of_other_objects(hub, repo_id):
    """A git push may leave any tag: listed at the commit under its tags, never a blob's id."""
    api = hub.api()
    head = api.repo_info(repo_id).sha
    git = pygit2.Repository(str(hub.root / "repos" / "models" / "alice" / "demo.git"))
    who = pygit2.Signature("alice", "alice@example.com")
    inner = git.create_tag("inner", pygit2.Oid(hex=head), pygit2.enums.ObjectType.COMMIT, who, "a")
    git.create_tag("outer", inner, pygit2.enums.ObjectType.TAG, who, "a tag of a tag")
    git.references.create("refs/tags/a-blob", git.create_blob(b"not a commit"))

    tags = {t.name: t.target_commit for t in api.list_repo_refs(repo_id).tags}

    assert tags == {"inner": head, "outer": head}


def test_listing_refs_reads_them_in_one_pass_not_one_lookup_each(hub, repo_id, monkeypatch):
    api = hub.api()
    for i in range(5):
        api.create_tag(repo_id, tag=f"v1.0.{i}", tag_message="a version")
    lookups: list[str] = []
    real = pygit2.repository.References.get

    def counting(self, name):  # type: ignore[no-untyped-def]
        lookups.append(name)
        return real(self, name)

    monkeypatch.setattr(pygit2.repository.References, "get", counting)
    monkeypatch.setattr(pygit2.repository.References, "__getitem__", counting)

    tags = api.list_repo_refs(repo_id).tags

    assert len(tags) == 5
    assert lookups == []  # each ref came from the one iteration over them


def test_tag_an_older_revision_and_delete_it(hub, repo_id):
    api = hub.api()
    first = api.repo_info(repo_id).sha
    api.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo_id)
    api.create_tag(repo_id, tag="old", revision=first)
    assert api.repo_info(repo_id, revision="old").sha == first
    api.delete_tag(repo_id, tag="old")
    assert not api.revision_exists(repo_id, "old")
    with pytest.raises(RevisionNotFoundError):
        api.delete_tag(repo_id, tag="old")


def test_branches_start_from_a_starting_point_and_can_be_deleted(hub, repo_id):
    api = hub.api()
    first = api.repo_info(repo_id).sha
    api.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=repo_id)
    api.create_branch(repo_id, branch="v1.x", revision=first)
    api.create_branch(repo_id, branch="v1.x", exist_ok=True)
    with pytest.raises(HfHubHTTPError) as info:
        api.create_branch(repo_id, branch="v1.x")
    assert info.value.response.status_code == 409
    branches = {b.name: b.target_commit for b in api.list_repo_refs(repo_id).branches}
    assert branches["v1.x"] == first and branches["main"] != first
    api.delete_branch(repo_id, branch="v1.x")
    assert [b.name for b in api.list_repo_refs(repo_id).branches] == ["main"]


def test_refs_always_have_converts(hub, repo_id):
    refs = hub.api().list_repo_refs(repo_id)
    assert refs.converts == [] and refs.tags == []


def test_slashed_revisions_work_url_encoded_everywhere(hub, repo_id, tmp_path):
    api = hub.api()
    for branch in ("feat/x", "refs/pr/1"):
        api.create_branch(repo_id, branch=branch)
        api.upload_file(
            path_or_fileobj=branch.encode(),
            path_in_repo="dir one/f #1.txt",
            repo_id=repo_id,
            revision=branch,
        )
        assert api.file_exists(repo_id, "dir one/f #1.txt", revision=branch)
        assert [e.path for e in api.list_repo_tree(repo_id, "dir one", revision=branch)] == [
            "dir one/f #1.txt"
        ]
        local = api.hf_hub_download(
            repo_id, "dir one/f #1.txt", revision=branch, cache_dir=tmp_path
        )
        assert Path(local).read_bytes() == branch.encode()
    api.create_tag(repo_id, tag="v/1", revision="feat/x")
    assert api.revision_exists(repo_id, "v/1")
    api.delete_tag(repo_id, tag="v/1")
    api.delete_branch(repo_id, branch="feat/x")
    assert not api.revision_exists(repo_id, "feat/x")


def test_commits_are_listed_newest_first_over_several_pages(paged_hub):
    api = paged_hub.api()
    api.create_repo("alice/paged")
    for number in range(4):
        api.upload_file(
            path_or_fileobj=str(number).encode(),
            path_in_repo="n.txt",
            repo_id="alice/paged",
            commit_message=f"commit {number}",
        )
    commits = api.list_repo_commits("alice/paged")
    assert [c.title for c in commits] == [
        "commit 3",
        "commit 2",
        "commit 1",
        "commit 0",
        "initial commit",
    ]
    assert all(c.created_at.tzinfo is not None for c in commits)
    assert commits[0].authors == ["alice"]


def test_short_and_full_commit_ids_are_revisions(hub, repo_id):
    api = hub.api()
    sha = api.repo_info(repo_id).sha
    assert api.repo_info(repo_id, revision=sha).sha == sha
    assert api.repo_info(repo_id, revision=sha[:8]).sha == sha
    assert not api.revision_exists(repo_id, "0" * 40)
