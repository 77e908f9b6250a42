"""The tutorial-compatible API: `from hfgit.manager import HuggingFaceManager`.

Scripts written for the tutorial's `HuggingFaceManager(config_path)` keep working; underneath,
a version is a git tag and publishing it is `git hf push`. `python -m hfgit.manager` offers the
tutorial's command-line verbs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hfgit.manager.core import HuggingFaceManager

__all__ = ["HuggingFaceManager"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that `python -m hfgit.manager --help` stays light
    if name == "HuggingFaceManager":
        from hfgit.manager.core import HuggingFaceManager

        return HuggingFaceManager
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
