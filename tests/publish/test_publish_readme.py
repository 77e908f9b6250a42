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


FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])")


def _click_options(name: str) -> list[set[str]]:
    """The names of every option a command (or, for a group, its subcommands) takes, but -h."""
    import click

    from hfgit.cli import cli

    ctx = click.Context(cli, info_name="git hf")
    command = cli.get_command(ctx, name)
    assert command is not None
    commands = [command]
    if isinstance(command, click.Group):
        commands = [command.get_command(ctx, sub) for sub in command.list_commands(ctx)]
    options = []
    for each in commands:
        each_ctx = click.Context(each)
        help_option = each.get_help_option(each_ctx)
        for param in each.get_params(each_ctx):
            if isinstance(param, click.Option) and param is not help_option and not param.hidden:
                options.append({*param.opts, *param.secondary_opts})
    return options


def _command_table() -> tuple[dict[str, set[str]], set[str], set[str]]:
    """The README's command table: flags per command, and the commands and flags the note
    under the table gives to several commands at once."""
    section = (ROOT / "README.md").read_text().split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("`git hf ", 1)[1].split()[0].rstrip("`"): set(FLAG.findall(line))
        for line in section.splitlines()
        if line.startswith("| `git hf ")
    }
    note = next(p for p in section.split("\n\n") if "also take" in p)
    named, _, given = note.partition("also take")
    return rows, set(re.findall(r"`(\w+)`", named)), set(FLAG.findall(given))


def test_readme_command_table_lists_exactly_the_flags_each_command_takes():
    from hfgit.cli import COMMANDS

    rows, shared_by, shared = _command_table()

    assert set(rows) == set(COMMANDS) - {"hook"}
    for name, listed in rows.items():
        listed |= shared if name in shared_by else set()
        options = _click_options(name)
        assert listed <= set().union(*options), f"{name} takes no {listed - set().union(*options)}"
        missing = [sorted(names) for names in options if not names & listed]
        assert not missing, f"the README leaves out {missing} of git hf {name}"


def test_readme_says_how_the_stock_hf_client_talks_to_git_hf_serve():
    readme = (ROOT / "README.md").read_text()

    assert "HF_ENDPOINT=http://127.0.0.1:8765 HF_TOKEN=hf_alice hf upload alice/" in readme
    assert "HF_HUB_DISABLE_XET=1 hf upload" not in readme  # Xet uploads need no switch
    assert "`git hf -h`" in readme


def test_readme_configuration_table_names_every_key():
    from hfgit.schema import SECTIONS

    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = "\n".join(rows)

    for name, keys in SECTIONS.items():
        for key in keys:
            assert (f"`{key}`" if not name else f"`{name}.*`") in table, (name, key)
            if name:
                row = next(r for r in rows if r.startswith(f"| `{name}.*`"))
                assert f"`{key}`" in row, (name, key)


def test_readme_lists_the_environment_the_man_page_lists():
    from hfgit.commands.manpage import ENVIRONMENT

    readme = (ROOT / "README.md").read_text()

    for name, _ in ENVIRONMENT:
        assert f"`{name}" in readme, name
