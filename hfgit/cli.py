"""`git hf`: the command-line edge. The only place where errors become exit codes."""

from __future__ import annotations

import contextvars
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

import click

from hfgit import __version__
from hfgit.commands import interrupt
from hfgit.constants import (
    ENV_DEBUG,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
)
from hfgit.errors import HfgitError
from hfgit.secrets import redact

# name -> "module:attribute"; modules load only when their command runs, so `--help`
# and the hook path stay fast.
COMMANDS: dict[str, str] = {
    "init": "hfgit.commands.setup:init",
    "validate": "hfgit.commands.setup:validate",
    "push": "hfgit.commands.publish:push",
    "log": "hfgit.commands.inspect:log",
    "status": "hfgit.commands.status:status",
    "experiments": "hfgit.commands.inspect:experiments",
    "pull": "hfgit.commands.publish:pull",
    "record": "hfgit.commands.setup:record",
    "card": "hfgit.commands.inspect:card",
    "bump": "hfgit.commands.bump:bump",
    "hooks": "hfgit.commands.hooks:hooks",
    "queue": "hfgit.commands.queue:queue",
    "hook": "hfgit.commands.hooks:hook",
    "serve": "hfgit.commands.serve:serve",
    "login": "hfgit.commands.access:login",
    "promote": "hfgit.commands.stages:promote",
    "demote": "hfgit.commands.stages:demote",
    "stages": "hfgit.commands.stages:stages",
    "diff": "hfgit.commands.compare:diff",
    "verify": "hfgit.commands.compare:verify",
}
# One-line help per command, so that `git hf --help` imports none of them.
SUMMARIES: dict[str, str] = {
    "init": "Write a commented .hfgit.yaml and install the hooks.",
    "validate": "Check .hfgit.yaml (errors name file, line and key).",
    "push": "Publish version tags to the Hub.",
    "log": "List the versions on the Hub, mapped back to git commits.",
    "status": "Compare local version tags with the Hub; show queued pushes.",
    "experiments": "List experiments across all published versions.",
    "pull": "Download a version and check its provenance.",
    "record": "Stamp the model folder with the current commit, params, metrics.",
    "card": "Render the model card a version publishes.",
    "bump": "Create the next version tag (semver).",
    "hooks": "Install, remove or inspect hfgit's git hooks.",
    "queue": "List, drop or retry the versions queued for background publishing.",
    "serve": "Run the embedded Hub-compatible server.",
    "login": "Store a Hub token for one endpoint in git's credential store.",
    "promote": "Put a version in a stage (git tag + Hub branch STAGE).",
    "demote": "Take a stage away from the version it holds.",
    "stages": "List the stages and the versions they hold.",
    "diff": "Compare two versions, or a version and the local model folder.",
    "verify": "Check a local folder byte for byte against a version on the Hub.",
}

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if name != "hook")

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="git-hf")
def cli() -> None:
    """Version ML models on the Hugging Face Hub with git tags.

    \b
    A git tag is a model version; the Hub mirrors it:
      git tag v1.2.0 && git hf push     publish the model folder as Hub revision v1.2.0
      git hf log                        the versions on the Hub, mapped back to git commits

    Run `git hf COMMAND -h` for the options and an example of each command.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run `git hf` and return its exit code (0 ok, 1 failure, 2 usage, 3 unexpected, 130 interrupted)."""
    code = run(cli, list(sys.argv[1:] if argv is None else argv), "git hf")
    if code == EXIT_INTERRUPTED and interrupt.left_running():
        # Ctrl-C left an upload running in a thread: end now instead of waiting for it (the
        # Hub drops a half upload; no commit or tag was made for it).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def run(command: click.Command, args: list[str], prog_name: str) -> int:
    """Run a click command through the one error edge: errors become one line and an exit code."""
    try:
        # In a context of its own: what a command's options chose (--endpoint, --token)
        # ends with it, also when commands run one after another in one process.
        result = contextvars.copy_context().run(
            command.main, args=args, prog_name=prog_name, standalone_mode=False
        )
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.UsageError as e:
        _usage(e)
        return EXIT_USAGE
    except click.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except HfgitError as e:
        _report(f"error: {e}", e)
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return e.exit_code or EXIT_FAILURE
    except Exception as e:  # the one catch-all, at the edge
        _report(f"unexpected error: {type(e).__name__}: {e} (set {ENV_DEBUG}=1 for a traceback)", e)
        return EXIT_UNEXPECTED
    return result if isinstance(result, int) else EXIT_OK


def _usage(e: click.UsageError) -> None:
    """Two lines: what is wrong with the command line, and where its help is."""
    click.echo(redact(f"error: {e.format_message()}"), err=True)
    if e.ctx is not None:
        click.echo(f"Try '{e.ctx.command_path} -h' for help.", err=True)


def _report(message: str, exc: BaseException) -> None:
    if os.environ.get(ENV_DEBUG):
        click.echo(redact("".join(traceback.format_exception(exc))), err=True)
    click.echo(redact(message), err=True)


if __name__ == "__main__":  # python -m hfgit.cli
    sys.exit(main())
