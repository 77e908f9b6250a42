"""The model folder: which files a version holds, symlink safety, streaming hashes, the cache."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from hfgit import files
from hfgit.errors import ModelFolderError
from hfgit.files import HashCache, hash_bytes, local_files, scan


def write(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


@pytest.fixture
def model(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    write(root / "config.json", "{}")
    write(root / "model.safetensors", b"\0" * 100)
    write(root / "tokenizer" / "vocab.txt", "a\nb\n")
    return root


def scanned(root: Path) -> list[str]:
    return [relative for relative, _ in scan(root)]


def test_scan_lists_every_file_with_posix_paths_in_order(model):
    assert scanned(model) == ["config.json", "model.safetensors", "tokenizer/vocab.txt"]
    assert all(path.is_file() for _, path in scan(model))


def test_scan_skips_files_hfgit_generates_at_the_root_only(model):
    write(model / "README.md", "old card")
    write(model / "experiment_metadata.json", "{}")
    write(model / "docs" / "README.md", "kept")
    assert sorted(scanned(model)) == [
        "config.json",
        "docs/README.md",
        "model.safetensors",
        "tokenizer/vocab.txt",
    ]


@pytest.mark.parametrize("skipped", [".git", ".cache", "__pycache__", ".ipynb_checkpoints"])
def test_scan_skips_tool_directories(model, skipped):
    write(model / skipped / "objects" / "ab", "blob")
    write(model / "sub" / skipped / "x", "blob")
    assert scanned(model) == ["config.json", "model.safetensors", "tokenizer/vocab.txt"]


def test_symlink_to_a_file_inside_the_folder_is_published(model):
    (model / "weights.bin").symlink_to("model.safetensors")
    (model / "tokenizer" / "up.json").symlink_to("../config.json")
    assert "weights.bin" in scanned(model)
    assert "tokenizer/up.json" in scanned(model)


def test_symlink_to_a_folder_inside_is_allowed(model):
    (model / "tok").symlink_to("tokenizer", target_is_directory=True)
    assert scanned(model) == ["config.json", "model.safetensors", "tokenizer/vocab.txt"]


def test_symlink_to_a_file_outside_the_folder_is_refused(model, tmp_path):
    secret = write(tmp_path / "secret.txt", "do not publish")
    (model / "notes.txt").symlink_to(secret)
    with pytest.raises(ModelFolderError) as info:
        scanned(model)
    message = str(info.value)
    assert "model/notes.txt" in message
    assert "outside the model folder" in message
    assert "copy the file in instead" in message


def test_relative_symlink_escaping_the_folder_is_refused(model, tmp_path):
    write(tmp_path / "other" / "w.bin")
    (model / "tokenizer" / "w.bin").symlink_to("../../other/w.bin")
    with pytest.raises(ModelFolderError, match="outside the model folder"):
        scanned(model)


def test_symlink_to_a_folder_outside_is_refused(model, tmp_path):
    write(tmp_path / "elsewhere" / "big.bin")
    (model / "shared").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(ModelFolderError, match="shared"):
        scanned(model)


def test_dangling_symlink_is_refused_by_name(model):
    (model / "gone.bin").symlink_to("not-there.bin")
    with pytest.raises(ModelFolderError, match=r"model/gone\.bin is a symlink to not-there\.bin"):
        scanned(model)


def test_symlink_loop_is_refused_by_name(model):
    (model / "a.bin").symlink_to("b.bin")
    (model / "b.bin").symlink_to("a.bin")
    with pytest.raises(ModelFolderError, match=r"model/a\.bin is a symlink that leads back"):
        scanned(model)


def test_named_pipe_is_refused_not_skipped(model):
    os.mkfifo(model / "tokenizer" / "stream")
    with pytest.raises(ModelFolderError, match=r"model/tokenizer/stream is a named pipe"):
        scanned(model)


def test_socket_is_refused_not_skipped(model):
    import socket

    path = model / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ModelFolderError, match=r"model/s\.sock is a socket"):
            scanned(model)


def test_readme_symlink_out_of_the_folder_is_refused(model, tmp_path):
    (model / "README.md").symlink_to(write(tmp_path / "private.md", "secret"))
    with pytest.raises(ModelFolderError, match="outside the model folder"):
        scanned(model)


@pytest.mark.parametrize(
    ("relative", "says"),
    [
        ("a" * 237 + ".bin", "241 bytes long, more than 240"),
        ("é" * 121, "242 bytes long"),
        ("/".join(["d" * 200] * 4), "more than 768"),
        ("bad\\name.bin", "backslash"),
        ("tab\there", "U+0009"),
        ("new\nline", "U+000A"),
        ("del\x7f", "U+007F"),
        ("sub/.git/config", "git's own folder name"),
        (".GIT/x", "git's own folder name"),
        ("x/.git. ", "git's own folder name"),
        ("bad\udcff.bin", "not valid UTF-8"),
    ],
)
def test_names_no_hub_or_file_system_can_hold_are_named(relative, says):
    assert says in (files.name_problem(relative) or "")


@pytest.mark.parametrize(
    "relative", ["a" * 240, "tokenizer/vocab.txt", ".gitattributes", "git/x", "a.git", "ü.bin"]
)
def test_ordinary_names_pass(relative):
    assert files.name_problem(relative) is None


def test_scan_refuses_a_bad_name_naming_it_on_one_line(model):
    write(model / "two\nlines.bin")
    with pytest.raises(ModelFolderError) as info:
        scanned(model)
    message = str(info.value)
    assert "\n" not in message
    assert "two\\nlines.bin" in message
    assert "U+000A" in message


CONTENTS = [b"", b"hello\n", bytes(range(256)) * 9000]  # the last spans several chunks


@pytest.mark.parametrize("data", CONTENTS, ids=["empty", "small", "multi-chunk"])
def test_hashes_are_git_blob_ids_and_sha256(tmp_path, data, monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 4096)
    path = write(tmp_path / "f.bin", data)
    git_oid = subprocess.run(
        ["git", "hash-object", "--no-filters", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    sha256 = hashlib.sha256(data).hexdigest()
    assert HashCache(None).hash_file(path) == (len(data), git_oid, sha256)
    assert hash_bytes(data) == (git_oid, sha256)


@pytest.fixture
def count_hashing(monkeypatch):
    """How many times file content was hashed (sha256 objects created)."""
    calls = []
    real = hashlib.sha256

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(hashlib, "sha256", counting)
    return calls


def test_cache_is_reused_by_the_next_run(tmp_path, count_hashing):
    path = write(tmp_path / "w.bin", b"weights" * 1000)
    cache_file = tmp_path / "hashes.json"
    first = HashCache(cache_file)
    expected = first.hash_file(path)
    first.save()
    assert len(count_hashing) == 1
    assert HashCache(cache_file).hash_file(path) == expected
    assert len(count_hashing) == 1  # a stat, no read


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: p.write_bytes(b"WEIGHTS" * 1000), id="same size, new content"),
        pytest.param(lambda p: p.write_bytes(b"w"), id="new size"),
        pytest.param(
            lambda p: os.utime(p, ns=(0, p.stat().st_mtime_ns + 1_000_000_000)), id="touched"
        ),
    ],
)
def test_cache_entry_is_invalidated_when_the_file_changes(tmp_path, count_hashing, change):
    path = write(tmp_path / "w.bin", b"weights" * 1000)
    cache_file = tmp_path / "hashes.json"
    cache = HashCache(cache_file)
    cache.hash_file(path)
    cache.save()
    before = path.stat().st_mtime_ns
    change(path)
    if path.stat().st_mtime_ns == before:  # coarse clock: make the change visible
        os.utime(path, ns=(0, before + 1_000_000_000))
    size, git_oid, sha256 = HashCache(cache_file).hash_file(path)
    assert len(count_hashing) == 2
    data = path.read_bytes()
    assert (size, sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert git_oid == hash_bytes(data)[0]


def test_replaced_file_is_rehashed(tmp_path, count_hashing):
    path = write(tmp_path / "w.bin", b"a" * 10)
    cache = HashCache(tmp_path / "hashes.json")
    cache.hash_file(path)
    other = write(tmp_path / "new.bin", b"b" * 10)
    os.utime(other, ns=(0, path.stat().st_mtime_ns))  # same size and mtime, new inode
    os.replace(other, path)
    rehashed = cache.hash_file(path)[2]
    assert len(count_hashing) == 2  # the new inode is read again, not taken from the cache
    assert rehashed == hashlib.sha256(b"b" * 10).hexdigest()


@pytest.mark.parametrize("content", ["not json", "", "[1, 2"])
def test_corrupt_cache_file_is_ignored(tmp_path, content):
    path = write(tmp_path / "w.bin", b"abc")
    cache_file = write(tmp_path / "hashes.json", content)
    assert HashCache(cache_file).hash_file(path)[2] == hashlib.sha256(b"abc").hexdigest()


def test_save_writes_only_after_new_hashes(tmp_path):
    path = write(tmp_path / "w.bin", b"abc")
    cache_file = tmp_path / "hashes.json"
    HashCache(cache_file).save()
    assert not cache_file.exists()
    cache = HashCache(cache_file)
    cache.hash_file(path)
    cache.save()
    assert cache_file.exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_local_files_describes_the_folder_and_saves_the_cache(model, tmp_path):
    cache_file = tmp_path / "hashes.json"
    listed = local_files(model, HashCache(cache_file))
    assert [f.path_in_repo for f in listed] == scanned(model)
    weights = next(f for f in listed if f.path_in_repo == "model.safetensors")
    assert weights.size == 100
    assert (weights.git_oid, weights.sha256) == hash_bytes(b"\0" * 100)
    assert weights.source == model / "model.safetensors"
    assert cache_file.exists()


def test_hash_cache_announces_only_large_files_it_actually_reads(tmp_path, monkeypatch):
    from hfgit import files

    monkeypatch.setattr(files, "ANNOUNCE_BYTES", 1000)
    big, small = tmp_path / "big.bin", tmp_path / "small.bin"
    big.write_bytes(b"x" * 2000)
    small.write_bytes(b"y" * 10)
    heard: list[tuple[str, int]] = []
    cache = files.HashCache(
        tmp_path / "cache.json", lambda path, size: heard.append((path.name, size))
    )

    cache.hash_file(big)
    cache.hash_file(small)
    cache.hash_file(big)  # cached: not read again, not announced again

    assert heard == [("big.bin", 2000)]


def test_hash_cache_forgets_files_that_are_gone(tmp_path):
    from hfgit.files import HashCache

    kept, gone = tmp_path / "kept.bin", tmp_path / "gone.bin"
    kept.write_bytes(b"k")
    gone.write_bytes(b"g")
    cache = HashCache(tmp_path / "cache.json")
    cache.hash_file(kept)
    cache.hash_file(gone)
    cache.save()
    gone.unlink()
    (tmp_path / "new.bin").write_bytes(b"n")
    cache.hash_file(tmp_path / "new.bin")
    cache.save()

    import json

    assert sorted(json.loads((tmp_path / "cache.json").read_text())) == [
        str((tmp_path / "kept.bin").resolve()),
        str((tmp_path / "new.bin").resolve()),
    ]
