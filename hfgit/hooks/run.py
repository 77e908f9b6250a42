"""What `git-hf hook <name>` does once a shim decided Python is needed.

Nothing here may break the user's git command: failures are logged and recorded for
`git hf status`; only a strict pre-push refuses, and says why.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from hfgit import pins, stagetags
from hfgit.config import Config, load_config
from hfgit.constants import CONFIG_FILE
from hfgit.errors import HfgitError
from hfgit.hooks import gitcli, queue, worker
from hfgit.versioning import (
    TagScheme,
    conventional_bump,
    counts_for,
    latest,
    next_version,
    parse_tag,
    version_tags,
)


def say(message: str) -> None:
    print(f"hfgit: {message}", file=sys.stderr)


def detach() -> None:
    """Leave the terminal's session, so closing it or Ctrl-C does not stop a publish."""
    with contextlib.suppress(OSError):  # already a session leader
        os.setsid()


def context() -> tuple[Path, Path, Config]:
    root = gitcli.work_tree()
    return root, gitcli.git_dir(root), load_config(root / CONFIG_FILE)


def model_of(config: Config, tag: str) -> Config | None:
    """The model whose version `tag` is (the only one, or one of `models:`), or None."""
    return next((c for c in config.each() if parse_tag(tag, c.scheme) is not None), None)


def schemes(config: Config) -> list[TagScheme]:
    return [c.scheme for c in config.each()]


def reference_transaction(tags: list[str]) -> int:
    """Tags the shim queued were created: check them precisely, then publish the queue. A
    stage tag queues the version it names (see `queue_stages`)."""
    detach()
    root, git_dir, config = context()
    staged = [t for t in tags if stagetags.parse_name(t) is not None]
    tags = [t for t in tags if t not in staged]
    owners = {t: model_of(config, t) for t in tags}
    not_versions = [t for t, owner in owners.items() if owner is None]
    if not_versions:
        queue.forget(git_dir, not_versions)
    versions: dict[str, Config] = {t: owner for t, owner in owners.items() if owner is not None}
    for owner in config.each():
        fix_content(root, git_dir, owner, [t for t, c in versions.items() if c is owner])
    off = [t for t, owner in versions.items() if not owner.hooks.auto_push]
    if off:
        queue.forget(git_dir, off)
        queue.log(git_dir, f"hooks.auto_push is off: not publishing {' '.join(off)}")
    published = [t for t in versions if t not in off]
    if published:
        queue.log(git_dir, f"tag created: {' '.join(published)}")
    if not (queue_stages(root, git_dir, config, staged) or published):
        return 0
    worker.run(root, git_dir, scheme=schemes(config))
    return 0


def queue_stages(root: Path, git_dir: Path, config: Config, staged: list[str]) -> bool:
    """Stage tags made here (`gto assign`, `git tag -a clf#prod#3`): each queues the version
    it names, unless queued already, without pinning it again (it was made before). Its
    `git-hf push` skips a version the Hub has and then publishes the pending stages, as every
    push does. True when a stage of a model that publishes by itself was tagged."""
    if not staged:
        return False
    labels = {c.label: c for c in config.each() if c.hooks.auto_push}
    found = [t for t in stagetags.read(root) if t.name in staged and t.label in labels]
    if not found:
        return False
    local = gitcli.tag_commits(root)
    waiting = set(queue.queued(git_dir))
    for tag in found:
        version = version_named(labels[tag.label], tag, local)
        if version is None:
            queue.log(git_dir, f"stage tag {tag.name} names no version of {tag.label}")
        elif version not in waiting:
            queue.enqueue(git_dir, version)
            waiting.add(version)
    queue.log(git_dir, f"stage tag created: {' '.join(t.name for t in found)}")
    return True


def version_named(config: Config, tag: stagetags.StageTag, local: dict[str, str]) -> str | None:
    """The local version tag a stage tag is about: the one its message names, else the
    highest version on its commit (GTO's rule, as `stages.py` reads it)."""
    scheme = config.scheme
    named = tag.named_version
    for candidate in (named, scheme.local_tag(named)) if named else ():
        if candidate in local and parse_tag(candidate, scheme) is not None:
            return candidate
    on_commit = [v for t, c in local.items() if c == tag.commit and (v := parse_tag(t, scheme))]
    found = latest(on_commit)
    return found.tag if found is not None else None


def fix_content(
    root: Path, git_dir: Path, config: Config, tags: list[str], tagged_at: int | None = None
) -> None:
    """Fix what each new tag publishes, first thing after `git tag`: the folder's record and
    the stat of its files (a few ms). With keep_until_published, then keep a copy of the
    folder (instant with reflinks, a full copy without). When the tag was made: `tagged_at`
    (ns), else when the shim queued it."""
    if not tags:
        return
    model_dir = root / config.model_dir
    try:
        commits = gitcli.git("rev-parse", *(f"{t}^{{commit}}" for t in tags), cwd=root).split()
        made = [
            pins.pin(git_dir, model_dir, t, c, _tagged_at(git_dir, t, tagged_at))
            for t, c in zip(tags, commits, strict=True)
        ]
    except (HfgitError, OSError, ValueError) as e:
        queue.log(git_dir, f"could not fix the content of {' '.join(tags)}: {e}")
        return
    queue.clear_refusals(git_dir, tags)
    if not config.keep_until_published:
        return
    for pinned in made:
        try:
            pins.keep_tagged(git_dir, model_dir, pinned)
        except (HfgitError, OSError) as e:
            queue.log(git_dir, f"no copy of {config.model_dir}/ kept for {pinned.tag}: {e}")


