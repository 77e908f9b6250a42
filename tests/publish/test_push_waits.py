"""A push that finds another publisher at work says so, waits, and reports what it published."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from hfgit.commands.publish import _print_summary
from hfgit.fsio import locked
from hfgit.hooks import queue
from hfgit.project import Project
from hfgit.sync import PUBLISHED_MEANWHILE, Outcome, push

WAIT = 60.0  # seconds before a stuck thread fails the test


class WaitingPush:
    """`sync.push` in a thread, with its notes recorded; `waiting` is set once it says so."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.waiting = threading.Event()
        self.outcomes: list[Outcome] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _say(self, message: str) -> None:
        self.said.append(message)
        if message.startswith("waiting for"):
            self.waiting.set()

    def _run(self) -> None:
        try:
            self.outcomes = push(Project.open(), say=self._say)
        except BaseException as e:  # re-raised in the test's thread
            self.error = e
            self.waiting.set()

    def start_while(self, holding: Callable[[], None]) -> None:
        """Start the push while another publisher holds the lock; run `holding`, then let go."""
        with locked(Project.open().state_dir / "push.lock"):
            self.thread.start()
            assert self.waiting.wait(WAIT), self.said
            holding()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()
        if self.error:
            raise self.error


def publish_from_a_clone(root: Path, clone: Path, tag: str) -> None:
    """Another publisher (another git dir, so another lock) puts `tag` on the Hub."""
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    shutil.copytree(root / "model", clone / "model")  # ignored by git, made by training
    [outcome] = push(Project.open(clone), [tag])
    assert outcome.action == "publish"


def test_push_waits_for_the_background_publish_and_reports_its_version(workspace, tmp_path):
    commit = workspace.tag("v1.0.0")
    queue.enqueue(workspace.root / ".git", "v1.0.0")
    waiting = WaitingPush()

    waiting.start_while(lambda: publish_from_a_clone(workspace.root, tmp_path / "clone", "v1.0.0"))

    assert waiting.said[0] == (
        "waiting for the background publish of v1.0.0 to finish (`git hf status` shows the queue)"
    )
    [outcome] = waiting.outcomes
    assert (outcome.tag, outcome.git_commit, outcome.action) == ("v1.0.0", commit, "skip")
    assert outcome.reason == PUBLISHED_MEANWHILE
    assert queue.queued(workspace.root / ".git") == []


def test_push_after_waiting_publishes_what_the_other_publisher_left(workspace):
    workspace.tag("v1.0.0")
    waiting = WaitingPush()

    waiting.start_while(lambda: None)  # the other publisher sent nothing (say it failed)

    assert waiting.said[0] == "waiting for another publish of this repository to finish"
    [outcome] = waiting.outcomes
    assert (outcome.tag, outcome.action) == ("v1.0.0", "publish")
    assert {t.name for t in workspace.hub.api().list_repo_refs("alice/tool-caller").tags} == {
        "v1.0.0"
    }


def test_push_names_a_version_published_while_it_waited(capsys):
    outcome = Outcome("v1.0.0", "a" * 40, "skip", "main", PUBLISHED_MEANWHILE, url="http://hub/x")

    _print_summary([outcome])

    captured = capsys.readouterr()
    assert (
        captured.err
        == "v1.0.0: published in the background while this push waited (git aaaaaaaa)\n"
    )
    assert captured.out == "http://hub/x\n"
