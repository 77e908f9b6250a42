"""The site's pages outside any repository: the front page and the stylesheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hfgit.server.auth import can_read
from hfgit.server.context import Context
from hfgit.server.messages import Request, Response
from hfgit.server.pages import history, session
from hfgit.server.pages.common import first, render, repo_url
from hfgit.server.storage import DEFAULT_BRANCH

LISTED_REPOS = 500  # repositories looked at for the front page
STYLESHEET = (Path(__file__).parent / "static" / "style.css").read_bytes()


def index(ctx: Context, request: Request) -> Response:
    who = session.caller(ctx, request)
    rows: list[dict[str, Any]] = []
    for repo in first(ctx.storage.repos(), LISTED_REPOS):
        if not can_read(who, repo.owner, repo.private):
            continue
        head = repo.resolve(DEFAULT_BRANCH)
        latest = history.latest_version(repo)
        headline = next(iter(sorted(latest.metrics.items())), None) if latest else None
        rows.append(
            {
                "repo": repo,
                "url": repo_url(request, repo),
                "time": head.commit_time if head else 0,
                "updated": history.entry(head).date if head else "",
                "latest": latest,
                "headline": headline,
            }
        )
    rows.sort(key=lambda row: row["time"], reverse=True)
    return render(ctx, request, "index.html", rows=rows, title="Repositories")


def stylesheet(ctx: Context, request: Request) -> Response:
    headers = {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"}
    return Response(200, headers, STYLESHEET)
