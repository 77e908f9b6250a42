"""The site's pages outside any repository: the front page and the stylesheet.

The front page lists up to LISTED_REPOS repositories, each with its latest version and, for a
model, its stages. What it reads per repository is bounded, whatever the repository's
history: its refs' names (one listing, shared by versions and stages), main's head commit,
the latest version's commit, and the head of at most FRONT_PAGE_BRANCHES branches that may be
stages (`stages.py`: one commit each, two for a stage made at a version's commit). No
history is walked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hfgit.server.auth import can_read
from hfgit.server.context import Context
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response
from hfgit.server.pages import history, session, stages
from hfgit.server.pages.common import first, render, repo_url
from hfgit.server.storage import DEFAULT_BRANCH

LISTED_REPOS = 500  # repositories looked at for the front page
FRONT_PAGE_BRANCHES = 10  # branches read per repository for its stages, in name order
STYLESHEET = (Path(__file__).parent / "static" / "style.css").read_bytes()


def index(ctx: Context, request: Request) -> Response:
    who = session.caller(ctx, request)
    rows = [
        _row(request, repo)
        for repo in first(ctx.storage.repos(), LISTED_REPOS)
        if can_read(who, repo.owner, repo.private)
    ]
    rows.sort(key=lambda row: row["time"], reverse=True)
    return render(ctx, request, "index.html", rows=rows, title="Repositories")


def stylesheet(ctx: Context, request: Request) -> Response:
    headers = {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"}
    return Response(200, headers, STYLESHEET)


def _row(request: Request, repo: HubRepo) -> dict[str, Any]:
    head = repo.resolve(DEFAULT_BRANCH)
    refs = history.ref_names(repo)
    tags = history.version_tags(repo, refs)
    latest = history.latest_version(repo, tags)
    headline = next(iter(sorted(latest.metrics.items())), None) if latest else None
    held = None
    if repo.kind == "model":
        held = stages.stages(repo, tags, FRONT_PAGE_BRANCHES, refs)
    return {
        "repo": repo,
        "url": repo_url(request, repo),
        "time": head.commit_time if head else 0,
        "updated": history.entry(head).date if head else "",
        "latest": latest,
        "headline": headline,
        "stages": held,
    }
