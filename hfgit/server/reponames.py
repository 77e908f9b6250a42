"""Repo ids as the Hub treats them: case-insensitive, unique ignoring case, and moved ones
still found under their old name.

A repo lives on disk under the id it was created (or moved) with, its canonical casing, and
is answered under it whatever casing a request uses. No two repos of one kind may differ only
in case; creating or moving onto such a name is decided under one lock (`names.lock`), so two
requests cannot both take it. A moved repo leaves a redirect behind (`redirects.json`): the
old id keeps working until a repo is created under it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from hfgit.fsio import write_atomic
from hfgit.server.hubrepo import META_FILE, held

REDIRECTS_FILE = "redirects.json"


class RepoNames:
    """Finds repo ids under `root/repos/{kind}s/` ignoring case, and keeps the redirects."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._redirects = root / REDIRECTS_FILE
        self._lock_file = root / "locks" / "names.lock"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Held while the set of names changes (create, move, delete)."""
        with held(self._lock_file):
            yield

    def existing(self, kind: str, repo_id: str) -> str | None:
        """The canonical id of the repo named `repo_id` ignoring case, if one exists."""
        namespace, _, name = repo_id.partition("/")
        kind_dir = self.root / "repos" / f"{kind}s"
        if (kind_dir / namespace / f"{name}.git" / META_FILE).exists():
            return repo_id
        wanted_ns, wanted_name = namespace.lower(), f"{name}.git".lower()
        for found_ns in _listdir(kind_dir):
            if found_ns.lower() != wanted_ns:
                continue
            for found in _listdir(kind_dir / found_ns):
                if (
                    found.lower() == wanted_name
                    and (kind_dir / found_ns / found / META_FILE).exists()
                ):
                    return f"{found_ns}/{found.removesuffix('.git')}"
        return None

    def find(self, kind: str, repo_id: str) -> str | None:
        """The canonical id a request for `repo_id` means: the repo itself, or where it moved."""
        found = self.existing(kind, repo_id)
        if found is None:
            target = self._read().get(f"{kind}s", {}).get(repo_id.lower())
            if isinstance(target, str):
                found = self.existing(kind, target)
        return found

    def moved(self, kind: str, old: str, new: str) -> None:
        """Record that `old` now lives at `new` (call under `lock`); earlier redirects to `old`
        follow it, and `new` itself is no longer a redirect."""
        redirects = self._read()
        table = redirects.setdefault(f"{kind}s", {})
        for source, target in list(table.items()):
            if isinstance(target, str) and target.lower() == old.lower():
                table[source] = new
        table[old.lower()] = new
        table.pop(new.lower(), None)
        self._write(redirects)

    def forget(self, kind: str, repo_id: str) -> None:
        """Drop the redirects from and to `repo_id` (created or deleted; call under `lock`)."""
        redirects = self._read()
        table = redirects.get(f"{kind}s", {})
        doomed = [
            source
            for source, target in table.items()
            if source == repo_id.lower() or str(target).lower() == repo_id.lower()
        ]
        if doomed:
            for source in doomed:
                del table[source]
            self._write(redirects)

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self._redirects.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, redirects: dict[str, dict[str, str]]) -> None:
        write_atomic(self._redirects, json.dumps(redirects, sort_keys=True))


def _listdir(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []
