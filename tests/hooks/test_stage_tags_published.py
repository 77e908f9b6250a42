"""A stage tag made with `git tag` (what `gto assign` and `gto deprecate` do) is published in
the background like a version tag: the shim lets the model's `LABEL#STAGE#N` through, and the
worker pushes the version it names, which publishes the pending stages after it. Other
stage tags start no Python, and the hook path stays light."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hookhelpers import BIN, Repo, hub_tags, wait_for, worker_idle
from test_hook_imports import heavy, imported

REPO = "alice/staged"


def _branches(hub: Any) -> dict[str, str]:
    return {b.name: b.target_commit for b in hub.api().list_repo_refs(REPO).branches}


def _published(hub: Any, make_repo: Callable[..., Repo]) -> Repo:
    repo = make_repo("staged", hub=hub)
    repo.git("tag", "v1.0.0")
    wait_for(lambda: "v1.0.0" in hub_tags(hub, REPO), what="v1.0.0 on the Hub")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    return repo


def test_a_stage_tag_made_like_gto_assign_is_published_in_the_background(
    hub: Any, make_repo: Callable[..., Repo]
) -> None:
    repo = _published(hub, make_repo)

    repo.git(
        "tag",
        "-a",
        "staged#production#1",
        "-m",
        "Assigning stage production to artifact staged version v1.0.0",
    )

    wait_for(lambda: "production" in _branches(hub), what="the production branch")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    tags = {t.name: t.target_commit for t in hub.api().list_repo_refs(REPO).tags}
    assert _branches(hub)["production"] == tags["v1.0.0"]
    assert "stage tag created: staged#production#1" in repo.log()
    assert repo.queue() == []
    stages = repo.hf("stages", "--json")
    assert '"hub": "published"' in stages.stdout

    repo.git(
        "tag",
        "-a",
        "staged#production!#2",
        "-m",
        "Unassigning stage production from artifact staged version v1.0.0",
    )

    wait_for(lambda: "production" not in _branches(hub), what="the branch deleted")


def test_a_stage_tag_of_another_artifact_starts_no_python(
    hub: Any, make_repo: Callable[..., Repo], recorder: Callable[[Repo], Path]
) -> None:
    repo = _published(hub, make_repo)
    calls = recorder(repo)

    repo.git("tag", "-a", "other#production#1", "-m", "Assigning stage production to other")
    repo.git("tag", "-a", "staged#staging#1", "-m", "Assigning stage staging to staged")

    # no version named: the highest on the tagged commit
    wait_for(lambda: "staging" in _branches(hub), what="the staging branch")
    wait_for(lambda: worker_idle(repo), what="the worker to finish")
    said = calls.read_text()
    assert "hook reference-transaction staged#staging#1" in said
    assert "other#" not in said


def test_the_stage_tag_hook_path_imports_no_heavy_library(
    hub: Any, make_repo: Callable[..., Repo], tmp_path: Path
) -> None:
    repo = _published(hub, make_repo)
    bindir, log, done = tmp_path / "importtime-bin", tmp_path / "importtime.txt", tmp_path / "done"
    bindir.mkdir()
    program = "import sys\nfrom hfgit.cli import main\nsys.exit(main())"
    wrapper = bindir / "git-hf"
    wrapper.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = hook ] && [ "$2" = reference-transaction ]; then\n'
        f'  "{sys.executable}" -X importtime -c \'{program}\' "$@" 2>>"{log}"\n'
        f'  echo done >>"{done}"\n'
        "  exit 0\n"
        "fi\n"
        f'exec "{BIN / "git-hf"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    repo.env["PATH"] = f"{bindir}:{repo.env['PATH']}"

    repo.git(
        "tag",
        "-a",
        "staged#staging#1",
        "-m",
        "Assigning stage staging to artifact staged version v1.0.0",
    )

    wait_for(done.exists, what="the hook process to exit")
    modules = imported(log.read_text())
    assert {"hfgit.hooks.run", "hfgit.stagetags"} <= modules
    assert heavy(modules) == set()
