"""The server stands in for the other end of the wire: it imports nothing from the client side."""

from __future__ import annotations

import ast
from pathlib import Path

import hfgit.server

ALLOWED = {"hfgit.errors", "hfgit.constants", "hfgit"}


def test_server_imports_only_server_modules_errors_and_constants():
    package = Path(hfgit.server.__file__).parent
    offenders = []
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if (
                    name.startswith("hfgit")
                    and not name.startswith("hfgit.server")
                    and name not in ALLOWED
                ):
                    offenders.append(f"{module.name}: {name}")
                if name.startswith("huggingface_hub"):
                    offenders.append(f"{module.name}: {name}")
    assert offenders == []
