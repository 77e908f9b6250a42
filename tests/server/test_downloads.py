"""Downloads through /resolve: metadata headers, hf_hub_download, snapshots, Range resume."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from huggingface_hub import hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)


@pytest.fixture
def weights(hub, repo_id) -> bytes:
    data = os.urandom(300_000)
    api = hub.api()
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
    api.upload_file(path_or_fileobj=b"hello hub\n", path_in_repo="small.txt", repo_id=repo_id)
    return data


def test_head_of_an_lfs_file_carries_commit_etag_and_true_size(hub, repo_id, weights, http):
    response = http.head(f"/{repo_id}/resolve/main/w.bin", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    sha256 = hashlib.sha256(weights).hexdigest()
    assert response.headers["X-Repo-Commit"] == hub.api().repo_info(repo_id).sha
    assert response.headers["ETag"] == response.headers["X-Linked-Etag"] == f'"{sha256}"'
    assert (
        response.headers["X-Linked-Size"] == response.headers["Content-Length"] == str(len(weights))
    )
    assert response.headers["Accept-Ranges"] == "bytes"
    assert not any(name.lower().startswith("x-xet") for name in response.headers)


def test_head_of_a_regular_file_has_the_git_blob_etag(hub, repo_id, weights, http):
    response = http.head(f"/{repo_id}/resolve/main/small.txt")
    blob_id = hub.api().get_paths_info(repo_id, ["small.txt"])[0].blob_id
    assert response.headers["ETag"] == f'"{blob_id}"'
    assert response.headers["Content-Length"] == "10"
    assert "X-Linked-Etag" not in response.headers


def test_range_request_answers_206_with_content_range(hub, repo_id, weights, http):
    response = http.get(f"/{repo_id}/resolve/main/w.bin", headers={"Range": "bytes=1000-"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-{len(weights) - 1}/{len(weights)}"
    assert response.content == weights[1000:]
    middle = http.get(f"/{repo_id}/resolve/main/small.txt", headers={"Range": "bytes=0-4"})
    assert middle.status_code == 206 and middle.content == b"hello"
    suffix = http.get(f"/{repo_id}/resolve/main/w.bin", headers={"Range": "bytes=-10"})
    assert suffix.content == weights[-10:]


def test_file_bodies_leave_through_sendfile_from_the_asked_offset(
    hub, repo_id, weights, http, monkeypatch
):
    """The kernel copies an LFS file's bytes to the socket: the whole file and a range of it
    go out through os.sendfile, from the offset the range asked (a file kept in git is a
    compressed object, sent from memory)."""
    asked: list[tuple[int | None, int]] = []  # noted before the bytes leave: no race
    real = os.sendfile

    def recording(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
        asked.append((offset, count))
        return real(out_fd, in_fd, offset, count)

    monkeypatch.setattr(os, "sendfile", recording)

    whole = http.get(f"/{repo_id}/resolve/main/w.bin")
    assert whole.content == weights
    assert asked[0] == (0, len(weights))
    asked.clear()
    tail = http.get(f"/{repo_id}/resolve/main/w.bin", headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206 and tail.content == weights[1000:]
    assert asked[0] == (1000, len(weights) - 1000)


def test_unsatisfiable_range_answers_416(hub, repo_id, weights, http):
    response = http.get(
        f"/{repo_id}/resolve/main/w.bin", headers={"Range": f"bytes={len(weights)}-"}
    )
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(weights)}"


def test_hf_hub_download_by_branch_tag_and_commit(hub, repo_id, weights, tmp_path):
    api = hub.api()
    api.create_tag(repo_id, tag="v1")
    sha = api.repo_info(repo_id).sha
    for revision in ("main", "v1", sha, sha[:10]):
        path = hf_hub_download(
            repo_id, "w.bin", revision=revision, endpoint=hub.url, cache_dir=tmp_path / revision
        )
        assert Path(path).read_bytes() == weights


def test_missing_file_revision_and_repo_raise_typed_errors(hub, repo_id, weights, tmp_path):
    def download(repo: str, name: str, revision: str = "main") -> str:
        return hf_hub_download(repo, name, revision=revision, endpoint=hub.url, cache_dir=tmp_path)

    with pytest.raises(EntryNotFoundError):
        download(repo_id, "nope.txt")
    with pytest.raises(RevisionNotFoundError):
        download(repo_id, "w.bin", revision="nope")
    with pytest.raises(RepositoryNotFoundError):
        download("alice/nope", "w.bin")
    assert not hub.api().file_exists(repo_id, "nope.txt")
    assert hub.api().file_exists(repo_id, "w.bin")


def test_snapshot_download_fetches_the_whole_revision(hub, repo_id, weights, tmp_path):
    local = Path(snapshot_download(repo_id, endpoint=hub.url, cache_dir=tmp_path))
    assert (local / "w.bin").read_bytes() == weights
    assert (local / "small.txt").read_text() == "hello hub\n"
    assert (local / ".gitattributes").is_file()


def test_dataset_files_resolve_under_the_datasets_prefix(hub, http, tmp_path):
    api = hub.api()
    api.create_repo("alice/ds", repo_type="dataset")
    api.upload_file(
        path_or_fileobj=os.urandom(5000),
        path_in_repo="train.parquet",
        repo_id="alice/ds",
        repo_type="dataset",
    )
    assert (
        http.head("/datasets/alice/ds/resolve/main/train.parquet").headers["X-Linked-Size"]
        == "5000"
    )
    local = Path(
        snapshot_download("alice/ds", repo_type="dataset", endpoint=hub.url, cache_dir=tmp_path)
    )
    assert (local / "train.parquet").stat().st_size == 5000


def test_every_answer_carries_a_request_id(hub, http):
    assert http.get("/api/models/alice/none").headers["X-Request-Id"]
    assert http.get("/api/agent-harnesses").json() == {"standardEnvVars": [], "harnesses": {}}
