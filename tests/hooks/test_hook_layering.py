"""The hook path stays light: no pygit2, no huggingface_hub, no publish machinery imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hfgit

PACKAGE = Path(hfgit.__file__).parent
HOOK_MODULES = [
    "hooks/__init__.py",
    "hooks/gitcli.py",
    "hooks/install.py",
    "hooks/queue.py",
    "hooks/run.py",
    "hooks/shim.py",
    "hooks/worker.py",
    "commands/hooks.py",
]
FORBIDDEN = (
    "pygit2",
    "huggingface_hub",
    "hfgit.sync",
    "hfgit.hub",
    "hfgit.gitrepo",
    "hfgit.server",
)


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", HOOK_MODULES)
def test_hook_modules_import_no_heavy_or_publish_modules(module: str) -> None:
    offenders = {n for n in imports(PACKAGE / module) if n.startswith(FORBIDDEN)}
    assert offenders == set()
