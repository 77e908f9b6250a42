"""`git hf queue`: the versions the hooks publish in the background, and what to do with them.

Light like the hook path: it reads and writes the queue files and starts the worker, with no
Hub client loaded."""

from __future__ import annotations

import click

from hfgit.commands.output import emit_json, say, table
from hfgit.errors import HfgitError


@click.group("queue", invoke_without_command=True)
@click.pass_context
def queue(ctx: click.Context) -> None:
    """List, drop or retry the versions queued for background publishing.

    `git tag` queues a version; the background worker publishes the queue version by version.
    A version refused for good (its files changed, a gate, a conflict) stays queued as failed
    and is not tried again by itself; one that failed in a way that may pass (the Hub could
    not be reached) is waiting, and tried again by the next worker. With no subcommand: list.

    \b
    Examples:
      git hf queue                   the queue: state and reason of each version
      git hf queue list --json
      git hf queue retry             try every queued version again, in the background
      git hf queue retry v1.2.0
      git hf queue drop v1.2.0       stop publishing it (the git tag stays)
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_command)


@queue.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON on stdout.")
def list_command(as_json: bool) -> None:
    """Each queued version: pending, waiting (to retry) or failed (refused), and why.

    \b
    Example:
      git hf queue list --json
    """
    from hfgit.hooks import gitcli
    from hfgit.hooks import queue as q

    entries = q.entries(gitcli.git_dir())
    if as_json:
        emit_json([e.to_json() for e in entries])
        return
    if not entries:
        say("the queue is empty: nothing waits to be published in the background")
        return
    table(
        ["VERSION", "STATE", "SINCE", "REASON"],
        [[e.tag, e.state, e.at[:19].replace("T", " ") or "-", e.error or "-"] for e in entries],
    )


@queue.command("drop")
@click.argument("tags", nargs=-1, required=True, metavar="TAG...")
def drop(tags: tuple[str, ...]) -> None:
    """Take versions out of the queue: they are not published in the background (their git
    tags stay; `git hf push TAG` still publishes one).

    \b
    Example:
      git hf queue drop v1.2.0
    """
    from hfgit.hooks import gitcli
    from hfgit.hooks import queue as q

    git_dir = gitcli.git_dir()
    _require_queued(q.queued(git_dir), tags)
    q.resolved(git_dir, tags)
    q.log(git_dir, f"dropped from the queue by hand: {' '.join(tags)}")
    say(f"dropped {', '.join(tags)} from the queue; `git hf push TAG` still publishes one")


@queue.command("retry")
@click.argument("tags", nargs=-1, metavar="[TAG]...")
def retry(tags: tuple[str, ...]) -> None:
    """Try queued versions again (default: all of them), in the background; a refused one is
    checked afresh.

    \b
    Examples:
      git hf queue retry
      git hf queue retry v1.2.0 v1.3.0
    """
    from hfgit.hooks import gitcli, worker
    from hfgit.hooks import queue as q

    root = gitcli.work_tree()
    git_dir = gitcli.git_dir(root)
    queued = q.queued(git_dir)
    _require_queued(queued, tags)
    chosen = list(tags) or queued
    if not chosen:
        say("the queue is empty: nothing to retry (`git hf push` publishes local versions)")
        return
    q.retry(git_dir, chosen)
    q.log(git_dir, f"retry asked for: {' '.join(chosen)}")
    worker.spawn(root, git_dir)
    say(f"publishing {', '.join(chosen)} in the background; `git hf queue` shows how it goes")


def _require_queued(queued: list[str], tags: tuple[str, ...]) -> None:
    missing = [t for t in tags if t not in queued]
    if missing:
        raise HfgitError(
            f"not queued: {', '.join(missing)} (`git hf queue` lists the queue; "
            f"`git hf push {missing[0]}` publishes a local version now)"
        )
