"""A repository's root `.gitignore`, as the preupload answers `shouldIgnore` from it.

Git's rules: blank lines and `#` comments are skipped, trailing spaces dropped unless escaped;
`!` re-includes what an earlier line excluded; a trailing `/` makes a line match directories
only; a line with a `/` elsewhere is anchored at the root, one without matches a name at any
depth; a file inside an excluded directory is excluded, whatever later lines say about the
file itself (git never looks inside an excluded directory). Patterns are matched by
`wildmatch` in time linear in the path, whatever they are.
"""

from __future__ import annotations

import functools

from hfgit.server.wildmatch import GlobSet

MAX_BYTES = 64 * 1024
MAX_LINES = 2000


class GitIgnore:
    """The rules of one `.gitignore` text; `ignores(path)` for a file path."""

    def __init__(self, text: str) -> None:
        on_files, on_dirs, self.negated = [], [], []
        for raw in text[:MAX_BYTES].splitlines()[:MAX_LINES]:
            line = _strip_trailing_spaces(raw)
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated or line.startswith(("\\!", "\\#")):
                line = line[1:]
            directory_only = line.endswith("/")
            pattern = line.rstrip("/")
            if not pattern:
                continue
            on_dirs.append(pattern)
            on_files.append("" if directory_only else pattern)  # "" never matches
            self.negated.append(negated)
        self._files = GlobSet(on_files)
        self._dirs = GlobSet(on_dirs)

    def __bool__(self) -> bool:
        return bool(self.negated)

    def ignores(self, path: str) -> bool:
        if not self:
            return False
        *folders, _ = self._dirs.last_matches_along(path)
        for last in folders:  # from the root down: an excluded folder excludes all inside
            if last is not None and not self.negated[last]:
                return True
        last = self._files.last_match(path)
        return last is not None and not self.negated[last]


@functools.lru_cache(maxsize=8)
def parse(text: str) -> GitIgnore:
    """The rules of a `.gitignore` (cached: the preuploads of one commit share them)."""
    return GitIgnore(text)


def _strip_trailing_spaces(line: str) -> str:
    stripped = line.rstrip(" \t\r")
    if stripped.endswith("\\") and len(stripped) < len(line.rstrip("\r")):
        stripped += " "  # `\ ` keeps one escaped space
    return stripped
