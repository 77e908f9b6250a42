"""Edit a commit's file table (add, delete file, delete folder) and write it back as a tree."""

from __future__ import annotations

import pygit2

from hfgit.server import trees
from hfgit.server.problems import ApiError, unprocessable

MISSING_FILE = "A file with this name doesn't exist"


class FileTable:
    """Flat `path -> (blob id, file mode)` view of a tree, with file/folder conflict checks."""

    def __init__(self, entries: dict[str, tuple[pygit2.Oid, pygit2.enums.FileMode]]) -> None:
        self.entries = entries
        self._dirs: set[str] | None = None

    @classmethod
    def from_tree(cls, tree: pygit2.Tree) -> FileTable:
        return cls({path: (blob.id, blob.filemode) for path, blob in trees.files(tree)})

    def apply(self, op: str, path: str, oid: pygit2.Oid | None) -> None:
        if op == "add" and oid is not None:
            self.add(path, oid)
        elif op == "delete":
            self.delete(path)
        elif op == "delete_folder":
            self.delete_folder(path)

    def add(self, path: str, oid: pygit2.Oid) -> None:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in self.entries:
                raise unprocessable(f"Cannot add {path}: {prefix} is a file")
        if path in self._directories() and path in self._directories(refresh=True):
            raise unprocessable(f"Cannot add {path}: a folder with this name exists")
        mode = self.entries.get(path, (None, pygit2.enums.FileMode.BLOB))[1]
        self.entries[path] = (oid, mode)
        if self._dirs is not None:
            self._dirs.update("/".join(parts[:d]) for d in range(1, len(parts)))

    def delete(self, path: str) -> None:
        if self.entries.pop(path, None) is None:
            raise ApiError(404, f"{MISSING_FILE}: {path}", code="EntryNotFound")

    def delete_folder(self, path: str) -> None:
        prefix = f"{path}/"
        doomed = [p for p in self.entries if p.startswith(prefix)]
        if not doomed:
            raise ApiError(404, f"Folder not found: {path}", code="EntryNotFound")
        for name in doomed:
            del self.entries[name]

    def write(self, git: pygit2.Repository) -> pygit2.Oid:
        index = pygit2.Index()
        for path, (oid, mode) in self.entries.items():
            try:
                index.add(pygit2.IndexEntry(path, oid, mode))
            except (pygit2.GitError, ValueError) as e:
                raise unprocessable(f"Invalid file path: {path!r} ({e})") from None
        return index.write_tree(git)

    def _directories(self, refresh: bool = False) -> set[str]:
        if self._dirs is None or refresh:
            self._dirs = set()
            for path in self.entries:
                parts = path.split("/")
                self._dirs.update("/".join(parts[:d]) for d in range(1, len(parts)))
        return self._dirs
