"""Durability: a restarted hub over the same root keeps everything; repos are real git repos."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from huggingface_hub import HfApi, hf_hub_download

from hfgit.server import HubServer, running_hub

USERS = {"alice": "hf_alicePersist123456"}


def test_restart_over_the_same_root_keeps_repos_commits_tags_and_lfs_files(tmp_path):
    weights = os.urandom(50_000)
    with running_hub(tmp_path / "root", USERS) as url:
        api = HfApi(endpoint=url, token=USERS["alice"])
        api.create_repo("alice/kept", private=True)
        commit = api.upload_file(
            path_or_fileobj=weights, path_in_repo="w.bin", repo_id="alice/kept"
        ).oid
        api.create_tag("alice/kept", tag="v1", tag_message="one")
        api.create_branch("alice/kept", branch="dev")
    with running_hub(tmp_path / "root", USERS) as url:
        api = HfApi(endpoint=url, token=USERS["alice"])
        info = api.repo_info("alice/kept", revision="v1")
        assert info.sha == commit and info.private is True
        assert {b.name for b in api.list_repo_refs("alice/kept").branches} == {"main", "dev"}
        local = hf_hub_download(
            "alice/kept",
            "w.bin",
            revision="v1",
            endpoint=url,
            token=USERS["alice"],
            cache_dir=tmp_path / "c",
        )
        assert Path(local).read_bytes() == weights
        assert not HfApi(endpoint=url, token=False).repo_exists("alice/kept")


def test_a_hub_repo_can_be_cloned_with_git_from_disk(hub, repo_id, tmp_path):
    api = hub.api()
    api.upload_file(path_or_fileobj=b"hello\n", path_in_repo="docs/readme.txt", repo_id=repo_id)
    api.upload_file(path_or_fileobj=b"\x00" * 64, path_in_repo="w.bin", repo_id=repo_id)
    api.create_tag(repo_id, tag="v1", tag_message="release")
    bare = hub.root / "repos" / "models" / "alice" / "demo.git"
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(bare), str(clone)],
        check=True,
        env={**os.environ, "GIT_LFS_SKIP_SMUDGE": "1"},
    )
    assert (clone / "docs" / "readme.txt").read_text() == "hello\n"
    assert (clone / "w.bin").read_text().startswith("version https://git-lfs.github.com/spec/v1\n")
    head = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD", "v1^{commit}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert head.stdout.split() == [api.repo_info(repo_id).sha] * 2


def test_server_object_exposes_url_and_stops_cleanly(tmp_path):
    server = HubServer(tmp_path, USERS).start()
    try:
        assert HfApi(endpoint=server.url, token=USERS["alice"]).whoami()["name"] == "alice"
    finally:
        server.stop()
    server.stop()


def test_leftovers_of_a_killed_server_are_swept_at_start_but_recent_ones_kept(tmp_path):
    root = tmp_path / "root"
    HubServer(root, USERS)
    old, recent = root / "lfs" / "tmp" / "old-partial", root / "tmp" / "repo-recent"
    old.write_bytes(b"half an upload")
    recent.mkdir()
    os.utime(old, (0, 0))
    HubServer(root, USERS)
    assert not old.exists() and recent.exists()
