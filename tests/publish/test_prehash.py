"""Hashing ahead (hfgit/prehash.py): over LFS, `git hf push` reads the sha256 of a large new
file while it starts, and the Hub client then declares it instead of reading the file once
more. Checked by what the client reads and what the Hub holds, never by timing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from drivers import TWO_MODELS, models_workspace

from hfgit import prehash

BIG = (10 << 20) + 4096  # above the inline limit: uploaded through LFS


@pytest.fixture
def client_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the Hub client reads in full to learn their sha256."""
    from huggingface_hub import lfs as hub_lfs

    reads: list[str] = []
    original = hub_lfs.UploadInfo.sha256

    def counted(self: Any) -> bytes:
        if not self.is_hashed and self._source_path is not None:
            reads.append(Path(self._source_path).name)
        return original.fget(self)

    monkeypatch.setattr(hub_lfs.UploadInfo, "sha256", property(counted, original.fset))
    return reads


def lfs_oid(workspace: Any, revision: str, path: str) -> str | None:
    [info] = workspace.api.get_paths_info("alice/tool-caller", [path], revision=revision)
    return info.lfs.sha256 if info.lfs else None


def cache_entry(workspace: Any, path: Path) -> list[Any] | None:
    cache = workspace.root / ".git" / "hfgit" / "hash-cache.json"
    return json.loads(cache.read_text()).get(str(path.resolve())) if cache.exists() else None


def test_over_lfs_a_new_large_file_is_hashed_ahead_and_the_client_reads_it_only_to_send_it(
    workspace, over_lfs, client_reads
):
    weights = workspace.write("model/model.safetensors", os.urandom(BIG))
    workspace.commit("feat: bigger model")
    workspace.tag("v1.0.0")

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    sha256 = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert client_reads == []
    assert lfs_oid(workspace, "v1.0.0", "model.safetensors") == sha256
    assert cache_entry(workspace, weights)[3:] == ["", sha256]  # learned, never read by hfgit


def test_with_xet_in_use_nothing_is_hashed_ahead(workspace, monkeypatch):
    monkeypatch.delenv("HF_HUB_DISABLE_XET", raising=False)
    pytest.importorskip("hf_xet")
    workspace.write("model/model.safetensors", os.urandom(BIG))

    assert prehash.start(workspace.root) == 0


def test_only_large_files_the_cache_does_not_know_are_hashed_ahead(workspace, over_lfs):
    workspace.write("model/model.safetensors", os.urandom(BIG))
    workspace.write("model/extra.bin", os.urandom(BIG))
    workspace.write("model/small.bin", os.urandom(1 << 20))
    workspace.write("outside.bin", os.urandom(BIG))  # not in the model folder
    workspace.commit("feat: bigger model")
    workspace.tag("v1.0.0")

    assert prehash.start(workspace.root / "model") == 2  # found from a subfolder too
    assert workspace.run("push").code == 0
    workspace.write("model/extra.bin", os.urandom(BIG))  # a new stat: not known

    assert prehash.start(workspace.root) == 1


def test_a_result_holds_only_for_the_stat_it_was_read_at(workspace, over_lfs, client_reads):
    weights = workspace.write("model/model.safetensors", os.urandom(BIG))
    assert prehash.start(workspace.root) == 1
    before = prehash.result(weights, _stamp(weights))
    assert before == hashlib.sha256(weights.read_bytes()).hexdigest()
    weights.write_bytes(os.urandom(BIG))  # same size, other content, after it was hashed ahead
    workspace.commit("feat: bigger model")
    workspace.tag("v1.0.0")

    assert prehash.result(weights, _stamp(weights)) is None
    result = workspace.run("push")

    assert result.code == 0, result.err
    sha256 = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert sha256 != before
    assert lfs_oid(workspace, "v1.0.0", "model.safetensors") == sha256


def test_a_file_that_changes_while_it_is_read_gets_no_result(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(os.urandom(1 << 20))
    stamp = _stamp(path)
    path.write_bytes(os.urandom(1 << 20))  # what the thread reads is not what `stamp` saw

    assert prehash._sha256(path, stamp, memoryview(bytearray(4096))) is None


def test_with_several_models_only_the_named_models_files_are_hashed_ahead(
    hub, tmp_path, capsys, monkeypatch, over_lfs
):
    workspace = models_workspace(hub, tmp_path / "repo", capsys, monkeypatch, TWO_MODELS)
    workspace.write("models/clf/model.safetensors", os.urandom(BIG))
    workspace.write("models/gen/model.safetensors", os.urandom(BIG))
    workspace.write("models/gen/shard-2.safetensors", os.urandom(BIG))

    assert prehash.start(workspace.root, {"gen"}) == 2
    assert prehash.start(workspace.root, {"clf"}) == 1


def test_a_push_of_one_models_tags_hashes_only_that_models_files_ahead(
    hub, tmp_path, capsys, monkeypatch, over_lfs
):
    workspace = models_workspace(hub, tmp_path / "repo", capsys, monkeypatch, TWO_MODELS)
    clf = workspace.write("models/clf/model.safetensors", os.urandom(BIG))
    gen = workspace.write("models/gen/model.safetensors", os.urandom(BIG))
    workspace.write("models/clf/config.json", "{}")
    workspace.commit("feat: two models")
    workspace.tag("clf@v1.0.0")

    assert workspace.run("push", "clf@v1.0.0").code == 0

    assert prehash.result(clf, _stamp(clf)) == hashlib.sha256(clf.read_bytes()).hexdigest()
    assert prehash.result(gen, _stamp(gen)) is None  # not this push's: never read


def test_a_fifo_or_a_link_out_of_the_model_folder_is_never_opened(workspace, tmp_path, over_lfs):
    outside = tmp_path / "secret.bin"
    outside.write_bytes(os.urandom(BIG))
    (workspace.root / "model" / "escape.bin").symlink_to(outside)
    os.mkfifo(workspace.root / "model" / "pipe.bin")  # opening it would wait for a writer
    workspace.tag("v1.0.0")

    assert prehash.start(workspace.root) == 0  # the push refuses such a folder itself
    assert prehash.result(outside, _stamp(outside)) is None
    result = workspace.run("push")
    assert result.code == 1 and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err


def test_outside_a_repository_or_without_a_config_nothing_happens(tmp_path, over_lfs):
    assert prehash.start(tmp_path) == 0
    (tmp_path / ".git").mkdir()
    assert prehash.start(tmp_path) == 0  # no .hfgit.yaml: the push says so itself


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)
