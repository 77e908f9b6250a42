"""The shim texts: the shipped shims rendered with a repository's tag globs and git-hf path."""

from __future__ import annotations

import os
import re
import sys
from importlib import resources
from pathlib import Path

from hfgit.config import Config

HOOK_NAMES = ("reference-transaction", "pre-push", "post-commit")
MARKER = "# hfgit-hook: "
PURPOSE = {
    "reference-transaction": "publishes created version tags in the background",
    "pre-push": "checks that pushed version tags are on the Hub",
    "post-commit": "auto-bumps the version on conventional commits",
}


def shim_text(name: str) -> str:
    """The shim as shipped (default tag pattern), the single source of the hooks/ copies."""
    return (resources.files("hfgit") / "shims" / name).read_text(encoding="utf-8")


def render(name: str, config: Config, git_hf: str | None = None) -> str:
    """The shim for this repository: its version-tag globs and a fallback git-hf path baked in."""
    text = shim_text(name)
    globs = " | ".join(sh_pattern(g) for g in config.scheme.shell_globs())
    text = re.sub(
        r"(?m)^(  case \$1 in ).*?(\) return 0 ;; esac)$", lambda m: m[1] + globs + m[2], text
    )
    exe = git_hf if git_hf is not None else default_git_hf()
    quoted = "'" + exe.replace("'", "'\\''") + "'" if exe else ""
    return re.sub(r"(?m)^fallback=(?=  # hfgit:exe)", lambda m: f"fallback={quoted}", text)


def sh_pattern(glob: str) -> str:
    """A glob (backslash escapes, *, ?, [...]) as a `case` pattern with every literal quoted."""
    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        if c == "\\" and i + 1 < len(glob):
            c, i = glob[i + 1], i + 1
            out.append(c if c.isalnum() else "\\" + c)
        elif c == "[":
            end = glob.index("]", i + 1)
            out.append(glob[i : end + 1])
            i = end
        elif c in "*?" or c.isalnum() or c in "._-":
            out.append(c)
        else:
            out.append("\\" + c)
        i += 1
    return "".join(out)


def default_git_hf() -> str:
    candidate = Path(sys.executable).parent / "git-hf"
    return str(candidate) if os.access(candidate, os.X_OK) else ""
