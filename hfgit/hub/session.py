"""One Hub repository's requests, as the modules of `hub/` share them (and nothing else does).

`Hub` (`client.py`) is what the rest of hfgit holds. It and its siblings (`trees.py`,
`stages.py`, `settling.py`) make every request through the Hub's `session`, so that each one
goes the same way:

* `call` retries transient faults under the policy's deadline (`retry.py`); with `settled`,
  a write whose outcome is unknown is looked up before it is tried again (`settling.py`);
* library and network errors leave `call` and `errors` as one-line HfgitErrors naming this
  Hub (`errors.py`);
* the token is held here and nowhere else, and goes only to this session's endpoint: the one
  chosen for it (`credentials.py`), through the library's client, the standard library's
  (`reads.py`) or a download.

`refs`, `commits` and `get` are raw reads: their faults are the library's or the network's,
for use inside `call` (or under `errors`). huggingface_hub is imported at first use
(`library`): reading refs and commits, all that `git hf log` and `status` ask, mostly does
without it."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from hfgit import __version__
from hfgit.hub import library, reads
from hfgit.hub.errors import translated_errors
from hfgit.hub.retry import RetryPolicy, call_with_retries
from hfgit.hub.types import HubCommit, HubRefs

T = TypeVar("T")


class Session:
    """Requests to one repository (`repo_id`, `repo_type`) of the Hub at `endpoint`, with
    `token` (or none), retried as `retry` says; `token_hint` tells how to provide a token
    when the Hub asks for one and none was sent. `label` names this Hub in errors."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        repo_id: str,
        repo_type: str,
        retry: RetryPolicy,
        token_hint: str,
    ) -> None:
        self.endpoint = endpoint
        self.repo_id = repo_id
        self.repo_type = repo_type
        self.retry = retry
        self.label = f"the Hub at {endpoint}"
        self.has_token = bool(token)
        self.token_hint = token_hint
        self._token: str | bool = token or False
        self._hf_api: Any = None
        self._library_ready = False

    def library(self) -> None:
        """huggingface_hub, imported and set up for this endpoint (`library.py`), once."""
        if not self._library_ready:
            library.prepare(self.endpoint, self.retry)
            self._library_ready = True

    @property
    def api(self) -> Any:
        """huggingface_hub's HfApi for this endpoint and token, made at first use."""
        if self._hf_api is None:
            self.library()
            from huggingface_hub import HfApi

            self._hf_api = HfApi(
                endpoint=self.endpoint,
                token=self._token,
                library_name="hfgit",
                library_version=__version__,
            )
        return self._hf_api

    def call(self, call: Callable[[], T], settled: Callable[[], T | None] | None = None) -> T:
        """`call()`, retried on transient faults; when a try's outcome is unknown, `settled()`
        is asked first and its answer, unless None, is the result. Errors are translated."""
        with self.errors():
            return call_with_retries(self.retry, call, settled)

    def errors(self) -> contextlib.AbstractContextManager[None]:
        """Library and network errors raised inside, as one-line HfgitErrors."""
        return translated_errors(
            self.label, self.repo_id, None if self.has_token else self.token_hint
        )

    def refs(self) -> HubRefs:
        """GET /api/{type}s/{id}/refs, as HfApi.list_repo_refs sends it (`reads.py` first)."""
        url = f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/refs"
        page = self._read_page(url)
        data = page.data if page is not None else self.get(url).json()
        return HubRefs(
            {b["name"]: b["targetCommit"] for b in data["branches"]},
            {t["name"]: t["targetCommit"] for t in data["tags"]},
        )

    def commits(self, revision: str) -> Iterator[HubCommit]:
        """Commits reachable from `revision`, newest first, page by page (Link: rel="next") as
        consumed: each page read by `reads.py` first (retried), else (and from there on)
        through the library."""
        url: str | None = (
            f"{self.endpoint}/api/{self.repo_type}s/{self.repo_id}/commits/{quote(revision, safe='')}"
        )
        while url is not None:
            page = call_with_retries(self.retry, functools.partial(self._read_page, url))
            if page is None:
                yield from self._library_commits(url)
                return
            for item in page.data:
                yield _commit(item)
            url = page.next_url

    def get(self, url: str) -> Any:
        """GET `url` of this endpoint through the library: retried, and its errors are the
        library's."""
        self.library()
        from huggingface_hub.utils import get_session, hf_raise_for_status

        response = get_session().get(url, headers=self._headers())
        hf_raise_for_status(response)
        return response

    def download(self, revision: str, local_dir: Path | None, cache_dir: Path | None) -> Path:
        """`revision`'s files through the library's download (resumable, its cache), retried
        and translated as by `call`; returns their folder."""
        self.library()
        from huggingface_hub import snapshot_download

        return self.call(
            lambda: Path(
                snapshot_download(
                    self.repo_id,
                    revision=revision,
                    repo_type=self.repo_type,
                    local_dir=local_dir,
                    cache_dir=cache_dir,
                    endpoint=self.endpoint,
                    token=self._token,
                )
            )
        )

    def _headers(self) -> dict[str, str]:
        self.library()
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(
            token=self._token, library_name="hfgit", library_version=__version__
        )

    def _read_page(self, url: str) -> reads.Page | None:
        try:
            return reads.get_page(url, self._token, self.retry.timeout)
        except reads.Refused as answer:
            self.library()
            library.raise_for_answer(url, answer.status, answer.headers, answer.body)
            return None  # the library would not call it an error: it asks itself

    def _library_commits(self, url: str) -> Iterator[HubCommit]:
        self.library()
        from huggingface_hub.utils import paginate

        for item in paginate(url, params={}, headers=self._headers()):
            yield _commit(item)


def _commit(item: dict[str, Any]) -> HubCommit:
    date = reads.parse_date(item["date"])
    if date is None:
        from huggingface_hub.utils import parse_datetime

        date = parse_datetime(item["date"])
    return HubCommit(item["id"], item["title"], item["message"], date)
