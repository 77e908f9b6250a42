"""hfgit's git hooks: sh shims that publish version tags, and the Python they hand off to.

The pipeline (docs/architecture.md): a shim filters in POSIX sh and starts Python only for a
version tag; `git hf hook <name>` (`run`) queues it (`queue`) and a detached worker (`worker`)
publishes it with `git-hf push`. `install` puts the shims (`shim`) in place; `gitcli` is the
little git the hook path needs, through the `git` CLI.

This face is what the CLI and the services call. It stays light: importing it (or anything on
the hook path) loads no huggingface_hub, pygit2 or jinja2. The submodule `hfgit.hooks.install`
is shadowed here by the function of the same name: reach the module with
`from hfgit.hooks.install import ...`.
"""

from __future__ import annotations

from hfgit.hooks.install import (
    HookConflictError,
    HookState,
    install,
    is_ours,
    queue_report,
    status,
    uninstall,
)
from hfgit.hooks.shim import HOOK_NAMES

__all__ = [
    "HOOK_NAMES",
    "HookConflictError",
    "HookState",
    "install",
    "is_ours",
    "queue_report",
    "status",
    "uninstall",
]
