"""`git hf hooks install|uninstall|status`, and `git hf hook NAME`, the entry the shims run."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import click

from hfgit.constants import ENV_DEBUG, ENV_IN_HOOK


@click.group("hooks")
def hooks() -> None:
    """Manage the git hooks that publish version tags by themselves.

    \b
    reference-transaction  publishes a version tag in the background when `git tag` creates it
    pre-push               checks that version tags pushed to a git remote are on the Hub
    post-commit            auto-bumps on conventional commits (only with hooks.auto_bump)
    HFGIT_SKIP=1 skips them for one command.

    \b
    Examples:
      git hf hooks install           install them (git hf init does too)
      git hf hooks status            each hook's state and the publish queue
      HFGIT_SKIP=1 git tag v1.3.0    a tag the hooks leave alone
      git hf hooks uninstall         put back the hooks that were there before
    """


@hooks.command("install")
@click.option(
    "--shared", is_flag=True, help="Install into a core.hooksPath outside this repository."
)
def install(shared: bool) -> None:
    """Install or refresh the hooks (idempotent); an existing hook is chained, not replaced.

    \b
    Example:
      git hf hooks install
    """
    from hfgit.hooks import install as run

    for line in run(Path.cwd(), shared=shared):
        click.echo(line, err=True)


@hooks.command("uninstall")
def uninstall() -> None:
    """Remove hfgit's hooks and put back the hooks they chained.

    \b
    Examples:
      git hf hooks uninstall
      git hf hooks status            then lists none as installed
    """
    from hfgit.hooks import uninstall as run

    for line in run(Path.cwd()):
        click.echo(line, err=True)


@hooks.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
def status(as_json: bool) -> None:
    """Show each hook's state, the publish queue and the last hook error.

    \b
    Examples:
      git hf hooks status
      git hf hooks status --json     the same as JSON on stdout
    """
    from hfgit.hooks import queue_report
    from hfgit.hooks import status as run
    from hfgit.hooks.gitcli import git_dir

    states = run(Path.cwd())
    report = queue_report(git_dir(Path.cwd()))
    if as_json:
        hooks_json = [
            {"name": s.name, "wanted": s.wanted, "state": s.state, "chained": s.chained}
            for s in states
        ]
        click.echo(json.dumps({"hooks": hooks_json, **report}, indent=2))
        return
    for s in states:
        note = " (chains the hook that was there before)" if s.chained else ""
        click.echo(f"{s.name:<22} {s.state}{note}")
    if any(s.state in ("stale", "missing") for s in states):
        click.echo(
            "run `git hf hooks install` to bring the hooks in line with .hfgit.yaml", err=True
        )
    queued = report["queued"]
    click.echo(f"queued: {' '.join(queued) if isinstance(queued, list) and queued else '-'}")
    if report["last_error"]:
        click.echo(f"last error ({report['last_error_at']}): {report['last_error']}")
    click.echo(f"log: {report['log']}")


@click.command(
    "hook",
    hidden=True,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(name: str, args: tuple[str, ...]) -> int:
    """Run hfgit's part of git hook NAME (called by the installed shims)."""
    import os

    os.environ[ENV_IN_HOOK] = "1"
    try:
        return _dispatch(name, list(args))
    except Exception as e:  # a hook never breaks the git command: log, record, carry on
        _record_failure(name, e)
        return 0


def _dispatch(name: str, args: list[str]) -> int:
    from hfgit.hooks import run

    if name == "reference-transaction":
        return run.reference_transaction(args)
    if name == "pre-push":
        return run.pre_push(args[0] if args else "", args[2:])
    if name == "post-commit":
        return run.post_commit()
    if name == "worker":
        return run.worker_main()
    return 0  # a hook this version does not know: do nothing


def _record_failure(name: str, error: Exception) -> None:
    import os

    from hfgit.hooks import gitcli, queue

    message = f"{name} hook failed: {error}"
    click.echo(f"hfgit: {message} (see `git hf status`)", err=True)
    try:
        git_dir = gitcli.git_dir()
    except Exception:
        return
    if os.environ.get(ENV_DEBUG):
        queue.log(git_dir, traceback.format_exc())
    queue.record_error(git_dir, message)
