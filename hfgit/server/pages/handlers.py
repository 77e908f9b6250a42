"""A repository's own pages: its card, its commits and its versions (with their stages).

Each reads a bounded amount (one page of commits or versions, the README up to CARD_BYTES)
and renders its template. The files of a revision are `browse.py`'s; the front page and
signing in are `site.py`'s and `account.py`'s.
"""

from __future__ import annotations

from typing import Any

import pygit2

from hfgit.server.context import Context, resolve
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response
from hfgit.server.misc import load_bounded
from hfgit.server.pages import charts, history, stages, view
from hfgit.server.pages.common import open_repo, page_number, render, repo_data
from hfgit.server.storage import DEFAULT_BRANCH
from hfgit.server.trees import lookup, pointer_of

CARD_BYTES = 512 * 1024  # a larger README is linked, not rendered
CARD_FIELDS = (
    "license",
    "base_model",
    "datasets",
    "language",
    "library_name",
    "pipeline_tag",
    "tags",
)


def card(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo = open_repo(ctx, request, kind, ns, name)
    head = resolve(repo, DEFAULT_BRANCH)
    text, too_big = _readme(repo, head)
    meta, body, problem = _split_card(text)
    latest = history.latest_version(repo)
    return render(
        ctx,
        request,
        "card.html",
        stages=stages.stages(repo, history.version_tags(repo)),
        **repo_data(request, repo, "card"),
        title=repo.repo_id,
        fields=_card_fields(meta),
        body=view.markdown(body) if body else None,
        problem=problem,
        too_big=too_big,
        latest=latest,
        head=history.entry(head),
        clone_url=f"{request.base_url}/{repo.url_path}",
    )


def commits(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, path: str
) -> Response:
    repo = open_repo(ctx, request, kind, ns, name)
    head = resolve(repo, "/".join(p for p in (rev, path) if p))
    size = ctx.limits.commits_page_size
    number = page_number(request)
    shown = list(history.history(repo, head, number * size, size + 1))
    return render(
        ctx,
        request,
        "commits.html",
        **repo_data(request, repo, "commits"),
        title=f"Commits of {repo.repo_id}",
        rev=rev,
        entries=shown[:size],
        page=number,
        more=len(shown) > size,
    )


def versions(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    repo = open_repo(ctx, request, kind, ns, name)
    tags = history.version_tags(repo)
    size = history.VERSIONS_PAGE
    number = page_number(request)
    end = max(len(tags) - number * size, 0)
    shown = history.versions(repo, tags[max(end - size, 0) : end])
    asked = [request.param("a"), request.param("b")]
    pair = [a or d for a, d in zip(asked, ([""] * 2 + tags)[-2:], strict=True)]
    wanted = all(asked) and all(t in tags for t in pair)
    compared = history.versions(repo, pair) if wanted else []
    return render(
        ctx,
        request,
        "versions.html",
        **repo_data(request, repo, "versions"),
        title=f"Versions of {repo.repo_id}",
        entries=list(reversed(shown)),
        charts=charts.charts(shown),
        chart=charts,
        tags=tags[-size * 10 :],
        pair=pair,
        compared=_comparison(compared) if len(compared) == 2 else None,
        stages=stages.stages(repo, tags),
        max_branches=stages.MAX_BRANCHES,
        page=number,
        more=end > size,
        total=len(tags),
    )


def _readme(repo: HubRepo, head: pygit2.Commit) -> tuple[str, bool]:
    found = lookup(head.tree, "README.md")
    if not isinstance(found, pygit2.Blob) or pointer_of(found, repo.objects):
        return "", False
    if found.size > CARD_BYTES:
        return "", True
    return found.data.decode("utf-8", "replace"), False


def _split_card(text: str) -> tuple[dict[str, Any], str, str | None]:
    """(front matter, markdown body, why the front matter could not be read)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text, None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        return {}, text, "The metadata block is not closed by a '---' line."
    body = "\n".join(lines[end + 1 :])
    try:
        data = load_bounded("\n".join(lines[1:end]))
    except ValueError:
        return {}, body, "The metadata block is not valid YAML."
    return (data if isinstance(data, dict) else {}), body, None


def _card_fields(meta: dict[str, Any]) -> list[tuple[str, str]]:
    fields = []
    for key in CARD_FIELDS:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if isinstance(v, str | int | float))
        if isinstance(value, str | int | float) and str(value):
            fields.append((key.replace("_", " "), str(value)))
    return fields


def _comparison(pair: list[history.Entry]) -> dict[str, Any]:
    a, b = pair
    metrics = sorted(set(a.metrics) | set(b.metrics))
    params = sorted(set(a.params) | set(b.params))
    return {
        "a": a,
        "b": b,
        "metrics": [(m, a.metrics.get(m), b.metrics.get(m)) for m in metrics],
        "params": [(p, a.params.get(p), b.params.get(p)) for p in params],
    }
