"""Driving a real git repository and hfgit's command lines from tests (shared by test folders)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Result:
    """What a command line returned and printed."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


class RepoDriver:
    """A git work tree under test, a hub, and in-process command lines through hfgit's edge."""

    def __init__(self, root: Path, hub: Any, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.hub = hub
        self._capsys = capsys

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def write(self, relative: str, content: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def invoke(self, main: Callable[[Sequence[str]], int], args: Sequence[str]) -> Result:
        self._capsys.readouterr()
        code = main(list(args))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def hf(self, *args: str) -> Result:
        """`git hf ARGS`, in-process, through the same edge as the console script."""
        from hfgit.cli import main

        return self.invoke(main, args)

    @property
    def api(self) -> Any:
        return self.hub.api("alice")
