"""`git hf COMMAND -h` shows an example for every command and subcommand, as the README says."""

from __future__ import annotations

import click
import pytest

from hfgit.cli import cli, main


def _command_lines() -> list[list[str]]:
    ctx = click.Context(cli)
    lines = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        lines.append([name])
        if isinstance(command, click.Group):
            lines += [[name, sub] for sub in command.list_commands(ctx)]
    return lines


@pytest.mark.parametrize("words", _command_lines(), ids=" ".join)
def test_every_commands_help_shows_an_example(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*words, "-h"])

    shown = capsys.readouterr().out
    assert code == 0
    assert "Example" in shown and f"git hf {' '.join(words)}" in shown.split("Example", 1)[1]
