"""git-hf(1): generated from the click commands, shipped as checked in, installed by pip."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from hfgit.cli import cli
from hfgit.commands.manpage import render

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "man" / "git-hf.1"
REGENERATE = "python -m hfgit.commands.manpage > man/git-hf.1"


def _visible_options(command: click.Command, ctx: click.Context) -> list[click.Option]:
    help_option = command.get_help_option(ctx)
    return [
        p
        for p in command.get_params(ctx)
        if isinstance(p, click.Option) and p is not help_option and not p.hidden
    ]


def test_the_checked_in_man_page_is_current():
    assert PAGE.read_text(encoding="utf-8") == render(), f"regenerate it: {REGENERATE}"


def test_the_man_page_has_every_command_and_option():
    text = render()
    ctx = click.Context(cli, info_name="git hf")
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        assert f".SS git hf {name}" in text
        commands = [command]
        if isinstance(command, click.Group):
            commands = [command.get_command(ctx, sub) for sub in command.list_commands(ctx)]
        for each in commands:
            for option in _visible_options(each, click.Context(each)):
                for flag in option.opts:
                    assert flag.replace("-", "\\-") in text, (name, flag)


def test_the_man_page_leaves_out_hidden_and_internal_commands_and_options():
    text = render()

    assert ".SS git hf hook\n" not in text  # the shims' entry point
    pull = text.split(".SS git hf pull\n")[1].split(".SS ")[0]
    assert "\\-\\-dir " not in pull  # pull's old name for --local-dir


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff renders man pages")
def test_groff_renders_the_page_without_warnings():
    done = subprocess.run(
        ["groff", "-man", "-ww", "-z", str(PAGE)], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_pip_installs_the_page_where_man_and_git_help_look():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    data_files = pyproject["tool"]["setuptools"]["data-files"]

    assert data_files["share/man/man1"] == ["man/git-hf.1"]


@pytest.mark.skipif(sys.platform == "win32", reason="man pages are a POSIX thing")
def test_the_generator_writes_the_page_to_stdout():
    done = subprocess.run(
        [sys.executable, "-m", "hfgit.commands.manpage"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout == PAGE.read_text(encoding="utf-8")
