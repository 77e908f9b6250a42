"""Uploads and commits: regular and LFS files, dedup, commit operations, parent checks."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest
from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
)
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RevisionNotFoundError

TWELVE_MB = 12 * 1000 * 1000


def _read(hub, repo_id, path, tmp_path, revision=None):
    local = hub.api().hf_hub_download(
        repo_id, path, revision=revision, cache_dir=tmp_path / "cache"
    )
    with open(local, "rb") as handle:
        return handle.read()


def test_a_12_mb_file_goes_through_lfs_and_comes_back_intact(
    hub, repo_id, folder, lfs_puts, tmp_path
):
    weights = os.urandom(TWELVE_MB)
    api = hub.api()
    api.upload_folder(repo_id=repo_id, folder_path=folder({"w.dat": weights, "config.json": "{}"}))
    sha256 = hashlib.sha256(weights).hexdigest()
    assert lfs_puts == [sha256]
    stored = hub.root / "lfs" / sha256[:2] / sha256[2:4] / sha256
    assert stored.stat().st_size == TWELVE_MB
    entry = next(e for e in api.list_repo_tree(repo_id) if e.path == "w.dat")
    assert entry.lfs is not None and entry.lfs.sha256 == sha256 and entry.size == TWELVE_MB
    assert _read(hub, repo_id, "w.dat", tmp_path) == weights
    assert _read(hub, repo_id, "config.json", tmp_path) == b"{}"


def test_reupload_of_known_content_sends_no_bytes_and_makes_no_commit(
    hub, repo_id, folder, lfs_puts
):
    api = hub.api()
    files = {"w.bin": os.urandom(2048), "notes.txt": "same"}
    api.upload_folder(repo_id=repo_id, folder_path=folder(files))
    head = api.repo_info(repo_id).sha
    again = api.upload_folder(repo_id=repo_id, folder_path=folder(files))
    assert len(lfs_puts) == 1
    assert again.oid == head and api.repo_info(repo_id).sha == head


def test_known_lfs_content_under_a_new_name_is_not_sent_again(hub, repo_id, lfs_puts):
    api = hub.api()
    data = os.urandom(4096)
    api.upload_file(path_or_fileobj=data, path_in_repo="a.bin", repo_id=repo_id)
    api.create_repo("alice/other")
    api.upload_file(path_or_fileobj=data, path_in_repo="copy.bin", repo_id="alice/other")
    assert len(lfs_puts) == 1
    assert [f for f in api.list_repo_files("alice/other") if f.endswith(".bin")] == ["copy.bin"]


def test_small_text_is_regular_and_binary_or_pattern_files_are_lfs(hub, repo_id):
    api = hub.api()
    operations = [
        CommitOperationAdd("readme.txt", b"hello"),
        CommitOperationAdd("blob.dat", b"a\x00b"),
        CommitOperationAdd("model.safetensors", b"not really"),
    ]
    api.create_commit(repo_id, operations, commit_message="mixed")
    lfs = {e.path: e.lfs is not None for e in api.list_repo_tree(repo_id)}
    assert lfs == {
        ".gitattributes": False,
        "readme.txt": False,
        "blob.dat": True,
        "model.safetensors": True,
    }


def test_commit_message_keeps_summary_and_description_exactly(hub, repo_id):
    api = hub.api()
    description = "Body line.\n\nHfgit-Git-Commit: 0123abc\nHfgit-Version: v1.2.0"
    api.upload_file(
        path_or_fileobj=b"1", path_in_repo="a.txt", repo_id=repo_id,
        commit_message="Release v1.2.0", commit_description=description,
    )  # fmt: skip
    newest = api.list_repo_commits(repo_id)[0]
    assert newest.title == "Release v1.2.0"
    assert newest.message == "Release v1.2.0\n\n" + description


def test_create_commit_adds_deletes_files_and_folders_and_copies(hub, repo_id, tmp_path):
    api = hub.api()
    big = os.urandom(3000)
    api.create_commit(
        repo_id,
        [
            CommitOperationAdd("keep.txt", b"keep"),
            CommitOperationAdd("gone.txt", b"gone"),
            CommitOperationAdd("dir/a.txt", b"a"),
            CommitOperationAdd("dir/sub/b.txt", b"b"),
            CommitOperationAdd("w.bin", big),
        ],
        commit_message="add",
    )
    api.create_commit(
        repo_id,
        [
            CommitOperationDelete("gone.txt"),
            CommitOperationDelete("dir/"),
            CommitOperationCopy("keep.txt", "copied/keep.txt"),
            CommitOperationCopy("w.bin", "copied/w.bin"),
        ],
        commit_message="change",
    )
    files = set(api.list_repo_files(repo_id))
    assert files == {".gitattributes", "keep.txt", "w.bin", "copied/keep.txt", "copied/w.bin"}
    assert _read(hub, repo_id, "copied/w.bin", tmp_path) == big
    assert _read(hub, repo_id, "copied/keep.txt", tmp_path) == b"keep"


def test_deleting_a_missing_file_is_entry_not_found(hub, repo_id):
    with pytest.raises(EntryNotFoundError):
        hub.api().delete_file("nope.txt", repo_id)


def test_commit_to_an_unknown_branch_is_revision_not_found(hub, repo_id):
    with pytest.raises(RevisionNotFoundError):
        hub.api().upload_file(
            path_or_fileobj=b"x", path_in_repo="x", repo_id=repo_id, revision="nope"
        )


def test_stale_parent_commit_is_refused_with_412(hub, repo_id):
    api = hub.api()
    parent = api.repo_info(repo_id).sha
    api.upload_file(
        path_or_fileobj=b"1", path_in_repo="one.txt", repo_id=repo_id, parent_commit=parent
    )
    head = api.repo_info(repo_id).sha
    with pytest.raises(HfHubHTTPError) as info:
        api.upload_file(
            path_or_fileobj=b"2", path_in_repo="two.txt", repo_id=repo_id, parent_commit=parent
        )
    assert info.value.response.status_code == 412
    assert "A commit has happened since" in str(info.value)
    assert api.repo_info(repo_id).sha == head


def test_of_two_concurrent_committers_on_the_same_parent_exactly_one_wins(hub, repo_id):
    parent = hub.api().repo_info(repo_id).sha
    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def commit(name: str) -> None:
        api = hub.api()
        barrier.wait()
        try:
            results[name] = api.upload_file(
                path_or_fileobj=name.encode(),
                path_in_repo=f"{name}.txt",
                repo_id=repo_id,
                parent_commit=parent,
            ).oid
        except HfHubHTTPError as e:
            results[name] = e.response.status_code

    threads = [threading.Thread(target=commit, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = list(results.values())
    assert outcomes.count(412) == 1
    winner = next(v for v in outcomes if v != 412)
    assert hub.api().repo_info(repo_id).sha == winner
    assert len(hub.api().list_repo_commits(repo_id)) == 2


def test_commit_on_a_branch_leaves_main_alone(hub, repo_id):
    api = hub.api()
    main = api.repo_info(repo_id).sha
    api.create_branch(repo_id, branch="dev")
    api.upload_file(path_or_fileobj=b"d", path_in_repo="dev.txt", repo_id=repo_id, revision="dev")
    assert api.repo_info(repo_id).sha == main
    assert "dev.txt" in api.list_repo_files(repo_id, revision="dev")


def test_create_pr_commits_on_a_pr_ref(hub, repo_id):
    api = hub.api()
    info = api.upload_file(
        path_or_fileobj=b"p", path_in_repo="pr.txt", repo_id=repo_id, create_pr=True
    )
    assert info.pr_revision == "refs/pr/1"
    assert "pr.txt" in api.list_repo_files(repo_id, revision="refs/pr/1")
    assert "pr.txt" not in api.list_repo_files(repo_id)
    refs = api.list_repo_refs(repo_id, include_pull_requests=True)
    assert [r.ref for r in refs.pull_requests or []] == ["refs/pr/1"]


def test_readme_with_valid_front_matter_is_accepted(hub, repo_id):
    card = "---\nlicense: mit\ntags: [a]\n---\n# Model\n"
    hub.api().upload_file(path_or_fileobj=card.encode(), path_in_repo="README.md", repo_id=repo_id)


def test_readme_with_broken_front_matter_is_refused(hub, repo_id):
    card = "---\nlicense: [mit\n---\n# Model\n"
    with pytest.raises(ValueError, match="Invalid metadata"):
        hub.api().upload_file(
            path_or_fileobj=card.encode(), path_in_repo="README.md", repo_id=repo_id
        )


def test_concurrent_commits_without_parent_check_are_serialized_and_none_is_lost(hub, repo_id):
    def commit(number: int) -> None:
        hub.api().upload_file(path_or_fileobj=b"n", path_in_repo=f"f{number}.txt", repo_id=repo_id)

    threads = [threading.Thread(target=commit, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    files = hub.api().list_repo_files(repo_id)
    assert sorted(files) == sorted([".gitattributes", *(f"f{n}.txt" for n in range(6))])
    assert len(hub.api().list_repo_commits(repo_id)) == 7
