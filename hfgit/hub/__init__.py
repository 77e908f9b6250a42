"""The Hugging Face Hub, through huggingface_hub. The only huggingface_hub user outside tests.

Any Hub-compatible endpoint works: huggingface.co, a self-hosted Hub, `git hf serve`, or
`local` (the embedded hub, started in-process over a per-user data dir). Which token goes
where: `credentials.py`; how transient faults are retried: `retry.py`. `Hub` (`client.py`) is
one repository and the dataclasses it takes and returns are in `types.py`; the modules of
`hub/` make their requests through its `session` (`session.py`), nothing outside does.
"""

from hfgit.hub.client import Hub
from hfgit.hub.credentials import Access, choose, chosen, grant_for
from hfgit.hub.endpoint import (
    LOCAL_DISPLAY,
    connect,
    local_data_dir,
    login,
    resolve_endpoint,
    show_progress_bars,
)
from hfgit.hub.library import is_hf_endpoint
from hfgit.hub.retry import RetryPolicy
from hfgit.hub.types import Delete, HubCommit, HubRefs, RemoteFile, Sent, Upload

__all__ = [
    "LOCAL_DISPLAY",
    "Access",
    "Delete",
    "Hub",
    "HubCommit",
    "HubRefs",
    "RemoteFile",
    "RetryPolicy",
    "Sent",
    "Upload",
    "choose",
    "chosen",
    "connect",
    "grant_for",
    "is_hf_endpoint",
    "local_data_dir",
    "login",
    "resolve_endpoint",
    "show_progress_bars",
]