def _tagged_at(git_dir: Path, tag: str, given: int | None) -> int | None:
    if given is not None:
        return given
    try:
        return (queue.queue_dir(git_dir) / tag).stat().st_mtime_ns  # written during `git tag`
    except OSError:
        return None


def worker_main() -> int:
    detach()
    root, git_dir, config = context()
    worker.run(root, git_dir, scheme=schemes(config))
    return 0


STRICTNESS = ("off", "advisory", "strict")


def pre_push(remote: str, tags: list[str]) -> int:
    """Version tags are being pushed to `remote`: make sure the Hub has them (strict) or will."""
    root, git_dir, config = context()
    owners = [c for c in (model_of(config, t) for t in tags) if c is not None]
    versions = [t for t in tags if model_of(config, t) is not None]
    mode = max((c.hooks.pre_push for c in owners), key=STRICTNESS.index, default="off")
    auto_push = any(c.hooks.auto_push for c in owners)
    if mode == "off" and auto_push and not gitcli.has_reference_transaction():
        mode = "advisory"  # git < 2.28: pushing is the only moment hooks see a new tag
    if mode == "off" or not versions:
        return 0
    names = " ".join(versions)
    if mode == "strict":
        say(
            f"checking that {names} {'is' if len(versions) == 1 else 'are'} on the Hub (hooks.pre_push: strict)"
        )
        code, error = worker.push_once(root, versions)
        if code != 0:
            for tag in versions:
                queue.enqueue(git_dir, tag)
            queue.record_error(git_dir, f"publishing {names} failed: {error}", versions)
            say(f"not pushing to {remote}: {names} could not be published to the Hub ({error})")
            say(
                f"fix that and run `git hf push {names}`, or push anyway with HFGIT_SKIP=1 git push"
            )
            return 1
        queue.forget(git_dir, versions)
        return 0
    _warn_failed(git_dir, versions)
    for tag in versions:
        queue.enqueue(git_dir, tag)
    worker.spawn(root, git_dir)
    say(
        f"publishing {names} to the Hub in the background if missing; `git hf status` shows the queue"
    )
    return 0


def _warn_failed(git_dir: Path, versions: list[str]) -> None:
    error = queue.last_error(git_dir) or {}
    tags = error.get("tags")
    failed = [t for t in versions if isinstance(tags, list) and t in tags]
    if failed:
        say(f"warning: the last publish of {' '.join(failed)} failed: {error.get('error')}")


def post_commit() -> int:
    """Auto-bump: a conventional commit on the release branch gets the next version tag; with
    several models, each model whose files it changes or whose scope it carries."""
    root, git_dir, config = context()
    wanted = [c for c in config.each() if c.hooks.auto_bump == "conventional"]
    if not wanted or gitcli.in_progress(gitcli.own_git_dir(root)):
        return 0
    branch = gitcli.head_branch(root)
    if config.models:
        [(message, changed)] = gitcli.commits(root, "HEAD", limit=1) or [("", [])]
        wanted = [
            c
            for c in wanted
            if c.model is not None and counts_for(c.model, c.paths, message, changed)
        ]
    for model in wanted:
        if branch == model.hooks.release_branch:
            _auto_bump(root, git_dir, model)
    return 0


def _auto_bump(root: Path, git_dir: Path, config: Config) -> None:
    """One model's next version on HEAD, from HEAD's conventional commit message."""
    hooks = config.hooks
    kind = conventional_bump(gitcli.head_message(root))
    if kind is None or any(parse_tag(t, config.scheme) for t in gitcli.points_at_head(root)):
        return
    current = latest(version_tags(gitcli.local_tags(root), config.scheme))
    if current is not None and not gitcli.is_ancestor(root, current.tag, "HEAD"):
        say(
            f"not auto-bumping: {current.tag} is not in the history of HEAD (amended or rebased?); "
            "tag by hand with `git hf bump`"
        )
        return
    tag = next_version(current, kind, config.scheme)
    subject = gitcli.head_message(root).splitlines()[0]
    tagged_at = time.time_ns()
    subprocess.run(
        ["git", "tag", "-a", tag, "-m", f"{tag}: {subject}"],
        cwd=root,
        env=worker.child_env(),
        check=True,
        capture_output=True,
    )
    say(f"{kind} commit on {hooks.release_branch}: tagged {tag}")
    fix_content(root, git_dir, config, [tag], tagged_at)
    if hooks.auto_push:
        queue.enqueue(git_dir, tag, gitcli.git("rev-parse", tag, cwd=root))
        worker.spawn(root, git_dir)
        say(f"publishing {tag} to the Hub in the background; `git hf status` shows the queue")
