"""HTML out: the jinja2 environment (autoescaping on), markdown without raw HTML, safe links.

Everything shown comes from strangers (cards, file names, commit messages), so templates
escape by default and markdown is rendered with raw HTML off and only http(s), mailto and
relative links kept.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from hfgit.server.messages import Response

SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_SAFE_SCHEMES = ("http", "https", "mailto")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("hfgit.server.pages", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def safe_link(url: str) -> bool:
    """Relative links and http(s)/mailto ones; never javascript:, data:, vbscript: ..."""
    scheme = urlsplit(_CONTROL.sub("", url)).scheme.lower()
    return not scheme or scheme in _SAFE_SCHEMES


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = safe_link  # type: ignore[method-assign]
    return md


_MARKDOWN = _markdown()


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def number(value: float) -> str:
    return f"{value:.4g}"


def segment(value: str) -> str:
    """One path segment of a URL: a branch name with `/`, `?` or `#` in it stays one."""
    return quote(value, safe="")


_ENV.filters["size"] = size
_ENV.filters["segment"] = segment
_ENV.filters["number"] = number


def page(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **data: Any
) -> Response:
    body = _ENV.get_template(template).render(**data).encode("utf-8")
    return Response(status, {**SECURITY_HEADERS, **(headers or {})}, body)


def markdown(text: str) -> Markup:
    """The HTML of a markdown text, raw HTML in it shown as text: inserted unescaped."""
    return Markup(_MARKDOWN.render(text))
