"""Dependency direction (DESIGN.md section 1), read from the source with `ast`.

cli -> services -> adapters -> pure. Only gitrepo.py touches pygit2 and only hub/ touches
huggingface_hub (server/ stands in for the other end of the wire and has its own). Pure modules
do no I/O. `git hf --help` loads neither heavy library."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

import hfgit

PACKAGE = Path(hfgit.__file__).parent
PURE = ["hfgit.versioning", "hfgit.plan", "hfgit.gate"]
IO_MODULES = (
    "pygit2",
    "huggingface_hub",
    "hfgit.hub",
    "hfgit.gitrepo",
    "hfgit.sync",
    "hfgit.server",
    "subprocess",
    "os",
    "shutil",
    "socket",
    "tempfile",
    "pathlib",
    "urllib",
    "http",
    "requests",
    "httpx",
)
SHARED_WITH_SERVER = {"hfgit", "hfgit.errors", "hfgit.constants"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside functions, relative ones resolved."""
    known = all_modules()
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            module = node.module or ""
            if node.level:
                module = f"{base}.{module}" if module else base
            found.add(module)
            # `from hfgit import gitrepo` imports the submodule
            found.update(f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in known)
    return found


def is_under(name: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def offenders(allowed, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{name} imports {imported}"
        for name, path in all_modules().items()
        if not allowed(name)
        for imported in imports(path)
        if is_under(imported, forbidden)
    )


def test_import_reader_sees_relative_and_lazy_imports():
    # the checks below are only as good as this reader
    server_module = PACKAGE / "server" / "api.py"
    assert any(i.startswith("hfgit.server.") for i in imports(server_module))
    assert "huggingface_hub" in {i.split(".")[0] for i in imports(PACKAGE / "hub" / "client.py")}
    assert "pygit2" in imports(PACKAGE / "gitrepo.py")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io_module(module):
    path = all_modules()[module]
    assert sorted(i for i in imports(path) if is_under(i, IO_MODULES)) == []


@pytest.mark.parametrize("module", PURE)
def test_pure_module_reaches_no_adapter_through_other_hfgit_modules(module):
    modules = all_modules()
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen or current not in modules:
            continue
        seen.add(current)
        todo.extend(i for i in imports(modules[current]) if i.startswith("hfgit"))
    reached = {i for m in seen for i in imports(modules[m])}
    heavy = ("pygit2", "huggingface_hub", "hfgit.hub", "hfgit.gitrepo", "hfgit.sync")
    assert sorted(i for i in reached | seen if is_under(i, heavy)) == []


def test_only_the_hub_adapter_and_the_server_import_huggingface_hub():
    def allowed(name: str) -> bool:
        return is_under(name, ("hfgit.hub", "hfgit.server"))

    assert offenders(allowed, ("huggingface_hub",)) == []


def test_only_the_git_adapter_imports_pygit2_outside_the_server():
    def allowed(name: str) -> bool:
        return name == "hfgit.gitrepo" or is_under(name, ("hfgit.server",))

    assert offenders(allowed, ("pygit2",)) == []


def test_server_imports_nothing_from_the_client_side():
    bad = []
    for name, path in all_modules().items():
        if not is_under(name, ("hfgit.server",)):
            continue
        for imported in imports(path):
            if imported.startswith("hfgit") and not (
                is_under(imported, ("hfgit.server",)) or imported in SHARED_WITH_SERVER
            ):
                bad.append(f"{name} imports {imported}")
            if is_under(imported, ("huggingface_hub",)):
                bad.append(f"{name} imports {imported}")
    assert bad == []


def loaded_by(*args: str) -> set[str]:
    """The modules a fresh interpreter imports for `python ARGS` (python -X importtime)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "hfgit.cli" in modules  # the parse works
    return modules


HEAVY = ("pygit2", "huggingface_hub", "hfgit.gitrepo", "hfgit.hub", "hfgit.sync", "hfgit.server")


def test_importing_the_cli_loads_no_heavy_module():
    loaded = loaded_by("-c", "import hfgit.cli")
    assert sorted(m for m in loaded if is_under(m, HEAVY)) == []


def test_version_loads_no_heavy_module():
    loaded = loaded_by("-m", "hfgit", "-V")
    assert sorted(m for m in loaded if is_under(m, HEAVY)) == []


def test_top_level_help_loads_no_heavy_module():
    loaded = loaded_by("-m", "hfgit", "--help")
    assert sorted(m for m in loaded if is_under(m, HEAVY)) == []


def test_every_command_has_a_summary_for_top_level_help():
    from hfgit.cli import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS) - {"hook"}
