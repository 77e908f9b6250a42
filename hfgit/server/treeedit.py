"""Edit a commit's tree (add file, delete file, delete folder) and write the new tree.

Only the folders on the edited paths are loaded and rewritten, deepest first, in a loop: the
cost follows the size of the change, not of the repo, and no depth can exhaust the stack.
Folders emptied by deletions disappear, as git has no empty folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygit2

from hfgit.server.problems import ApiError, unprocessable

MISSING_FILE = "A file with this name doesn't exist"
TREE = pygit2.enums.FileMode.TREE
BLOB = pygit2.enums.FileMode.BLOB
EXECUTABLE = pygit2.enums.FileMode.BLOB_EXECUTABLE

Entry = tuple[pygit2.Oid | None, int]  # (object id, file mode); id None = folder to write


@dataclass
class _Folder:
    """A loaded folder: its original tree, its entries now, and the names that changed."""

    base: pygit2.Tree | None
    entries: dict[str, Entry]
    changed: set[str] = field(default_factory=set)


class TreeEditor:
    """Pending edits on top of `base`; `write()` stores the new trees and returns the root."""

    def __init__(self, git: pygit2.Repository, base: pygit2.Tree) -> None:
        self.git = git
        self._folders: dict[str, _Folder] = {"": _load(base)}

    def apply(self, op: str, path: str, oid: pygit2.Oid | None) -> None:
        if op == "add" and oid is not None:
            self.add(path, oid)
        elif op == "delete":
            self.delete(path)
        elif op == "delete_folder":
            self.delete_folder(path)

    def add(self, path: str, oid: pygit2.Oid) -> None:
        *dirs, name = path.split("/")
        folder, prefix = self._folders[""], ""
        for part in dirs:
            prefix = f"{prefix}/{part}" if prefix else part
            existing = folder.entries.get(part)
            if existing is not None and existing[1] != TREE:
                raise unprocessable(f"Cannot add {path}: {prefix} is a file")
            if existing is None:
                folder.entries[part] = (None, TREE)
                folder.changed.add(part)
                self._folders[prefix] = _Folder(None, {})
            folder = self._folder(prefix, existing)
        existing = folder.entries.get(name)
        if existing is not None and existing[1] == TREE:
            raise unprocessable(f"Cannot add {path}: a folder with this name exists")
        # Keep the executable bit of a file replaced; anything else (a symlink pushed with
        # git, say) becomes a regular file: the API never writes links or submodules.
        mode = EXECUTABLE if existing is not None and existing[1] == EXECUTABLE else BLOB
        folder.entries[name] = (oid, mode)
        folder.changed.add(name)

    def delete(self, path: str) -> None:
        folder = self._find_parent(path)
        name = path.rsplit("/", 1)[-1]
        existing = folder.entries.get(name) if folder else None
        if folder is None or existing is None or existing[1] == TREE:
            raise ApiError(404, f"{MISSING_FILE}: {path}", code="EntryNotFound")
        self._remove(path, folder, name)

    def delete_folder(self, path: str) -> None:
        folder = self._find_parent(path)
        name = path.rsplit("/", 1)[-1]
        existing = folder.entries.get(name) if folder else None
        if folder is None or existing is None or existing[1] != TREE:
            raise ApiError(404, f"Folder not found: {path}", code="EntryNotFound")
        for loaded in [p for p in self._folders if p == path or p.startswith(f"{path}/")]:
            del self._folders[loaded]
        self._remove(path, folder, name)

    def write(self) -> pygit2.Oid:
        """Write the changed folders, deepest first; each new tree id goes into its parent."""
        root: pygit2.Oid | None = None
        for path in sorted(self._folders, key=lambda p: p.count("/") + bool(p), reverse=True):
            folder = self._folders[path]
            if not folder.changed and folder.base is not None:
                tree_id = folder.base.id
            else:
                tree_id = self._write_folder(path, folder)
            if not path:
                root = tree_id
                continue
            parent_path, _, name = path.rpartition("/")
            parent = self._folders[parent_path]
            if folder.changed or folder.base is None:
                parent.entries[name] = (tree_id, TREE)
                parent.changed.add(name)
        assert root is not None
        return root

    def _write_folder(self, path: str, folder: _Folder) -> pygit2.Oid:
        builder = self.git.TreeBuilder(folder.base) if folder.base else self.git.TreeBuilder()
        for name in sorted(folder.changed):
            entry = folder.entries.get(name)
            try:
                if entry is None:
                    if builder.get(name) is not None:
                        builder.remove(name)
                else:
                    assert entry[0] is not None, f"folder {path}/{name} written before its parent"
                    builder.insert(name, entry[0], entry[1])
            except (pygit2.GitError, ValueError) as e:
                shown = f"{path}/{name}" if path else name
                raise unprocessable(f"Invalid file path: {shown!r} ({e})") from None
        return builder.write()

    def _folder(self, prefix: str, entry: Entry | None) -> _Folder:
        """The loaded folder at `prefix` (loading it from its tree entry the first time)."""
        folder = self._folders.get(prefix)
        if folder is None:
            tree = self.git.get(entry[0]) if entry and entry[0] else None
            folder = _load(tree if isinstance(tree, pygit2.Tree) else None)
            self._folders[prefix] = folder
        return folder

    def _find_parent(self, path: str) -> _Folder | None:
        """The folder holding `path`, without creating anything; None if it does not exist."""
        folder, prefix = self._folders[""], ""
        for part in path.split("/")[:-1]:
            prefix = f"{prefix}/{part}" if prefix else part
            existing = folder.entries.get(part)
            if existing is None or existing[1] != TREE:
                return None
            folder = self._folder(prefix, existing)
        return folder

    def _remove(self, path: str, folder: _Folder, name: str) -> None:
        """Remove an entry, then every folder this leaves empty (but the root)."""
        del folder.entries[name]
        folder.changed.add(name)
        prefix = path.rpartition("/")[0]
        while prefix and not self._folders[prefix].entries:
            del self._folders[prefix]
            parent_path, _, child = prefix.rpartition("/")
            parent = self._folders[parent_path]
            del parent.entries[child]
            parent.changed.add(child)
            prefix = parent_path


def _load(tree: pygit2.Tree | None) -> _Folder:
    if tree is None:
        return _Folder(None, {})
    return _Folder(tree, {obj.name: (obj.id, obj.filemode) for obj in tree if obj.name})
