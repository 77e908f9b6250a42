"""git-hf(1), the man page `git hf --help` opens (git turns it into `git help hf`).

Generated from the click commands, so it lists the options that exist with the help `-h` gives:

    python -m hfgit.commands.manpage > man/git-hf.1

`man/git-hf.1` is the copy pip installs as `share/man/man1/git-hf.1` (a test keeps it current).
"""

from __future__ import annotations

import re
import sys

import click

from hfgit import __version__
from hfgit.cli import SUMMARIES, cli

PROG = "git hf"

EXIT_STATUS = [
    ("0", "success"),
    ("1", "an expected failure, explained in one line on stderr"),
    ("2", "a wrong command line"),
    ("3", "an unexpected error (set HFGIT_DEBUG=1 for a traceback)"),
    ("130", "interrupted"),
]
ENVIRONMENT = [
    (
        "HF_TOKEN",
        "The Hub token (also HUGGINGFACE_TOKEN, or the `hf auth login` one). Sent only to an "
        "endpoint chosen outside the repository: huggingface.co, $HF_ENDPOINT, --endpoint, or "
        "a `hfgit.endpoint` of the global git config. An endpoint only .hfgit.yaml names gets "
        "a token only from git's credential store (`git hf login`).",
    ),
    ("HF_ENDPOINT", "The Hub to use when neither --endpoint nor .hfgit.yaml names one."),
    ("HFGIT_SKIP", "Set to 1 to skip hfgit's git hooks for one command."),
    ("HFGIT_DEBUG", "Set to 1 to print a traceback with an unexpected error."),
    (
        "HFGIT_DATA_DIR",
        "`endpoint: local` keeps its hub in $HFGIT_DATA_DIR/hub "
        "(default ~/.local/share/hfgit/hub).",
    ),
    (
        "HFGIT_RETRY_DEADLINE",
        "Seconds to keep retrying a Hub that does not answer (default 60).",
    ),
    (
        "HF_HUB_DISABLE_XET",
        "Set to 1 to upload over LFS instead of Xet, to any Hub (huggingface_hub's own switch).",
    ),
    ("NO_COLOR", "Set to turn colour off."),
    ("COLUMNS", "The width `git hf log` fits its table to (default: the terminal's)."),
]
FILES = [
    (".hfgit.yaml", "The repository's configuration; `git hf validate` checks it."),
    (
        "$GIT_DIR/hfgit/",
        "hfgit's state: the background publish queue, hook.log, the last hook error, caches.",
    ),
]
SEE_ALSO = "git-tag(1), githooks(5), gitcredentials(7); the Hugging Face `hf` CLI (hf -h)"


def render() -> str:
    """The whole page, in roff (man macros)."""
    out = [
        f'.TH "GIT\\-HF" "1" "" "hfgit {__version__}" "hfgit Manual"',
        ".SH NAME",
        "git\\-hf \\- version ML models on the Hugging Face Hub with git tags",
        ".SH SYNOPSIS",
        ".nf",
        "\\fBgit hf\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        "\\fBgit hf\\fR \\fICOMMAND\\fR \\-h",
        "\\fBgit hf\\fR \\-h | \\-V",
        ".fi",
        ".SH DESCRIPTION",
        *_text(cli.help or ""),
        ".PP",
        _escape(
            "`git hf --help` opens this page (git turns it into `git help hf`); "
            "`git hf -h` and `git hf COMMAND -h` print the help in the terminal."
        ),
        ".SH COMMANDS",
    ]
    group_ctx = click.Context(cli, info_name=PROG)
    for name in cli.list_commands(group_ctx):
        command = cli.get_command(group_ctx, name)
        assert command is not None
        out += _command(command, f"{PROG} {name}", SUMMARIES.get(name, ""))
    out += [".SH EXIT STATUS", *_entries(EXIT_STATUS)]
    out += [".SH ENVIRONMENT", *_entries(ENVIRONMENT)]
    out += [".SH FILES", *_entries(FILES)]
    out += [".SH SEE ALSO", _escape(SEE_ALSO)]
    return "\n".join(out) + "\n"


def _command(command: click.Command, path: str, summary: str) -> list[str]:
    ctx = click.Context(command, info_name=path)
    usage = " ".join(command.collect_usage_pieces(ctx))
    out = [f".SS {_escape(path)}", ".PP", f"\\fB{_escape(path)}\\fR {_escape(usage)}"]
    out += _text(command.help or summary)
    help_option = command.get_help_option(ctx)  # -h is in the synopsis
    options = [
        record
        for param in command.get_params(ctx)
        if isinstance(param, click.Option) and param is not help_option
        if (record := param.get_help_record(ctx))
    ]
    for names, help_text in options:
        out += [".TP", f"\\fB{_escape(names)}\\fR", _escape(help_text)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                out += _command(sub, f"{path} {name}", "")
    return out


def _text(help_text: str) -> list[str]:
    """click help: paragraphs are filled, a paragraph after a `\\b` line is kept as it is."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", help_text.strip()):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            out += [".PP", ".nf", *(_escape(line.rstrip()) for line in lines[1:]), ".fi"]
        elif paragraph.strip():
            out += [".PP", _escape(" ".join(line.strip() for line in lines))]
    return out


def _entries(entries: list[tuple[str, str]]) -> list[str]:
    out = []
    for term, text in entries:
        out += [".TP", f"\\fB{_escape(term)}\\fR", _escape(text)]
    return out


def _escape(text: str) -> str:
    """Plain text as roff: backslashes and hyphens escaped, no line read as a request."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(
        f"\\&{line}" if line.startswith((".", "'")) else line for line in escaped.split("\n")
    )


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
