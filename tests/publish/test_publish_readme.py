"""The README stays true: CI runs exactly its test command, and its quickstart script exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL)]


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    test_section = readme.split("## Tests", 1)[1]
    command = _sh_blocks(test_section)[0]

    ci = (ROOT / ".ci" / "run").read_text().splitlines()

    assert command in ci


def test_readme_quickstart_runs_the_shipped_script():
    readme = (ROOT / "README.md").read_text()
    quickstart = _sh_blocks(readme.split("## Quickstart", 1)[1])[0]

    assert "examples/quickstart.sh" in quickstart
    assert (ROOT / "examples" / "quickstart.sh").is_file()


def test_readme_lists_every_command():
    from hfgit.cli import COMMANDS

    readme = (ROOT / "README.md").read_text()

    for name in COMMANDS:
        if name != "hook":
            assert f"`git hf {name}" in readme, name
