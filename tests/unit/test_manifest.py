"""A version's fixed content: manifests and snapshots, the check before publishing, kept
copies and the pins the hook saves at `git tag` (hfgit.manifest, hfgit.keep, hfgit.pins)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from hfgit import keep, manifest, pins
from hfgit.files import HashCache
from hfgit.manifest import Manifest, Snapshot


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    (model / "tokenizer").mkdir(parents=True)
    (model / "weights.bin").write_bytes(b"w" * 4096)
    (model / "config.json").write_text('{"hidden": 64}')
    (model / "tokenizer" / "vocab.txt").write_text("a\nb\n")
    (model / "experiment_metadata.json").write_text("{}")
    return model


def cache(tmp_path: Path) -> HashCache:
    return HashCache(tmp_path / "hash-cache.json")


def recorded(folder: Path, tmp_path: Path) -> Manifest:
    checked = manifest.check(folder, None, cache(tmp_path))
    assert checked.differences == []
    return checked.as_manifest()


def rewrite(path: Path, data: bytes) -> None:
    """Write new content and make sure the stat shows it (mtime granularity)."""
    old = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(old + 10**9, old + 10**9))


# --- manifests and snapshots --------------------------------------------------------------


def test_a_manifest_lists_every_model_file_with_size_and_sha256(folder, tmp_path):
    made = recorded(folder, tmp_path)
    assert made.files == {
        "config.json": (14, hashlib.sha256(b'{"hidden": 64}').hexdigest()),
        "tokenizer/vocab.txt": (4, hashlib.sha256(b"a\nb\n").hexdigest()),
        "weights.bin": (4096, hashlib.sha256(b"w" * 4096).hexdigest()),
    }
    assert Manifest.from_json(json.loads(json.dumps(made.to_json()))) == made


def test_the_manifest_digest_names_the_contents(folder, tmp_path):
    before = recorded(folder, tmp_path).digest
    rewrite(folder / "weights.bin", b"v" * 4096)
    assert recorded(folder, tmp_path).digest != before


@pytest.mark.parametrize("value", [None, {}, {"files": [{"path": "a", "size": "1"}]}, [1]])
def test_a_malformed_manifest_is_no_manifest(value):
    assert Manifest.from_json(value) is None


def test_the_folder_as_recorded_passes(folder, tmp_path):
    made = recorded(folder, tmp_path)
    checked = manifest.check(folder, made, cache(tmp_path))
    assert checked.differences == []
    assert sorted(path for path, _, _ in checked.files) == [
        "config.json",
        "tokenizer/vocab.txt",
        "weights.bin",
    ]


def test_retrained_weights_new_and_missing_files_are_named(folder, tmp_path):
    made = recorded(folder, tmp_path)
    rewrite(folder / "weights.bin", b"v" * 4096)  # same size, other content
    (folder / "extra.bin").write_bytes(b"x")
    (folder / "tokenizer" / "vocab.txt").unlink()
    checked = manifest.check(folder, made, cache(tmp_path))
    assert sorted(checked.differences) == [
        "extra.bin is new",
        "tokenizer/vocab.txt is missing",
        "weights.bin differs",
    ]
    assert checked.describe().count(", ") == 2


def test_touching_a_file_without_changing_it_passes_a_manifest(folder, tmp_path):
    made = recorded(folder, tmp_path)
    rewrite(folder / "weights.bin", b"w" * 4096)
    assert manifest.check(folder, made, cache(tmp_path)).differences == []


def test_a_snapshot_is_checked_by_stat_without_reading(folder, tmp_path, monkeypatch):
    snap = manifest.take_snapshot(folder)
    assert set(snap.files) == {"config.json", "tokenizer/vocab.txt", "weights.bin"}
    assert Snapshot.from_json(json.loads(json.dumps(snap.to_json()))) == snap
    rewrite(folder / "weights.bin", b"w" * 4096)  # same bytes, new mtime: another file now
    read: list[Path] = []
    real = HashCache.read
    monkeypatch.setattr(HashCache, "read", lambda self, p: read.append(p) or real(self, p))
    checked = manifest.check(folder, snap, cache(tmp_path))
    assert checked.differences == ["weights.bin differs"]
    assert folder / "weights.bin" not in read


def test_a_readme_training_left_is_part_of_the_fixed_content(folder, tmp_path):
    (folder / "README.md").write_text("# trained\n")
    made = recorded(folder, tmp_path)
    assert "README.md" in made.files
    rewrite(folder / "README.md", b"# another run\n")
    assert manifest.check(folder, made, cache(tmp_path)).differences == ["README.md differs"]


def test_a_file_that_changes_while_it_is_read_is_a_difference(folder, tmp_path, monkeypatch):
    real_open = Path.open
    rewritten: list[Path] = []

    def open_and_rewrite(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real_open(self, *args, **kwargs)
        if self.name == "weights.bin" and not rewritten:
            rewritten.append(self)
            rewrite(self, b"z" * 5000)  # training writes while hfgit reads
        return handle

    monkeypatch.setattr(Path, "open", open_and_rewrite)
    hashes = cache(tmp_path)
    checked = manifest.check(folder, None, hashes)
    assert checked.differences == ["weights.bin changed while it was read"]
    monkeypatch.setattr(Path, "open", real_open)
    assert hashes.read(folder / "weights.bin").sha256 == hashlib.sha256(b"z" * 5000).hexdigest()


# --- kept copies --------------------------------------------------------------------------


def keep_all(state: Path, folder: Path, kept_id: str = "abc") -> keep.Kept:
    files = [
        (rel, path, (path.stat().st_size, path.stat().st_mtime_ns))
        for rel, path in manifest.files_of(folder)
    ]
    return keep.keep_files(state, kept_id, files)


def test_a_kept_copy_holds_the_files_read_only_with_their_mtimes(folder, tmp_path):
    state = tmp_path / "state"
    kept = keep_all(state, folder)
    assert keep.path_of(state, "abc") == kept.path
    copy = kept.path / "weights.bin"
    assert copy.read_bytes() == b"w" * 4096
    assert copy.stat().st_mtime_ns == (folder / "weights.bin").stat().st_mtime_ns
    assert not os.access(copy, os.W_OK) or os.geteuid() == 0
    assert copy.stat().st_mode & 0o222 == 0
    assert (
        manifest.check(kept.path, manifest.take_snapshot(folder), cache(tmp_path)).differences == []
    )
    rewrite(folder / "weights.bin", b"retrained")
    assert copy.read_bytes() == b"w" * 4096


def test_a_file_changed_before_it_is_kept_leaves_no_copy(folder, tmp_path):
    state = tmp_path / "state"
    stale = [("weights.bin", folder / "weights.bin", (1, 1))]
    with pytest.raises(keep.ChangedWhileCopied, match=r"weights\.bin changed"):
        keep.keep_files(state, "abc", stale)
    assert keep.path_of(state, "abc") is None
    assert not (keep.store(state) / "abc").exists()


def test_the_cache_learns_what_a_copy_holds_without_reading_it(folder, tmp_path, monkeypatch):
    state, hashes = tmp_path / "state", cache(tmp_path)
    checked = manifest.check(folder, None, hashes)
    files = [(p, src, (h.size, h.mtime_ns)) for p, src, h in checked.files]
    kept = keep.keep_files(state, "abc", files, hashes, {p: h for p, _, h in checked.files})
    later = HashCache(tmp_path / "hash-cache.json")  # another run, reading the saved cache
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("a kept file was read"))
    again = manifest.check(kept.path, checked.as_manifest(), later)
    assert again.differences == []


def test_sweep_drops_copies_no_one_names(folder, tmp_path):
    state = tmp_path / "state"
    keep_all(state, folder, "used")
    keep_all(state, folder, "unused")
    assert keep.sweep(state, {"used"}) == []  # young: a record may be naming it right now
    assert keep.sweep(state, {"used"}, fresh=0) == ["unused"]
    assert keep.path_of(state, "used") is not None
    assert keep.path_of(state, "unused") is None


@pytest.mark.parametrize("bad", ["", "../x", ".hidden", None, 3])
def test_a_kept_id_is_a_plain_name(tmp_path, bad):
    assert keep.path_of(tmp_path, bad) is None


# --- pins ---------------------------------------------------------------------------------


def git_dir_of(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo / ".git"


def test_a_pin_fixes_the_record_and_the_stat_of_the_tag(folder, tmp_path):
    git_dir = git_dir_of(tmp_path)
    (folder / "experiment_metadata.json").write_text('{"git_commit": "c1", "kept": "nope"}')
    made = pins.pin(git_dir, folder, "v1.0.0", "c1")
    assert made.record == {"git_commit": "c1", "kept": "nope"}
    assert made.kept is None  # no such copy
    assert set(made.snapshot.files) == {"config.json", "tokenizer/vocab.txt", "weights.bin"}
    assert pins.load(git_dir, "v1.0.0", "c1") == made
    assert pins.load(git_dir, "v1.0.0", "c2") is None  # the tag was made again elsewhere


def test_keeping_a_tagged_folder_points_the_pin_at_the_copy(folder, tmp_path):
    git_dir = git_dir_of(tmp_path)
    made = pins.keep_tagged(git_dir, folder, pins.pin(git_dir, folder, "v1.0.0", "c1"))
    assert made.kept is not None
    copy = keep.path_of(pins.state_dir(git_dir), made.kept)
    assert copy is not None and (copy / "weights.bin").read_bytes() == b"w" * 4096
    assert pins.load(git_dir, "v1.0.0", "c1").kept == made.kept


def test_release_forgets_the_pin_and_drops_copies_no_one_uses(folder, tmp_path):
    git_dir = git_dir_of(tmp_path)
    one = pins.keep_tagged(git_dir, folder, pins.pin(git_dir, folder, "v1.0.0", "c1"))
    two = pins.keep_tagged(git_dir, folder, pins.pin(git_dir, folder, "v1.1.0", "c2"))
    pins.release(git_dir, {"v1.0.0": "c1"}, folder)
    state = pins.state_dir(git_dir)
    assert pins.load(git_dir, "v1.0.0", "c1") is None
    assert keep.path_of(state, one.kept) is None
    assert keep.path_of(state, two.kept) is not None


def test_the_state_of_a_linked_work_tree_is_the_common_one(tmp_path):
    git_dir = git_dir_of(tmp_path)
    repo = git_dir.parent
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "-q", str(tmp_path / "wt")], check=True
    )
    linked = git_dir / "worktrees" / "wt"
    assert pins.state_dir(linked) == pins.state_dir(git_dir) == git_dir.resolve() / "hfgit"


def test_release_drops_the_copy_a_record_kept_for_the_published_commit(folder, tmp_path):
    git_dir = git_dir_of(tmp_path)
    state = pins.state_dir(git_dir)
    keep_all(state, folder, "recorded")
    (folder / "experiment_metadata.json").write_text('{"git_commit": "c1", "kept": "recorded"}')
    pins.release(git_dir, {"v1.0.0": "c2"}, folder)  # another commit's version: still needed
    assert keep.path_of(state, "recorded") is not None
    pins.release(git_dir, {"v1.0.0": "c1"}, folder)
    assert keep.path_of(state, "recorded") is None


def test_a_pin_taken_after_the_folder_moved_on_names_the_late_files(folder, tmp_path):
    git_dir = git_dir_of(tmp_path)
    tagged_at = max(p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()) + 1
    (folder / "weights.bin").write_bytes(b"the next run")  # after the tag, before the hook
    os.utime(folder / "weights.bin", ns=(tagged_at + 1000, tagged_at + 1000))
    made = pins.pin(git_dir, folder, "v1.0.0", "c1", tagged_at_ns=tagged_at)
    assert made.late == ("weights.bin",)
    assert pins.load(git_dir, "v1.0.0", "c1").late == ("weights.bin",)
    assert pins.keep_tagged(git_dir, folder, made).kept is None  # nothing worth keeping


def test_a_file_dated_in_the_future_is_not_late(folder, tmp_path):
    git_dir = git_dir_of(tmp_path)
    tagged_at = max(p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()) + 1
    ahead = time.time_ns() + 3600 * 10**9  # copied from a machine whose clock runs ahead
    os.utime(folder / "weights.bin", ns=(ahead, ahead))
    assert pins.pin(git_dir, folder, "v1.0.0", "c1", tagged_at_ns=tagged_at).late == ()
