"""`git hf verify`'s check of a folder against a Hub tree: git's blob ids, sha256 streamed."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from hfgit.hub import RemoteFile
from hfgit.verify import check

BIG = 3 * (1 << 20) + 17  # more than one read chunk


def _git_blob(path: Path) -> str:
    done = subprocess.run(
        ["git", "hash-object", "--no-filters", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _tree(folder: Path) -> dict[str, RemoteFile]:
    """The tree the Hub would list: the big file in LFS, the others by git blob id."""
    small = folder / "config.json"
    big = folder / "weights" / "model.bin"
    return {
        "config.json": RemoteFile("config.json", small.stat().st_size, _git_blob(small), None),
        "weights/model.bin": RemoteFile(
            "weights/model.bin",
            BIG,
            "0" * 40,  # the pointer's blob id: not what an LFS file is compared by
            hashlib.sha256(big.read_bytes()).hexdigest(),
        ),
    }


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    (folder / "weights").mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 64}\n')
    (folder / "weights" / "model.bin").write_bytes(bytes(range(256)) * (BIG // 256) + b"x" * 17)
    return folder


def test_a_folder_that_holds_the_tree_passes(tmp_path):
    folder = _folder(tmp_path)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / ".cache" / "huggingface").mkdir(parents=True)
    (folder / ".cache" / "huggingface" / "x.metadata").write_text("download state")

    assert check(folder, _tree(folder)) == []


def test_a_change_deep_in_a_large_file_is_found(tmp_path):
    folder = _folder(tmp_path)
    tree = _tree(folder)
    big = folder / "weights" / "model.bin"
    data = bytearray(big.read_bytes())
    data[BIG - 5] ^= 0x80  # in the last chunk
    big.write_bytes(bytes(data))

    (problem,) = check(folder, tree)

    assert (problem.path, problem.status) == ("weights/model.bin", "differs")
    assert problem.found is not None and problem.found.sha256 != problem.expected.sha256


def test_small_files_are_compared_by_git_blob_id(tmp_path):
    folder = _folder(tmp_path)
    tree = _tree(folder)
    (folder / "config.json").write_text('{"hidden_size": 65}\n')  # same size

    (problem,) = check(folder, tree)

    assert problem.path == "config.json"
    assert problem.found.blob_id == _git_blob(folder / "config.json") != problem.expected.blob_id


def test_missing_extra_and_resized_files_are_each_named(tmp_path):
    folder = _folder(tmp_path)
    tree = _tree(folder)
    (folder / "config.json").unlink()
    (folder / "weights" / "model.bin").write_bytes(b"short")
    (folder / "weights" / "extra.bin").write_bytes(b"x")
    (folder / ".cache" / "other").mkdir(parents=True)  # skipped at the top only
    (folder / "weights" / ".cache").mkdir()
    (folder / "weights" / ".cache" / "kept.txt").write_text("not skipped below the top")

    found = {(p.path, p.status) for p in check(folder, tree)}

    assert found == {
        ("config.json", "missing"),
        ("weights/model.bin", "differs"),
        ("weights/extra.bin", "extra"),
        ("weights/.cache/kept.txt", "extra"),
    }


def test_a_dangling_symlink_is_missing_not_a_crash(tmp_path):
    folder = _folder(tmp_path)
    tree = _tree(folder)
    (folder / "config.json").unlink()
    (folder / "config.json").symlink_to(folder / "nowhere")

    assert [(p.path, p.status) for p in check(folder, tree)] == [("config.json", "missing")]
