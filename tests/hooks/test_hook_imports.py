"""The hook path stays light: `git tag v1.0.0` runs `git hf hook reference-transaction`, which
hands the tag to the worker without importing huggingface_hub, pygit2 or jinja2.

The hook process runs under `python -X importtime`, so every module it imports, at any depth
and by any import form, is listed. The worker publishes through a `git-hf push` subprocess,
so the whole hook process is what must stay light."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from hookhelpers import BIN, Repo, wait_for

HEAVY = ("huggingface_hub", "pygit2", "jinja2")


def imported(importtime: str) -> set[str]:
    """The modules listed by `python -X importtime` (lines "import time: self | total | name")."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def hook_imports(repo: Repo, tmp_path: Path, prelude: str = "") -> set[str]:
    """Create v1.0.0 with the real git and hooks; return what `git-hf hook ...` imported.

    A `git-hf` first on PATH runs the hook command under -X importtime (after `prelude`, Python
    run first in the same process) and passes every other command to the real git-hf.
    """
    bindir, log, done = tmp_path / "importtime-bin", tmp_path / "importtime.txt", tmp_path / "done"
    bindir.mkdir()
    program = f"{prelude}\nimport sys\nfrom hfgit.cli import main\nsys.exit(main())"
    wrapper = bindir / "git-hf"
    wrapper.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = hook ]; then\n'
        f'  "{sys.executable}" -X importtime -c \'{program}\' "$@" 2>>"{log}"\n'
        "  code=$?\n"
        f'  echo "exit $code" >>"{done}"\n'
        "  exit $code\n"
        "fi\n"
        f'exec "{BIN / "git-hf"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    repo.env["PATH"] = f"{bindir}{os.pathsep}{repo.env['PATH']}"
    repo.env["HFGIT_HOOK_RETRY_DELAYS"] = ""  # one try: the Hub endpoint is a closed port
    repo.git("tag", "v1.0.0")
    wait_for(done.exists, what="the hook process to exit")
    assert "publishing v1.0.0 (try 1 of 1)" in repo.log()  # the worker got the tag
    return imported(log.read_text())


def test_the_hook_path_imports_no_heavy_library(
    make_repo: Callable[..., Repo], tmp_path: Path
) -> None:
    modules = hook_imports(make_repo(), tmp_path)
    assert {"hfgit.hooks.run", "hfgit.hooks.worker", "hfgit.config"} <= modules
    assert heavy(modules) == set()


def test_the_check_catches_a_hook_path_that_loads_the_git_adapter(
    make_repo: Callable[..., Repo], tmp_path: Path
) -> None:
    prelude = "from hfgit.gitrepo import GitRepo\nGitRepo.discover().head_commit()"
    modules = hook_imports(make_repo(), tmp_path, prelude=prelude)
    assert "hfgit.hooks.worker" in modules
    assert "pygit2" in heavy(modules)
