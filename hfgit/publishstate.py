"""The publish's bookkeeping outside the Hub: one publisher per repository at a time (hook
worker and manual push included), and the hook queue, pins and refusals kept in step with
what the Hub holds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from hfgit import fsio, pins
from hfgit.catalog import Catalog
from hfgit.effects import Say
from hfgit.project import Project


def publish_lock(state_dir: Path, blocking: bool = True) -> contextlib.AbstractContextManager[bool]:
    """One publisher per repository at a time (hook worker and manual push included)."""
    return fsio.locked(state_dir / "push.lock", blocking=blocking)


@contextlib.contextmanager
def one_publisher(project: Project, say: Say) -> Iterator[list[str]]:
    """Hold the publish lock. When another publisher has it, say so and wait for it; yields
    the tags that were queued for the background publish meanwhile (else nothing)."""
    with publish_lock(project.state_dir, blocking=False) as mine:
        if mine:
            yield []
            return
    from hfgit.hooks.queue import queued

    waited_for = queued(project.repo.git_dir)
    if waited_for:
        say(
            f"waiting for the background publish of {', '.join(waited_for)} to finish "
            "(`git hf status` shows the queue)"
        )
    else:
        say("waiting for another publish of this repository to finish")
    with publish_lock(project.state_dir):
        yield waited_for


def published(project: Project, tag: str, commit: str) -> None:
    """A version is on the Hub: its pin, its kept copy and any refusal go."""
    from hfgit.hooks.queue import clear_refusals

    git_dir = project.repo.git_dir
    pins.release(git_dir, {tag: commit}, project.model_dir)
    clear_refusals(pins.state_dir(git_dir).parent, [tag])


def refuse(project: Project, tag: str, reason: str) -> None:
    """Keep why `tag` was refused, for `git hf status`."""
    from hfgit.hooks import queue

    queue.refuse(pins.state_dir(project.repo.git_dir).parent, tag, reason)


def forget_queued(project: Project, tags: list[str]) -> None:
    """Published tags leave the hook queue, with their part of the last hook error."""
    from hfgit.hooks.queue import resolved

    resolved(project.repo.git_dir, tags)


def settle_queue(project: Project, catalog: Catalog, local: dict[str, str] | None = None) -> None:
    """Queued tags the Hub has at their git commit, whoever published them, leave the queue.
    `local`: the repository's tags and their commits, when the caller just read them."""
    from hfgit.hooks.queue import settle

    if local is None:
        local = {name: tag.commit for name, tag in project.repo.tags().items()}
    settle(project.repo.git_dir, local, catalog.git_commits())
