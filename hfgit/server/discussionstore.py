"""The discussions and pull requests of one repo, kept in its bare repo as one JSON file.

`hub-discussions.json` holds every discussion with its events (comments, status changes,
commits, title changes). It is read whole and replaced atomically; every change is made
under the repo's lock (`HubRepo.lock`), so numbers are never given twice and no event is
lost. Pull request N's commits live on the ref `refs/pr/N`; numbers are shared by
discussions and pull requests, as on the Hub, and never reuse a `refs/pr/N` that exists.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from typing import Any

from hfgit.fsio import write_atomic
from hfgit.server.hubrepo import HubRepo
from hfgit.server.naming import is_number
from hfgit.server.problems import ApiError
from hfgit.server.trees import hub_date

DISCUSSIONS_FILE = "hub-discussions.json"
MAX_TEXT = 64 * 1024  # a title, comment or description
MAX_DISCUSSIONS = 10_000
MAX_FILE_BYTES = 16 * 1024 * 1024  # every change reads and rewrites the whole file

Discussion = dict[str, Any]


class Discussions:
    """The discussions of `repo`: `load()` them, change them, `save()` (under the repo lock)."""

    def __init__(self, repo: HubRepo) -> None:
        self.repo = repo
        self.path = repo.path / DISCUSSIONS_FILE
        self.items: list[Discussion] = []

    def load(self) -> Discussions:
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES + 1024:
                raise ValueError("too large")
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError):
            raise ApiError(500, f"The discussions of {self.repo.repo_id} cannot be read") from None
        items = data.get("discussions") if isinstance(data, dict) else None
        self.items = [d for d in items if isinstance(d, dict)] if isinstance(items, list) else []
        return self

    def save(self) -> None:
        data = json.dumps({"discussions": self.items})
        if len(data) > MAX_FILE_BYTES:
            raise ApiError(403, f"{self.repo.repo_id} holds too many discussions and comments")
        write_atomic(self.path, data)

    def get(self, num: int) -> Discussion:
        for item in self.items:
            if item.get("num") == num:
                return item
        raise ApiError(404, f"Discussion #{num} not found in {self.repo.repo_id}")

    def pull_request(self, ref: str) -> Discussion | None:
        """The pull request whose commits go to `ref` (`refs/pr/N`), if there is one."""
        number = ref.removeprefix("refs/pr/")
        if not ref.startswith("refs/pr/") or not is_number(number, 9):
            return None
        for item in self.items:
            if item.get("num") == int(number) and item.get("isPullRequest"):
                return item
        return None

    def open(
        self, author: str, title: str, description: str, pull_request: bool, base: str | None
    ) -> Discussion:
        """A new discussion (or pull request on `base`), its description as first comment."""
        if len(self.items) >= MAX_DISCUSSIONS:
            raise ApiError(403, f"{self.repo.repo_id} has too many discussions")
        taken = [int(d.get("num", 0)) for d in self.items]
        taken += [int(n) for n in _pr_numbers(self.repo)]
        item: Discussion = {
            "num": max(taken, default=0) + 1,
            "title": text(title, "title"),
            "author": author,
            "createdAt": time.time(),
            "status": "draft" if pull_request else "open",
            "isPullRequest": pull_request,
            "events": [],
        }
        if pull_request:
            item["base"] = base
        self.items.append(item)
        self.event(item, author, "comment", {"raw": description[:MAX_TEXT]})
        return item

    def event(self, item: Discussion, author: str, kind: str, data: dict[str, Any]) -> Discussion:
        """Append an event (`comment`, `status-change`, `commit`, `title-change`)."""
        event = {
            "id": secrets.token_hex(12),
            "type": kind,
            "createdAt": time.time(),
            "author": author,
            "data": data,
        }
        item["events"].append(event)
        return event


def text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"The {what} must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise ApiError(400, f"The {what} is limited to {MAX_TEXT} characters")
    return value.strip()


def _pr_numbers(repo: HubRepo) -> list[str]:
    found = []
    for name in repo.git.references:
        number = name.removeprefix("refs/pr/")
        if name.startswith("refs/pr/") and is_number(number, 9):
            found.append(number)
    return found


def user(name: object) -> dict[str, Any]:
    return {"type": "user", "name": name, "fullname": name, "isPro": False, "avatarUrl": ""}


def render_event(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the Hub answers it (what `huggingface_hub.community` reads)."""
    data = dict(event.get("data") or {})
    when = hub_date(float(event.get("createdAt", 0)))
    if event.get("type") == "comment":
        raw = str(data.get("raw", ""))
        latest: dict[str, Any] = {"raw": raw, "html": html.escape(raw), "updatedAt": when}
        latest["author"] = user(event.get("author"))
        data = {"edited": False, "hidden": False, "latest": latest, "history": [], "numEdits": 0}
    return {
        "id": event.get("id"),
        "type": event.get("type"),
        "createdAt": when,
        "author": user(event.get("author")),
        "data": data,
    }


def render(repo: HubRepo, item: Discussion) -> dict[str, Any]:
    """A discussion as listed (without its events)."""
    comments = sum(1 for e in item.get("events", []) if e.get("type") == "comment")
    return {
        "num": item.get("num"),
        "title": item.get("title"),
        "status": item.get("status"),
        "createdAt": hub_date(float(item.get("createdAt", 0))),
        "isPullRequest": bool(item.get("isPullRequest")),
        "author": user(item.get("author")),
        "repo": {"name": repo.repo_id, "type": repo.kind},
        "numComments": comments,
        "pinned": False,
        "topReactions": [],
    }
