"""The hub's side of a `git push`: checked before git moves any ref, like an API commit.

`git http-backend` runs receive-pack with the hub's own hooks folder (`hooks_dir`), never the
repo's; its pre-receive hook (`prereceive.py`) relays the ref updates and the quarantine
folder of the pushed objects over a pipe it inherited from this server, and waits. The
`PushGuard`, a thread of the request serving that push, then:

1. takes the repo's lock, the one API commits and ref changes hold, so that no ref moves
   between the check and git's own update;
2. reviews the updates with the pushed objects in view (`pushrules`);
3. authorises the LFS objects the new files point at, as for an API commit: uploaded to this
   repo, or committed in a repo the pusher can read, and stored with the size the pointer
   names; a pointer to anything else refuses the push (the Hub refuses it too);
4. checks the metadata of the README.md of each pushed tip where it changed, as the commit
   endpoint does: errors refuse the push, warnings are shown to the pusher;
5. records the LFS objects in the repo's index, under the collector guard, before a ref names
   them;
6. answers, and holds the lock until the push is over (git has updated the refs or not).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shlex
import sys
import threading
from pathlib import Path
from typing import Any

import pygit2

from hfgit.fsio import write_atomic
from hfgit.server import prereceive
from hfgit.server.auth import Caller, can_read
from hfgit.server.cardmeta import INVALID, check_card
from hfgit.server.context import Context
from hfgit.server.hubrepo import HubRepo
from hfgit.server.pushrules import Update, changed_cards, review_push
from hfgit.server.repoobjects import COMMITTED

log = logging.getLogger("hfgit.server")

MAX_MESSAGE = 16 * 1024 * 1024  # the ref updates of one push
REFUSED = "Your push was rejected:"
_HEX40 = frozenset("0123456789abcdef")


def hooks_dir(root: Path) -> Path:
    """The hooks folder pushes run with: a pre-receive hook relaying to this server's Python.

    One folder per hook text (named by its digest), so that servers of different installs
    sharing a root never rewrite each other's hook.
    """
    relay = Path(prereceive.__file__).resolve()
    script = f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -I {shlex.quote(str(relay))}\n"
    folder = root / "git-hooks" / hashlib.sha256(script.encode()).hexdigest()[:16]
    hook = folder / "pre-receive"
    if not hook.is_file() or hook.read_text() != script:
        write_atomic(hook, script, mode=0o755)
    return folder


class PushGuard:
    """Answers the pre-receive hook of one push, holding the repo's lock from the check until
    `finish` (the push is over)."""

    def __init__(self, ctx: Context, repo: HubRepo, caller: Caller, timeout: float) -> None:
        self._ctx, self._repo, self._caller = ctx, repo, caller
        self._timeout = timeout
        self._request_r, self._request_w = os.pipe()
        self._verdict_r, self._verdict_w = os.pipe()
        self._over = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hfgit-push-guard", daemon=True)
        self._started = False

    @property
    def child_fds(self) -> tuple[int, int]:
        """The pipe ends the git process (and so its hook) inherits."""
        return self._request_w, self._verdict_r

    @property
    def env(self) -> dict[str, str]:
        return {prereceive.FDS_ENV: f"{self._request_w},{self._verdict_r}"}

    def start(self) -> None:
        """Call once git runs: its pipe ends are its own, and the guard waits for the hook."""
        os.close(self._request_w)
        os.close(self._verdict_r)
        self._started = True
        self._thread.start()

    def finish(self) -> None:
        """The push is over: release the lock (the guard's thread closes its own pipe ends)."""
        self._over.set()
        if not self._started:
            for fd in (self._request_r, self._request_w, self._verdict_r, self._verdict_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
            return
        self._thread.join(timeout=self._timeout)

    def _serve(self) -> None:
        try:
            line = _read_line(self._request_r, MAX_MESSAGE)
            if line is None:
                return  # the push ended before its hook ran
            with self._repo.lock():
                problems, notes = self._check(line)
                self._answer(problems, notes)
                if not problems:
                    self._over.wait(self._timeout)  # git updates the refs meanwhile
        except Exception:
            log.exception("checking a push to %s failed", self._repo.repo_id)
            self._answer(["the hub could not check this push; try again"])
        finally:
            for fd in (self._request_r, self._verdict_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _check(self, line: bytes) -> tuple[list[str], list[str]]:
        """What refuses the push (nothing: it goes on), and what the pusher should know."""
        updates, quarantine = _parse_request(line, self._repo.path)
        git = pygit2.Repository(str(self._repo.path))
        if quarantine is not None:
            git.odb.add_disk_alternate(str(quarantine))
        review = review_push(git, updates)
        if review.problems:
            return review.problems, []
        problems, notes = self._check_cards(git, updates)
        if problems:
            return problems, []
        return self._authorise(review.pointers), notes

    def _check_cards(
        self, git: pygit2.Repository, updates: list[Update]
    ) -> tuple[list[str], list[str]]:
        problems: list[str] = []
        notes: list[str] = []
        for blob_id, ref in changed_cards(git, updates).items():
            blob = git.get(blob_id)
            if not isinstance(blob, pygit2.Blob):
                continue
            text = blob.data.decode("utf-8", "replace")
            found = check_card(text, self._repo.kind, self._ctx.limits.yaml_bytes)
            problems += [f"{ref}: {INVALID} {error}" for error in found.errors]
            notes += [
                f"Warnings while validating metadata in README.md: {w}" for w in found.warnings
            ]
        return problems, list(dict.fromkeys(notes))

    def _authorise(self, pointers: dict[str, tuple[int, str]]) -> list[str]:
        """Refuse pointers to objects this repo may not use; record those it may."""
        storage, objects = self._ctx.storage, self._repo.objects
        named = set(pointers)
        usable = {oid for oid in named if oid in objects}
        if named - usable:
            caller = self._caller

            def readable(other: HubRepo) -> bool:
                return can_read(caller, other.owner, other.private)

            usable |= storage.copyable(named - usable, readable)
        problems = []
        with storage.collector_guard():  # touched, then indexed: see collector
            for oid, (size, path) in sorted(pointers.items(), key=lambda item: item[1][1]):
                stored = storage.claim(oid) if oid in usable else None
                if stored is None:
                    problems.append(
                        f"{path}: LFS object {oid} was not uploaded to this repository; "
                        "push its content with git-lfs (git lfs push --all origin)"
                    )
                elif stored != size:
                    problems.append(
                        f"{path}: points at LFS object {oid} of {stored} bytes, not {size}"
                    )
            if not problems:
                objects.add(sorted(named), COMMITTED)
        return problems

    def _answer(self, problems: list[str], notes: list[str] | None = None) -> None:
        verdict: dict[str, Any] = {"ok": not problems}
        messages = [REFUSED, *(f"  {p}" for p in problems)] if problems else notes or []
        verdict["messages"] = messages
        with contextlib.suppress(OSError):
            os.write(self._verdict_w, (json.dumps(verdict) + "\n").encode())


def _read_line(fd: int, limit: int) -> bytes | None:
    """One `\\n`-ended line from a pipe (None at its end or beyond `limit` bytes)."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 64 * 1024)
        if not chunk or len(data) + len(chunk) > limit:
            return None
        data += chunk
    return bytes(data)


def _parse_request(line: bytes, repo_path: Path) -> tuple[list[Update], Path | None]:
    """The updates and the quarantine folder the hook sent (ValueError if malformed)."""
    message = json.loads(line)
    updates = []
    for item in message["updates"]:
        old, new, ref = item
        if not (_is_oid(old) and _is_oid(new) and isinstance(ref, str) and ref):
            raise ValueError(f"malformed ref update {item!r}")
        updates.append(Update(old, new, ref))
    quarantine = message.get("quarantine") or None
    if quarantine is None:
        return updates, None
    folder = Path(quarantine).resolve()
    if folder.parent != (repo_path / "objects").resolve() or not folder.is_dir():
        raise ValueError(f"quarantine folder {quarantine!r} is not the repo's")
    return updates, folder


def _is_oid(value: object) -> bool:
    return isinstance(value, str) and len(value) == 40 and set(value) <= _HEX40
