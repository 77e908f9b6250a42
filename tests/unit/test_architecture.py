"""The layers of docs/architecture.md, read from the source and enforced.

base <- pure <- adapters <- services <- cli, each layer importing only its own or lower ones;
pygit2 only in the git adapter and the server, huggingface_hub only in the Hub adapter; the
server imports nothing from the client side but the base layer. Every import form counts:
`import a.b`, `from a import b`, relative imports, imports inside functions, and
`importlib.import_module("...")` with a literal name; only `if TYPE_CHECKING:` imports do not.
The checks are tried on a small package built to break each rule, so they are known to fail.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hfgit

PACKAGE = Path(hfgit.__file__).parent

# Layer of every module, by longest matching prefix. A new module must be placed here.
LAYERS: dict[str, str] = {
    "hfgit": "base",
    "hfgit.constants": "base",
    "hfgit.errors": "base",
    "hfgit.fsio": "base",
    "hfgit.secrets": "base",
    "hfgit.effects": "base",
    "hfgit.versioning": "pure",
    "hfgit.plan": "pure",
    "hfgit.gate": "pure",
    "hfgit.trailers": "base",
    "hfgit.schema": "pure",
    "hfgit.repoid": "pure",
    "hfgit.spec": "pure",
    "hfgit.outcome": "pure",
    "hfgit.deltas": "pure",
    "hfgit.config": "adapter",
    "hfgit.gitrepo": "adapter",
    "hfgit.hub": "adapter",
    "hfgit.files": "adapter",
    "hfgit.manifest": "adapter",
    "hfgit.keep": "adapter",
    "hfgit.pins": "adapter",
    "hfgit.prehash": "adapter",
    "hfgit.metadata": "adapter",
    "hfgit.modelcard": "adapter",
    "hfgit.catalog": "adapter",
    "hfgit.stagetags": "adapter",
    "hfgit.notify": "adapter",
    "hfgit.backup": "adapter",
    "hfgit.hooks.gitcli": "adapter",
    "hfgit.hooks.queue": "adapter",
    "hfgit.hooks.shim": "adapter",
    "hfgit.yamldoc": "adapter",
    "hfgit.manager.mapping": "adapter",
    "hfgit.manager.settings": "adapter",
    "hfgit.project": "service",
    "hfgit.content": "service",
    "hfgit.versionfiles": "service",
    "hfgit.changes": "service",
    "hfgit.publishstate": "service",
    "hfgit.download": "service",
    "hfgit.compare": "service",
    "hfgit.verify": "service",
    "hfgit.sync": "service",
    "hfgit.stages": "service",
    "hfgit.promote": "service",
    "hfgit.stagesync": "service",
    "hfgit.api": "service",
    "hfgit.hooks": "service",
    "hfgit.manager": "service",
    "hfgit.cli": "cli",
    "hfgit.__main__": "cli",
    "hfgit.commands": "cli",
    "hfgit.manager.__main__": "cli",
    "hfgit.server": "server",
}
ORDER = {"base": 0, "pure": 1, "adapter": 2, "service": 3, "cli": 4}
# Edges that cross the picture on purpose: `endpoint: local` and `git hf serve` start the server.
SERVER_USERS = {"hfgit.hub.endpoint", "hfgit.commands.serve"}
LIBRARY_OWNERS = {
    "pygit2": ("hfgit.gitrepo", "hfgit.server"),
    "huggingface_hub": ("hfgit.hub",),
    "jinja2": ("hfgit.modelcard", "hfgit.manager", "hfgit.server"),
}
IO_MODULES = (
    "pygit2",
    "huggingface_hub",
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


def is_under(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@dataclass
class Graph:
    """Modules of a package and what each imports (at any depth, or only at module level)."""

    root: Path
    modules: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in sorted(self.root.rglob("*.py")):
            self.modules[self.name(path)] = path

    def name(self, path: Path) -> str:
        parts = path.relative_to(self.root.parent).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def imports(self, module: str, *, top_level_only: bool = False) -> set[str]:
        path = self.modules[module]
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in _runtime_nodes(tree, top_level_only):
            found.update(self._names(node, package))
        return found

    def _names(self, node: ast.AST, package: str) -> set[str]:
        if isinstance(node, ast.Import):
            return {alias.name for alias in node.names}
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            module = node.module or ""
            if node.level:
                module = f"{base}.{module}" if module else base
            # `from hfgit import sync` imports the submodule hfgit.sync
            subs = {
                f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in self.modules
            }
            return subs if len(subs) == len(node.names) else {module} | subs
        if isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return {arg.value}
        return set()

    def reachable(self, start: str, *, top_level_only: bool = False) -> set[str]:
        """Every module `start` pulls in, following the package's own modules transitively."""
        seen: set[str] = set()
        todo = [start]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current not in self.modules:
                continue
            for imported in self.imports(current, top_level_only=top_level_only):
                todo.extend(_with_parents(imported, self.modules))
        return seen - {start}


