"""The Hugging Face Hub, through huggingface_hub. The only huggingface_hub user outside tests.

Any Hub-compatible endpoint works: huggingface.co, a self-hosted Hub, `git hf serve`, or
`local` (the embedded hub, started in-process over a per-user data dir).
"""

from hfgit.hub.client import (
    Delete,
    Hub,
    HubCommit,
    HubRefs,
    RemoteFile,
    Upload,
    is_hf_endpoint,
)
from hfgit.hub.endpoint import (
    LOCAL_DISPLAY,
    connect,
    find_token,
    local_data_dir,
    resolve_endpoint,
    show_progress_bars,
)

__all__ = [
    "LOCAL_DISPLAY",
    "Delete",
    "Hub",
    "HubCommit",
    "HubRefs",
    "RemoteFile",
    "Upload",
    "connect",
    "find_token",
    "is_hf_endpoint",
    "local_data_dir",
    "resolve_endpoint",
    "show_progress_bars",
]
