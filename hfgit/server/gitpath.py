"""Git's rules for a path inside a tree, as `git` itself checks them on checkout.

A path that fails here could not be checked out safely (or at all) by somebody cloning the
repo: `.git` in any spelling that some file system folds to `.git` (case, HFS+ ignorable code
points, NTFS short names, trailing dots and spaces, alternate data streams), control
characters, components no file system stores, or a depth no tool expects.
"""

from __future__ import annotations

MAX_PATH_BYTES = 4096
MAX_COMPONENT_BYTES = 255
MAX_DEPTH = 64

# Code points HFS+ ignores when comparing names, so `.g\u200cit` *is* `.git` there
# (the list git checks in `next_hfs_char`).
HFS_IGNORABLE = frozenset(
    [0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF]
)


def path_problem(path: str) -> str | None:
    """Why `path` cannot be a file path in a repo, or None if it can."""
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid UTF-8"
    if not path:
        return "it is empty"
    if len(encoded) > MAX_PATH_BYTES:
        return f"it is longer than {MAX_PATH_BYTES} bytes"
    if "\\" in path:
        return "it contains a backslash"
    control = next((c for c in path if _is_control(c)), None)
    if control is not None:
        return f"it contains the control character U+{ord(control):04X}"
    components = path.split("/")
    if len(components) > MAX_DEPTH:
        return f"it is more than {MAX_DEPTH} levels deep"
    for component in components:
        problem = component_problem(component)
        if problem:
            return problem
    return None


def component_problem(name: str) -> str | None:
    """Why one `/`-separated component is refused (control characters are checked on the path)."""
    if name in ("", ".", ".."):
        return "it has an empty, '.' or '..' component"
    if len(name.encode("utf-8")) > MAX_COMPONENT_BYTES:
        return f"a component is longer than {MAX_COMPONENT_BYTES} bytes"
    if is_dotgit(name):
        return f"{name!r} is .git on some file system"
    return None


def is_dotgit(name: str) -> bool:
    """True if some file system would store `name` as the `.git` folder.

    Folds what git's `is_hfs_dotgit` and `is_ntfs_dotgit` fold, together: HFS+ ignorable code
    points are dropped, ASCII case is ignored, and `.git` or its NTFS short name `git~1` may be
    followed by dots and spaces and by an NTFS stream suffix starting at `:`.
    """
    folded = "".join(c for c in name if ord(c) not in HFS_IGNORABLE).lower()
    if folded.startswith(".git"):
        rest = folded[4:]
    elif folded.startswith("git~1"):
        rest = folded[5:]
    else:
        return False
    return rest.partition(":")[0].strip(". ") == ""


def _is_control(char: str) -> bool:
    """C0 controls, DEL and C1 controls."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F