def _with_parents(name: str, known: dict[str, Path]) -> list[str]:
    """Importing a.b.c runs a/__init__ and a/b/__init__ too."""
    parts = name.split(".")
    return [
        ".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in known
    ] + ([] if name in known else [name])


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.Module, top_level_only: bool) -> Iterable[ast.AST]:
    """Nodes that run: skips `if TYPE_CHECKING:` bodies, and function bodies if asked."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.If) and _is_type_checking(node.test) and child in node.body:
                continue
            if top_level_only and isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            ):
                continue
            todo.append(child)


def layer_of(module: str, layers: dict[str, str]) -> str | None:
    # the package itself is a layer of its own, not a prefix of every module
    matches = [p for p in layers if module == p or (p != "hfgit" and is_under(module, [p]))]
    return layers[max(matches, key=len)] if matches else None


# --- the rules, as functions of a graph so that a broken package can be fed to them -------------


def unplaced(graph: Graph, layers: dict[str, str]) -> list[str]:
    return sorted(m for m in graph.modules if layer_of(m, layers) is None)


def upward_imports(graph: Graph, layers: dict[str, str]) -> list[str]:
    bad = []
    for module in graph.modules:
        mine = layer_of(module, layers)
        for imported in graph.imports(module):
            theirs = layer_of(imported, layers) if imported in graph.modules else None
            if mine is None or theirs is None:
                continue
            if not _may_import(module, mine, theirs):
                bad.append(f"{module} ({mine}) imports {imported} ({theirs})")
    return sorted(bad)


def _may_import(module: str, mine: str, theirs: str) -> bool:
    if mine == "server":  # the other end of the wire: itself and the base layer only
        return theirs in ("server", "base")
    if theirs == "server":
        return module in SERVER_USERS
    return ORDER[theirs] <= ORDER[mine]


def library_outsiders(graph: Graph, owners: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted(
        f"{module} imports {imported}"
        for module in graph.modules
        for imported in graph.imports(module)
        for library, allowed in owners.items()
        if is_under(imported, [library]) and not is_under(module, allowed)
    )


def impure(graph: Graph, layers: dict[str, str]) -> list[str]:
    """Pure modules, and everything they pull in, touch no I/O module."""
    bad = []
    for module in graph.modules:
        if layer_of(module, layers) != "pure":
            continue
        for reached in sorted({module} | graph.reachable(module)):
            if reached in graph.modules:
                io = {i for i in graph.imports(reached) if is_under(i, IO_MODULES)}
                bad.extend(f"{module} -> {reached} imports {i}" for i in sorted(io))
    return bad


RULES: dict[str, Callable[[Graph], list[str]]] = {
    "every module has a layer": lambda g: unplaced(g, LAYERS),
    "imports go down the layers": lambda g: upward_imports(g, LAYERS),
    "libraries stay in their adapter": lambda g: library_outsiders(g, LIBRARY_OWNERS),
    "pure modules do no I/O": lambda g: impure(g, LAYERS),
}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph(PACKAGE)


@pytest.mark.parametrize("rule", list(RULES))
def test_hfgit_keeps_the_rule(graph: Graph, rule: str) -> None:
    assert RULES[rule](graph) == []


# --- the test of the test: a package that breaks every rule, in every import form -----------

BROKEN = {
    "__init__.py": "",
    "constants.py": "import importlib\nX = importlib.import_module('hfgit.sync')\n",
    "errors.py": "def f():\n    from . import sync\n",
    "versioning.py": "import os.path as p\n",
    "plan.py": "from hfgit import gitrepo\n",
    "gate.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pygit2\n",
    "gitrepo.py": "import pygit2\n",
    "sync.py": "try:\n    from huggingface_hub import HfApi\nexcept ImportError:\n    pass\n",
    "cli.py": "from .commands import run\n",
    "orphan.py": "",
    "commands/__init__.py": "",
    "commands/run.py": "__import__('pygit2')\nfrom ..server import api\n",
    "server/__init__.py": "",
    "server/api.py": "from ..sync import x\nfrom hfgit.constants import X\nfrom hfgit import fsio\n",
    "fsio.py": "",
}
BROKEN_LAYERS = {k: v for k, v in LAYERS.items() if "." not in k.removeprefix("hfgit.")}
BROKEN_LAYERS.pop("hfgit.gate")  # leaves hfgit.orphan and hfgit.gate unplaced


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    root = tmp_path_factory.mktemp("broken") / "hfgit"
    for name, text in BROKEN.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Graph(root)


def test_reader_sees_every_import_form(broken: Graph) -> None:
    assert "hfgit.sync" in broken.imports("hfgit.constants")  # importlib.import_module
    assert "hfgit.sync" in broken.imports("hfgit.errors")  # relative, inside a function
    assert "os.path" in broken.imports("hfgit.versioning")  # import ... as
    assert "hfgit.gitrepo" in broken.imports("hfgit.plan")  # from package import submodule
    assert "huggingface_hub" in broken.imports("hfgit.sync")  # inside try
    assert {"pygit2", "hfgit.server.api"} <= broken.imports("hfgit.commands.run")
    assert "hfgit.commands.run" in broken.imports("hfgit.cli")
    assert broken.imports("hfgit.gate") == {"typing"}  # TYPE_CHECKING imports do not run
    assert broken.imports("hfgit.errors", top_level_only=True) == set()


def test_reachable_follows_imports_transitively(broken: Graph) -> None:
    reached = broken.reachable("hfgit.cli")
    assert {"hfgit.commands", "hfgit.commands.run", "hfgit.server", "hfgit.server.api"} <= reached
    assert {"hfgit.sync", "pygit2"} <= reached


def test_rules_catch_a_package_that_breaks_them(broken: Graph) -> None:
    assert unplaced(broken, BROKEN_LAYERS) == ["hfgit.gate", "hfgit.orphan"]
    assert upward_imports(broken, BROKEN_LAYERS) == [
        "hfgit.commands.run (cli) imports hfgit.server.api (server)",
        "hfgit.constants (base) imports hfgit.sync (service)",
        "hfgit.errors (base) imports hfgit.sync (service)",
        "hfgit.plan (pure) imports hfgit.gitrepo (adapter)",
        "hfgit.server.api (server) imports hfgit.sync (service)",
    ]
    assert library_outsiders(broken, LIBRARY_OWNERS) == [
        "hfgit.commands.run imports pygit2",
        "hfgit.sync imports huggingface_hub",
    ]
    assert impure(broken, BROKEN_LAYERS) == [
        "hfgit.plan -> hfgit.gitrepo imports pygit2",
        "hfgit.versioning -> hfgit.versioning imports os.path",
    ]


# --- what a fresh interpreter loads ----------------------------------------------------------


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


HEAVY = ("pygit2", "huggingface_hub", "jinja2", "hfgit.gitrepo", "hfgit.hub", "hfgit.sync")
HEAVY += ("hfgit.server",)


@pytest.mark.parametrize(
    "args",
    [("-c", "import hfgit.cli"), ("-m", "hfgit", "-V"), ("-m", "hfgit", "--help")],
    ids=["import", "version", "help"],
)
def test_cli_start_loads_no_heavy_module(args: tuple[str, ...]) -> None:
    loaded = loaded_by(*args)
    assert sorted(m for m in loaded if is_under(m, HEAVY)) == []


def test_every_command_has_a_summary_for_top_level_help():
    from hfgit.cli import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS) - {"hook"}
