"""Atomic writes and inter-process locks (hfgit/fsio.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from hfgit import fsio


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "sub" / "state.json"
    fsio.write_atomic(path, "first")
    fsio.write_atomic(path, b"second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_new_file_gets_the_umask_mode_and_a_replaced_file_keeps_its_own(tmp_path):
    path = tmp_path / "config.yaml"
    fsio.write_atomic(path, "a")
    assert path.stat().st_mode & 0o777 == 0o666 & ~fsio._UMASK
    os.chmod(path, 0o640)
    fsio.write_atomic(path, "b")
    assert path.stat().st_mode & 0o777 == 0o640
    fsio.write_atomic(path, "c", mode=0o755)
    assert path.stat().st_mode & 0o777 == 0o755


def test_failed_write_keeps_the_old_content(tmp_path, monkeypatch):
    path = tmp_path / "queue"
    fsio.write_atomic(path, "old")

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        fsio.write_atomic(path, "new")
    assert not fsio.try_write_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["queue"]


def test_lock_held_by_another_process_is_reported_not_waited_for(tmp_path):
    lock = tmp_path / "worker.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from pathlib import Path
                from hfgit import fsio
                with fsio.locked(Path({str(lock)!r})) as held:
                    print(held, flush=True)
                    sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        with fsio.locked(lock, blocking=False) as held:
            assert held is False
        with fsio.locked(lock, timeout=0.05) as held:
            assert held is False
    finally:
        holder.communicate("\n", timeout=30)
    with fsio.locked(lock, blocking=False) as held:
        assert held is True
