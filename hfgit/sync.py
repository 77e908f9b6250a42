"""Publish git version tags to the Hub: plan, diff, one commit per version, then the tag.

The rules (see "What a version is on the Hub" in docs/architecture.md): a Hub tag is created
only after its commit succeeded; a version already on the Hub at the same git commit is
skipped with zero uploads; the same tag at another git commit is a conflict unless forced;
`main` holds the highest version, older lines commit on their own branch; commits carry
`parent_commit` and are re-planned when the branch moved meanwhile."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from hfgit import backup, changes, notify, publishstate, stages, stagesync
from hfgit.catalog import PAGE, Catalog, CommitCache
from hfgit.content import Payload, VersionContent, build_content
from hfgit.effects import Cancel, Say, Sleep, silent
from hfgit.errors import (
    AuthError,
    ContentChangedError,
    HfgitError,
    HubUnreachableError,
    StaleParentError,
    TagConflictError,
    VersionsFailedError,
)
from hfgit.files import stamp_of
from hfgit.hub import Delete, Hub, Sent, Upload
from hfgit.outcome import Outcome, Progress
from hfgit.plan import MAIN, Action, PublishStep, branch_base, plan_push, published_on
from hfgit.project import Project
from hfgit.versioning import parse_tag

PUBLISHED_MEANWHILE = "published in the background while this push waited"
MAX_ATTEMPTS = 4
# Failures that are not the version's own: the push stops there, and the hook queue keeps
# the versions it did not publish for a later try.
STOPS_THE_PUSH = (HubUnreachableError, AuthError)
MAY_PASS = (*STOPS_THE_PUSH, StaleParentError)
STALE_PAUSE = 0.2  # seconds, times the attempt number, before planning again


def push(
    project: Project,
    tags: list[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    say: Say = silent,
    sleep: Sleep = time.sleep,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """`publish`, then raise what kept any version from the Hub (`raise_failures`)."""
    outcomes = publish(project, tags, force, dry_run, say, sleep, cancel, progress)
    raise_failures(outcomes)
    return outcomes


def publish(
    project: Project,
    tags: list[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    say: Say = silent,
    sleep: Sleep = time.sleep,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Publish `tags` (default: every local version tag not on the Hub yet), oldest first.

    Versions fail alone: one refused (provenance, gate, changed files, a conflict...) gets its
    reason in its Outcome and the others go on. A failure that is not the version's own (the
    Hub cannot be reached, the token is refused) stops the push; the versions left are
    reported as not tried. `sleep` is how a retry waits (after the Hub branch moved meanwhile,
    between webhook tries). `cancel` stops the push before the next version, or before a
    version's upload starts (raising effects.Interrupted); `progress` tells the caller how far
    it got."""
    cancel, progress = cancel or Cancel(), progress if progress is not None else Progress()
    publisher: contextlib.AbstractContextManager[list[str]] = (
        contextlib.nullcontext([]) if dry_run else publishstate.one_publisher(project, say)
    )
    with publisher as waited_for, project.hub() as hub:
        run = _Run(project, hub, force, dry_run, say, sleep, cancel, progress)
        checked = catalog = project.catalog(hub)
        local = _local_tags(project)
        if not dry_run:
            publishstate.settle_queue(project, catalog, local)
        steps = _plan(project, catalog, tags, force, waited_for, local)
        progress.planned = [s.tag for s in steps]
        # Every check runs before anything reaches the Hub; what it builds is used below for
        # as long as the Hub has not changed since.
        prepared, refused = _check_all(run, steps, catalog)
        creates = not dry_run and prepared and not catalog.exists  # else it is there
        if creates and hub.ensure_repo(project.config.private, missing=True):
            say(
                f"created {'private' if project.config.private else 'public'} Hub repo {hub.repo_url}"
            )
        outcomes: list[Outcome] = []
        stopped: HfgitError | None = None
        stale = False  # a version was published since the catalog was read
        for step in steps:
            cancel.check()
            if step.tag in refused:
                outcomes.append(refused[step.tag])
                continue
            if stopped is not None and step.action != Action.SKIP:  # a skip needs no Hub
                outcomes.append(_failed(run, step, stopped, tried=False))
                continue
            if stale and stopped is None:  # read again only for another version, when it comes
                catalog, stale = project.catalog(hub), False
            progress.current, progress.stage = step.tag, "checking"
            ready = prepared.get(step.tag) if catalog is checked else None
            try:
                outcome = _publish_with_retries(run, catalog, step, ready)
            except HfgitError as e:
                outcomes.append(_failed(run, step, e))
                stopped = e if isinstance(e, STOPS_THE_PUSH) else None
                progress.current = None
                continue
            outcomes.append(outcome)
            progress.done.append(outcome)
            progress.current = None
            if not dry_run:
                publishstate.published(project, outcome.tag, outcome.git_commit)
            stale = stale or (outcome.action != Action.SKIP and not dry_run)
        # stages promoted while the Hub was away; without stages the catalog is not read again
        if not dry_run and stopped is None and (not stale or stages.events(project)):
            if stale:
                catalog, stale = project.catalog(hub), False
            stagesync.publish_pending(project, hub, catalog, say)
        if stale and stopped is None:
            _remember(project, hub, outcomes)
    if not dry_run:
        publishstate.forget_queued(project, [o.tag for o in outcomes if not o.failed])
    return outcomes


