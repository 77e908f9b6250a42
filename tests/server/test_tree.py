"""Tree listings (recursive, expanded, paginated) and paths-info."""

from __future__ import annotations

import hubhttp
import pytest
from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import EntryNotFoundError
from huggingface_hub.hf_api import RepoFile, RepoFolder

FILES = {
    "config.json": b"{}",
    "weights/model.safetensors": b"tensors",
    "weights/shards/part-1.bin": b"\x00" * 100,
    "docs/a.md": b"a",
}


def _fill(api, repo_id):
    ops = [CommitOperationAdd(path, data) for path, data in FILES.items()]
    return api.create_commit(repo_id, ops, commit_message="fill").oid


def test_non_recursive_tree_lists_direct_children_with_folders(hub, repo_id):
    api = hub.api()
    _fill(api, repo_id)
    root = {e.path: type(e) for e in api.list_repo_tree(repo_id)}
    assert root == {
        ".gitattributes": RepoFile,
        "config.json": RepoFile,
        "docs": RepoFolder,
        "weights": RepoFolder,
    }
    assert sorted(e.path for e in api.list_repo_tree(repo_id, "weights")) == [
        "weights/model.safetensors",
        "weights/shards",
    ]


def test_recursive_tree_lists_every_file_with_lfs_info(hub, repo_id):
    api = hub.api()
    _fill(api, repo_id)
    files = {
        e.path: e for e in api.list_repo_tree(repo_id, recursive=True) if isinstance(e, RepoFile)
    }
    assert set(files) == {".gitattributes", *FILES}
    shard = files["weights/shards/part-1.bin"]
    assert (
        shard.size == 100
        and shard.lfs is not None
        and shard.lfs.size == 100
        and shard.lfs.pointer_size > 100
    )
    assert files["config.json"].lfs is None and len(files["config.json"].blob_id) == 40


def test_expanded_tree_names_the_last_commit_of_each_entry(hub, repo_id):
    api = hub.api()
    fill = _fill(api, repo_id)
    later = api.upload_file(
        path_or_fileobj=b"new",
        path_in_repo="docs/a.md",
        repo_id=repo_id,
        commit_message="edit docs",
    ).oid
    entries = {e.path: e for e in api.list_repo_tree(repo_id, expand=True)}
    assert entries["config.json"].last_commit.oid == fill
    assert entries["docs"].last_commit.oid == later
    assert entries["docs"].last_commit.title == "edit docs"
    assert entries[".gitattributes"].last_commit.title == "initial commit"


def test_tree_pagination_returns_every_entry_once(paged_hub):
    api = paged_hub.api()
    api.create_repo("alice/many")
    api.create_commit(
        "alice/many",
        [CommitOperationAdd(f"f{i}.txt", b"x") for i in range(7)],
        commit_message="many",
    )
    paths = [e.path for e in api.list_repo_tree("alice/many", recursive=True, expand=True)]
    assert sorted(paths) == sorted([".gitattributes", *(f"f{i}.txt" for i in range(7))])
    first = hubhttp.get(f"{paged_hub.url}/api/models/alice/many/tree/main?recursive=true")
    assert len(first.json()) == 2
    assert first.links["next"]["url"].startswith(
        f"{paged_hub.url}/api/models/alice/many/tree/main?"
    )


def test_unknown_tree_path_is_entry_not_found(hub, repo_id):
    with pytest.raises(EntryNotFoundError):
        list(hub.api().list_repo_tree(repo_id, "nope"))


def test_paths_info_describes_existing_paths_and_omits_missing_ones(hub, repo_id):
    api = hub.api()
    _fill(api, repo_id)
    infos = api.get_paths_info(
        repo_id, ["config.json", "weights", "missing.txt", "weights/model.safetensors"]
    )
    by_path = {i.path: i for i in infos}
    assert set(by_path) == {"config.json", "weights", "weights/model.safetensors"}
    assert isinstance(by_path["weights"], RepoFolder)
    assert by_path["weights/model.safetensors"].lfs is not None


def test_list_repo_files_at_a_tag(hub, repo_id):
    api = hub.api()
    api.create_tag(repo_id, tag="empty")
    _fill(api, repo_id)
    assert api.list_repo_files(repo_id, revision="empty") == [".gitattributes"]
