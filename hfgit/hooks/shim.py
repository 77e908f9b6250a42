"""The hook shims: one sh template (`hook-tmpl`), rendered per hook and per repository.

Everything but the block between `# start templated` and `# end templated` is the same in
every shim; rendering replaces that block with the hook's name, the version-tag globs of the
repository's tag pattern and the git-hf to fall back on. The ID line marks a file as hfgit's
whatever version wrote it; older versions marked their shims with `# hfgit-hook: <name>`.

The top-level `hooks/` folder holds the shims rendered for the default tag pattern, in both
spellings (`v1.2.0`, and `NAME@v1.2.0` for one of several models; Python then checks a tag
against `.hfgit.yaml`): `python -m hfgit.hooks --write hooks/` regenerates it (a test checks
that it is current).
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

from hfgit.fsio import write_atomic
from hfgit.versioning import MODEL_SEP, TagScheme

HOOK_NAMES = ("reference-transaction", "pre-push", "post-commit")
PURPOSE = {
    "reference-transaction": "publishes created version and stage tags in the background",
    "pre-push": "checks that pushed version tags are on the Hub",
    "post-commit": "auto-bumps the version on conventional commits",
}
MARKER_ID = "17184723c0b57a3040f75ecb5cf1a698"  # never changes: it is how a shim is recognised
PRIOR_MARKERS = ("# hfgit-hook: ",)  # how earlier versions marked their shims
START, END = "# start templated\n", "# end templated\n"
MARKER_SPAN = 1024  # markers sit in the first lines


def template() -> str:
    return (resources.files("hfgit.hooks") / "hook-tmpl").read_text(encoding="utf-8")


def render(name: str, globs: list[str], git_hf: str, labels: list[str] | None = None) -> str:
    """The shim for hook `name`: version tags match one of `globs`, stage tags start with one
    of the `labels` (the models' names in GTO's `LABEL#STAGE#N`; None: any name); `git_hf`
    when none on PATH."""
    before, rest = template().split(START)
    _, after = rest.split(END)
    return before + START + templated(name, globs, git_hf, labels) + END + after


def templated(name: str, globs: list[str], git_hf: str, labels: list[str] | None = None) -> str:
    patterns = " | ".join(sh_pattern(g) for g in globs)
    stages = " | ".join(
        f"{sh_pattern(glob_literal(label)) if labels is not None else '?*'}\\#?*"
        for label in (labels if labels is not None else [""])
    )
    return (
        f"hook={name}  # {PURPOSE[name]}\n"
        f"fallback={sh_quote(git_hf)}  # the git-hf to run when none is on PATH\n"
        "version_tag() {  # the tag_pattern of .hfgit.yaml\n"
        f"  case $1 in {patterns}) return 0 ;; esac\n"
        "  return 1\n"
        "}\n"
        "stage_tag() {  # GTO's stage tags of the models: LABEL#STAGE#N, LABEL#STAGE!#N\n"
        f"  case $1 in {stages}) return 0 ;; esac\n"
        "  return 1\n"
        "}\n"
    )


def glob_literal(text: str) -> str:
    """`text` as a glob matching itself alone."""
    return "".join(f"\\{c}" if c in "\\*?[" else c for c in text)


def is_shim(head: bytes) -> bool:
    """Whether a hook file starting with `head` is an hfgit shim, of any version."""
    return MARKER_ID.encode() in head or any(m.encode() in head for m in PRIOR_MARKERS)


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


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
    """The git-hf next to this interpreter, baked into shims as the fallback ('' if none)."""
    candidate = Path(sys.executable).parent / "git-hf"
    return str(candidate) if os.access(candidate, os.X_OK) else ""


SHIPPED_MODEL = "[a-z0-9]*"  # any model's name, in the shipped shims' filter


def shipped(name: str) -> str:
    """The shim as shipped in `hooks/`: the default tag pattern, alone or after any model's
    name, any model's stage tags, no fallback path."""
    plain = TagScheme().shell_globs()
    globs = [*plain, *(f"{SHIPPED_MODEL}{MODEL_SEP}{glob}" for glob in plain)]
    return render(name, globs, "", None)


def write_shipped(directory: Path) -> list[Path]:
    """(Re)write the shipped shims into `directory`, executable."""
    paths = [directory / name for name in HOOK_NAMES]
    for path in paths:
        write_atomic(path, shipped(path.name), mode=0o755)
    return paths