def _remember(project: Project, hub: Hub, outcomes: list[Outcome]) -> None:
    """Keep the last Hub commit this push made, with the page of commits below it, in the
    commit cache (one request; the catalog is not read again): the next `git hf log` or
    `status` needs no page for it. Best effort: the versions are published either way."""
    made = [o.hub_commit for o in outcomes if o.hub_commit and o.action != Action.SKIP]
    if not made:
        return
    with contextlib.suppress(HfgitError):
        cache = CommitCache.for_repo(project.state_dir, hub)
        cache.put({c.id: c for c in itertools.islice(hub.commits(made[-1]), PAGE)})
        cache.save()


def raise_failures(outcomes: list[Outcome]) -> None:
    """Raise what kept versions from the Hub: the error itself when the push had one version,
    else a VersionsFailedError naming each version that failed and why."""
    failed = [o for o in outcomes if o.failed]
    if not failed:
        return
    if len(outcomes) == 1 and failed[0].failure is not None:
        raise failed[0].failure
    went = len(outcomes) - len(failed)
    if len(failed) == 1:
        raise VersionsFailedError(
            f"{failed[0].tag} was not published: {failed[0].error} "
            f"(the other {went} version{'s' if went != 1 else ''} went through)"
        )
    reasons = "; ".join(f"{o.tag}: {o.error}" for o in failed)
    raise VersionsFailedError(
        f"{len(failed)} of {len(outcomes)} versions were not published: {reasons}"
    )


def _plan(
    project: Project,
    catalog: Catalog,
    tags: list[str] | None,
    force: bool,
    waited_for: Sequence[str] = (),
    local: dict[str, str] | None = None,
) -> list[PublishStep]:
    """The steps for `tags`; with none, every unpublished version plus those of `waited_for`
    that another publisher put on the Hub meanwhile (as skips, so they are reported).
    `local`: the repository's tags and their commits, when just read."""
    local = local if local is not None else _local_tags(project)
    hub, scheme = catalog.git_commits(), project.config.scheme
    meanwhile = [
        t
        for t in waited_for
        if tags is None and t in local and hub.get(t) == local[t] and parse_tag(t, scheme)
    ]
    holds = catalog.main_holds
    if meanwhile:
        tags = [*(s.tag for s in plan_push(local, hub, scheme, None, force, holds)), *meanwhile]
    return [
        replace(s, reason=PUBLISHED_MEANWHILE) if s.tag in meanwhile else s
        for s in plan_push(local, hub, scheme, tags, force, holds)
    ]


def _local_tags(project: Project) -> dict[str, str]:
    """Every local tag and its commit."""
    return {name: tag.commit for name, tag in project.repo.tags().items()}


@dataclass(frozen=True)
class _Run:
    """What every version of one push shares."""

    project: Project
    hub: Hub
    force: bool
    dry_run: bool
    say: Say
    sleep: Sleep
    cancel: Cancel
    progress: Progress


def _content(run: _Run, tag: str, catalog: Catalog) -> VersionContent:
    """The version's content, checked; a version whose files changed since it was made is
    refused for good, and `git hf status` shows why."""
    project = run.project
    try:
        return build_content(
            project, project.repo.tag(tag), catalog, run.hub, force=run.force, say=run.say
        )
    except ContentChangedError as e:
        if not run.dry_run:
            publishstate.refuse(project, tag, str(e))
        raise


def _check_all(
    run: _Run, steps: list[PublishStep], catalog: Catalog
) -> tuple[dict[str, VersionContent], dict[str, Outcome]]:
    """Each version's content, checked; the versions refused, with why."""
    prepared, refused = {}, {}
    for step in steps:
        if step.action == Action.SKIP:
            continue
        try:
            if step.action == Action.CONFLICT:
                raise TagConflictError(step.reason)
            prepared[step.tag] = _content(run, step.tag, catalog)
        except STOPS_THE_PUSH:
            raise
        except HfgitError as e:
            refused[step.tag] = _failed(run, step, e)
    return prepared, refused


def _failed(run: _Run, step: PublishStep, error: HfgitError | None, tried: bool = True) -> Outcome:
    """The outcome of a version that was not published (or, `tried` False, not attempted)."""
    reason = str(error) if tried else f"not tried: the push stopped earlier ({error})"
    return Outcome(
        step.tag,
        step.git_commit,
        step.action.value,
        step.branch,
        step.reason,
        url=run.hub.revision_url(step.version.hub_tag),
        dry_run=run.dry_run,
        error=reason,
        retry=not tried or isinstance(error, MAY_PASS),
        failure=error,
        hub_tag=_hub_tag(run, step),
        model=run.project.model,
    )


def _hub_tag(run: _Run, step: PublishStep) -> str | None:
    """The Hub tag of a model of several (`v1.2.0` for `clf@v1.2.0`); None: the same name."""
    return step.version.hub_tag if run.project.model is not None else None


def _publish_with_retries(
    run: _Run, catalog: Catalog, step: PublishStep, content: VersionContent | None
) -> Outcome:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if step.action == Action.SKIP:  # where it is, not where it would go
            refs = catalog.refs
            on_hub = refs.tags.get(step.version.hub_tag) if refs else None
            return Outcome(
                step.tag,
                step.git_commit,
                step.action.value,
                published_on(step.version, on_hub, refs.branches) if refs else None,
                step.reason,
                hub_commit=on_hub,
                url=run.hub.revision_url(step.version.hub_tag),
                dry_run=run.dry_run,
                hub_tag=_hub_tag(run, step),
                model=run.project.model,
            )
        try:
            return _publish(run, catalog, step, content)
        except StaleParentError:
            if attempt == MAX_ATTEMPTS:
                raise
            run.say(f"{step.tag}: the Hub branch {step.branch} moved meanwhile; planning again")
            run.sleep(STALE_PAUSE * attempt)
            catalog = run.project.catalog(run.hub)
            step = _plan(run.project, catalog, [step.tag], run.force)[0]
            if step.action == Action.CONFLICT:
                raise TagConflictError(step.reason) from None
            content = None  # built against the old catalog
    raise AssertionError("unreachable")


def _publish(
    run: _Run, catalog: Catalog, step: PublishStep, content: VersionContent | None
) -> Outcome:
    project, hub, say, dry_run = run.project, run.hub, run.say, run.dry_run
    started = time.monotonic()
    if content is None:
        content = _content(run, step.tag, catalog)
    refs = catalog.refs
    head = refs.branches.get(step.branch) if refs else None
    base = head or _branch_start(hub, catalog, step)
    remote = hub.tree(base) if base else []
    listed, operations = changes.diff(content, {f.path: f for f in remote})
    uploads = [op for op in operations if isinstance(op, Upload)]
    # A repository the catalog did not find (created by this push) stores nothing yet.
    stored = hub.stored(uploads, step.branch) if catalog.exists else set()
    listed = [replace(c, status="stored") if c.path in stored else c for c in listed]
    outcome = Outcome(
        step.tag,
        step.git_commit,
        step.action.value,
        step.branch,
        step.reason,
        listed,
        summary=content.summary,
        url=hub.revision_url(step.version.hub_tag),
        warnings=content.warnings,
        dry_run=dry_run,
        hub_tag=_hub_tag(run, step),
        model=project.model,
    )
    for warning in content.warnings:
        say(f"warning: {step.tag}: {warning}")
    if dry_run:
        return outcome
    if head is None and step.branch != MAIN and base is not None:
        hub.create_branch(step.branch, base)
        head = base
    run.cancel.check()  # the last point where stopping leaves nothing of this version behind
    run.progress.stage = "uploading"
    if operations:
        sent = Sent()
        outcome.hub_commit = _commit(run, content, operations, step.branch, head, sent)
        _count_sent(run, outcome, sent)
    else:
        outcome.hub_commit = head  # a re-run after a lost tag: the content is already there
    assert outcome.hub_commit is not None
    run.progress.stage = "tagging"  # the commit exists: the tag follows whatever happens
    on_hub = step.version.hub_tag
    if step.action == Action.REPUBLISH:  # the old tag moves only once the new commit exists
        say(
            f"warning: moving Hub tag {on_hub}: anyone pinned to revision={on_hub!r} will get new content"
        )
        backup.before_move(project.config.backup, hub, on_hub, project.repo.root, say)
        hub.delete_tag(on_hub)
    hub.create_tag(on_hub, outcome.hub_commit, content.summary)
    notify.after_publish(project.config, hub.repo_url, outcome, content, say, run.sleep)
    outcome.seconds = time.monotonic() - started
    return outcome


def _commit(
    run: _Run,
    content: VersionContent,
    operations: list[Upload | Delete],
    branch: str,
    head: str | None,
    sent: Sent,
) -> str:
    """The version's Hub commit. Its files are sent as they were checked or not at all: a file
    that changed meanwhile fails its upload, and is named."""
    try:
        return run.hub.commit(
            operations, branch, head, content.summary, content.description, sent=sent
        )
    except (HfgitError, RuntimeError) as e:
        moved = [p.path_in_repo for p in content.files if _moved(p)]
        if not moved and not isinstance(e, ContentChangedError):
            raise
        what = ", ".join(moved) or str(e).split(" changed")[0]
        message = (
            f"{content.tag}: {what} changed while {content.tag} was being published: nothing of "
            "it is on the Hub; the model folder no longer holds what was checked"
        )
        publishstate.refuse(run.project, content.tag, message)
        raise ContentChangedError(message) from e


def _count_sent(run: _Run, outcome: Outcome, sent: Sent) -> None:
    """The bytes the version's upload sent, where it measured them (Xet); over Xet unmeasured,
    the files' sizes are an upper bound, and the outcome says so."""
    if sent.measured is not None:
        outcome.transferred = sent.measured
    elif sent.unmeasured:
        note = "bytes sent over Xet not measured: 'sent' counts the new and changed files whole"
        outcome.warnings = [*outcome.warnings, note]
        run.say(f"warning: {outcome.tag}: {note}")


def _moved(payload: Payload) -> bool:
    """A file of the version whose stat is not what it was when its hashes were checked."""
    if payload.stamp is None or not isinstance(payload.source, Path):
        return False
    try:
        return stamp_of(payload.source) != payload.stamp
    except OSError:
        return True


def _branch_start(hub: Hub, catalog: Catalog, step: PublishStep) -> str | None:
    """Where the version's branch starts when it does not exist yet: a line branch at the
    highest Hub version below the version (that line's previous one, else the nearest lower
    one), else at main's first commit; never at a commit of a higher version."""
    refs = catalog.refs
    if refs is None or step.branch == MAIN:
        return refs.branches.get(MAIN) if refs else None
    below = branch_base(step.version, [v.tag for v in catalog.versions])
    found = catalog.get(below) if below else None
    if found is not None:
        return found.hub_commit
    first = None
    for commit in hub.commits(MAIN):
        first = commit.id
    return first
