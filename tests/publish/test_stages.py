"""Stages end to end: `git hf promote/demote/stages` record stage tags in git and move a Hub
branch per stage, which `hf_hub_download(revision=STAGE)` and `snapshot_download` follow."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import hf_hub_download, snapshot_download
from huggingface_hub.errors import RevisionNotFoundError

from hfgit import stagetags

REPO = "alice/tool-caller"
DOWN = "http://127.0.0.1:9"  # nothing listens there: the Hub cannot be reached


def _release(ws: Any, tag: str, files: dict[str, bytes], drop: tuple[str, ...] = ()) -> None:
    """Train (write the model folder), tag and publish one version."""
    for name in drop:
        (ws.root / "model" / name).unlink()
    for name, data in files.items():
        ws.write(f"model/{name}", data)
    ws.commit(f"feat: {tag}")
    ws.tag(tag)
    result = ws.run("push", tag)
    assert result.code == 0, result.err


def _snapshot(ws: Any, revision: str, tmp: Path) -> dict[str, bytes]:
    folder = snapshot_download(
        REPO,
        revision=revision,
        endpoint=ws.hub.url,
        token=ws.hub.tokens["alice"],
        cache_dir=tmp / "cache",
    )
    root = Path(folder)
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }


def _download(ws: Any, filename: str, revision: str, tmp: Path) -> bytes:
    path = hf_hub_download(
        REPO,
        filename,
        revision=revision,
        endpoint=ws.hub.url,
        token=ws.hub.tokens["alice"],
        cache_dir=tmp / "cache",
    )
    return Path(path).read_bytes()


@pytest.fixture
def two_versions(workspace: Any) -> Any:
    """v1.0.0 with an extra file, v1.1.0 without it and with other weights, both on the Hub."""
    _release(workspace, "v1.0.0", {"extra.txt": b"only in v1.0.0\n"})
    _release(workspace, "v1.1.0", {"model.safetensors": os.urandom(200 * 1024)}, ("extra.txt",))
    return workspace


def _branches(ws: Any) -> dict[str, str]:
    return {b.name: b.target_commit for b in ws.api.list_repo_refs(REPO).branches}


def _stages(ws: Any) -> dict[str, Any]:
    result = ws.run("stages", "--json")
    assert result.code == 0, result.err
    return {row["stage"]: row for row in result.json}


def test_promote_repromote_and_demote_move_what_revision_stage_downloads(
    two_versions: Any, tmp_path: Path, hub_requests: list[str]
) -> None:
    ws = two_versions

    first = ws.run("promote", "v1.0.0", "production", "-m", "passed the holdout set")
    assert first.code == 0, first.err
    assert _snapshot(ws, "production", tmp_path / "a") == _snapshot(ws, "v1.0.0", tmp_path / "b")
    assert _download(ws, "extra.txt", "production", tmp_path / "c") == b"only in v1.0.0\n"
    old_card = _download(ws, "README.md", "production", tmp_path / "shared")
    assert old_card == _download(ws, "README.md", "v1.0.0", tmp_path / "h")
    assert _stages(ws)["production"]["version"] == "v1.0.0"
    assert _stages(ws)["production"]["hub"] == "published"

    hub_requests.clear()
    second = ws.run("promote", "--json", "v1.1.0", "production")
    assert second.code == 0, second.err
    assert second.json["hub"] == "published"
    assert second.json["deleted"] == ["extra.txt"]
    assert "model.safetensors" in second.json["copied"]
    assert not [r for r in hub_requests if r.startswith("PUT ")]  # LFS bytes not sent again
    stage = _snapshot(ws, "production", tmp_path / "d")
    assert stage == _snapshot(ws, "v1.1.0", tmp_path / "e")
    assert "extra.txt" not in stage
    weights = _download(ws, "model.safetensors", "production", tmp_path / "f")
    card = _download(ws, "README.md", "production", tmp_path / "shared")  # a cache that knew it
    assert card == _download(ws, "README.md", "v1.1.0", tmp_path / "i") != old_card
    assert weights == (ws.root / "model" / "model.safetensors").read_bytes()
    commits = ws.api.list_repo_commits(REPO, revision="production")
    assert "Hfgit-Stage-Version: v1.1.0" in commits[0].message
    tags = {t.name: t.target_commit for t in ws.api.list_repo_refs(REPO).tags}
    assert commits[1].commit_id == tags["v1.0.0"]  # moved by a commit, not made anew

    demoted = ws.run("demote", "production")
    assert demoted.code == 0, demoted.err
    with pytest.raises(RevisionNotFoundError):
        _download(ws, "config.json", "production", tmp_path / "g")
    assert "production" not in _stages(ws)
    names = [t.name for t in stagetags.read(ws.root)]
    assert names == [
        "tool-caller#production#1",
        "tool-caller#production#2",
        "tool-caller#production!#3",
    ]


def test_history_says_who_promoted_which_version_when_and_why(two_versions: Any) -> None:
    ws = two_versions
    assert ws.run("promote", "v1.0.0", "staging", "-m", "first look").code == 0
    assert ws.run("promote", "v1.1.0", "staging").code == 0
    assert ws.run("demote", "staging", "-m", "rolled back").code == 0

    result = ws.run("stages", "--history", "--json")

    assert result.code == 0, result.err
    rows = [(r["action"], r["version"], r["by"], r["message"]) for r in result.json]
    who = "Test Author <author@example.com>"
    assert rows == [
        ("promote", "v1.0.0", who, "first look"),
        ("promote", "v1.1.0", who, None),
        ("demote", "v1.1.0", who, "rolled back"),
    ]
    table = ws.run("stages", "--history").out
    assert "first look" in table and "rolled back" in table


def test_an_offline_promotion_is_tagged_and_published_by_the_next_push(
    two_versions: Any, tmp_path: Path
) -> None:
    ws = two_versions

    offline = ws.run("promote", "--endpoint", DOWN, "v1.1.0", "production")

    assert offline.code == 0, offline.err
    assert "git hf push" in offline.err
    assert [t.name for t in stagetags.read(ws.root)] == ["tool-caller#production#1"]
    assert "production" not in {b.name for b in ws.api.list_repo_refs(REPO).branches}
    assert _stages(ws)["production"]["hub"] == "pending"
    status = ws.run("status", "--json")
    assert status.json["stages_pending"] == [
        {"model": "tool-caller", "stage": "production", "version": "v1.1.0", "action": "promote"}
    ]
    assert "stage production to v1.1.0: pending" in ws.run("status").out
    assert ws.run("status", "--check").code == 1

    pushed = ws.run("push")

    assert pushed.code == 0, pushed.err
    assert _snapshot(ws, "production", tmp_path / "a") == _snapshot(ws, "v1.1.0", tmp_path / "b")
    assert _stages(ws)["production"]["hub"] == "published"
    assert ws.run("status", "--json").json["stages_pending"] == []
    assert ws.run("status", "--check").code == 0
    log = ws.run("log", "--json").json
    assert {r["version"]: r["stages"] for r in log} == {"v1.1.0": ["production"], "v1.0.0": []}
    table = ws.run("log").out.splitlines()
    assert table[0].split()[-1] == "STAGES" and table[1].split()[-1] == "production"


def test_a_dry_run_says_what_would_move_and_changes_nothing(two_versions: Any) -> None:
    ws = two_versions
    assert ws.run("promote", "v1.0.0", "production").code == 0

    result = ws.run("promote", "--dry-run", "v1.1.0", "production")

    assert result.code == 0, result.err
    assert "tool-caller#production#2" in result.out
    assert "delete  extra.txt" in result.out
    assert len(stagetags.read(ws.root)) == 1
    assert _stages(ws)["production"]["version"] == "v1.0.0"


def test_stage_tags_made_by_gto_are_read_and_published(two_versions: Any, tmp_path: Path) -> None:
    ws = two_versions
    first, second = ws.git("rev-parse", "v1.0.0^{}"), ws.git("rev-parse", "v1.1.0^{}")
    gto = "Assigning stage '{}' to artifact 'tool-caller' version '{}'"
    ws.git("tag", "-a", "tool-caller#prod#1", first, "-m", gto.format("prod", "v1.0.0"))
    ws.git("tag", "-a", "tool-caller#dev#1", first, "-m", gto.format("dev", "v1.0.0"))
    ws.git("tag", "-a", "tool-caller#dev!#2", first, "-m", "Unassigning stage 'dev'")
    ws.git("tag", "-a", "tool-caller#staging", second, "-m", "no version named here")
    ws.git("tag", "-a", "other-model#prod#1", second, "-m", gto.format("prod", "v1.1.0"))
    ws.git("tag", "-a", "tool-caller#main#1", first, "-m", gto.format("main", "v1.0.0"))
    root = ws.git("rev-list", "--max-parents=0", "HEAD")
    ws.git("tag", "-a", "tool-caller#qa#1", root, "-m", "no version on that commit")
    main = _branches(ws)["main"]

    listed = _stages(ws)

    assert {s: (r["version"], r["hub"]) for s, r in listed.items()} == {
        "prod": ("v1.0.0", "pending"),
        "staging": ("v1.1.0", "pending"),
        "main": ("v1.0.0", "ignored"),  # never mirrored: main holds the highest version
    }
    assert ws.run("push").code == 0
    assert _branches(ws)["main"] == main and "qa" not in _branches(ws)
    assert _snapshot(ws, "prod", tmp_path / "a") == _snapshot(ws, "v1.0.0", tmp_path / "b")
    assert _snapshot(ws, "staging", tmp_path / "c") == _snapshot(ws, "v1.1.0", tmp_path / "d")
    assert ws.run("promote", "v1.1.0", "prod").code == 0
    assert stagetags.read(ws.root)[-1].name == "tool-caller#prod#3"  # N counts over stages


def test_a_stage_moved_elsewhere_is_not_overwritten(two_versions: Any, monkeypatch: Any) -> None:
    """Another repository promoted meanwhile: the commit made with parent_commit is refused
    (412), the branch is read again, and its unknown stage tag stops the promotion."""
    from hfgit.hub import stages as hub_stages

    ws = two_versions
    assert ws.run("promote", "v1.0.0", "production").code == 0
    real = hub_stages.plan_move

    def raced(hub: Any, head: str, version_commit: str) -> Any:
        planned = real(hub, head, version_commit)
        ws.api.upload_file(
            path_or_fileobj=b"theirs",
            path_in_repo="theirs.txt",
            repo_id=REPO,
            revision="production",
            commit_message="Promote v1.1.0 to production",
            commit_description="Hfgit-Stage-Version: v1.1.0\nHfgit-Stage-Tag: tool-caller#production#7",
        )
        monkeypatch.setattr(hub_stages, "plan_move", real)
        return planned

    monkeypatch.setattr(hub_stages, "plan_move", raced)

    result = ws.run("promote", "v1.1.0", "production")

    assert result.code == 1
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "tool-caller#production#7" in result.err and "git fetch --tags" in result.err
    files = ws.api.list_repo_files(REPO, revision="production")
    assert "theirs.txt" in files  # their promotion stands
    assert [t.name for t in stagetags.read(ws.root)] == ["tool-caller#production#1"]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("promote", "v1.0.0", "main"), 2, "cannot be named main"),
        (("promote", "v1.0.0", "v2.0.0"), 2, "looks like a version"),
        (("promote", "v1.0.0", "v1.0.x"), 2, "looks like a version"),
        (("promote", "v1.0.0", "1.0.0"), 2, "looks like a version"),
        (("promote", "v1.0.0", "Prod"), 2, "bad stage name"),
        (("promote", "v1.0.0", "a/b"), 2, "bad stage name"),
        (("promote", "v9.9.9", "production"), 1, "no version v9.9.9"),
        (("promote", "v1.2.0", "production"), 1, "`git hf push v1.2.0` first"),
        (("demote", "production"), 1, "holds no version"),
        (("demote", "main"), 2, "cannot be named main"),
        (("stages", "--model", "nope"), 2, "unknown model 'nope'"),
        (("promote", "v1.0.0"), 2, "Missing argument 'STAGE'"),
    ],
)
def test_wrong_input_is_one_clear_line(
    two_versions: Any, args: tuple[str, ...], code: int, said: str
) -> None:
    ws = two_versions
    ws.commit("feat: not pushed")
    ws.tag("v1.2.0")

    result = ws.run(*args)

    assert result.code == code, result.err
    assert said in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) <= 2
    assert stagetags.read(ws.root) == []


def test_an_offline_demotion_deletes_the_branch_at_the_next_push(two_versions: Any) -> None:
    ws = two_versions
    assert ws.run("promote", "v1.0.0", "staging").code == 0

    offline = ws.run("demote", "--endpoint", DOWN, "staging")

    assert offline.code == 0, offline.err
    assert "staging" in {b.name for b in ws.api.list_repo_refs(REPO).branches}
    assert _stages(ws)["staging"] | {"date": None} == _stages(ws)["staging"] | {
        "version": None,
        "hub": "pending",
        "date": None,
    }
    assert ws.run("push").code == 0
    assert "staging" not in {b.name for b in ws.api.list_repo_refs(REPO).branches}
    assert "staging" not in _stages(ws)


def test_promoting_the_version_a_stage_holds_makes_no_tag(two_versions: Any) -> None:
    ws = two_versions
    assert ws.run("promote", "v1.0.0", "production").code == 0

    again = ws.run("promote", "v1.0.0", "production")

    assert again.code == 0, again.err
    assert "production already holds v1.0.0; the Hub already agrees" in again.err
    assert len(stagetags.read(ws.root)) == 1
    listed = ws.run("stages").out.splitlines()
    assert listed[0].split() == ["MODEL", "STAGE", "VERSION", "SINCE", "(UTC)", "BY", "HUB"]
    assert listed[1].split()[:3] == ["tool-caller", "production", "v1.0.0"]
    assert listed[1].split()[-1] == "published"


def test_a_hub_branch_that_is_not_a_stage_is_not_taken_over(two_versions: Any) -> None:
    ws = two_versions
    ws.api.create_branch(REPO, branch="dev")
    ws.api.upload_file(
        path_or_fileobj=b"work in progress", path_in_repo="wip.txt", repo_id=REPO, revision="dev"
    )

    result = ws.run("promote", "v1.0.0", "dev")

    assert result.code == 1
    assert "Hub branch dev is not a stage" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "wip.txt" in ws.api.list_repo_files(REPO, revision="dev")
    assert stagetags.read(ws.root) == []  # refused before anything was recorded


def test_a_stage_another_clone_moved_is_refused_before_anything_is_recorded(
    two_versions: Any,
) -> None:
    ws = two_versions
    assert ws.run("promote", "v1.0.0", "production").code == 0
    ws.api.upload_file(
        path_or_fileobj=b"theirs",
        path_in_repo="theirs.txt",
        repo_id=REPO,
        revision="production",
        commit_message="Promote v1.1.0 to production",
        commit_description="Hfgit-Stage-Version: v1.1.0\nHfgit-Stage-Tag: tool-caller#production#2",
    )

    result = ws.run("demote", "production")

    assert result.code == 1
    assert "set by tool-caller#production#2 (to v1.1.0)" in result.err
    assert [t.name for t in stagetags.read(ws.root)] == ["tool-caller#production#1"]


def test_a_push_with_every_stage_published_asks_the_hub_nothing_more(
    two_versions: Any, hub_requests: list[str]
) -> None:
    ws = two_versions
    hub_requests.clear()
    assert ws.run("push").code == 0
    without = sorted(hub_requests)
    assert ws.run("promote", "v1.0.0", "production").code == 0
    assert ws.run("promote", "v1.1.0", "staging").code == 0
    assert ws.run("push").code == 0  # reads each stage's head once

    hub_requests.clear()
    assert ws.run("push").code == 0

    assert sorted(hub_requests) == without


def test_a_stage_branch_made_meanwhile_elsewhere_is_not_taken_over(
    two_versions: Any, monkeypatch: Any
) -> None:
    from hfgit.hub import stages as hub_stages

    ws = two_versions
    real = hub_stages.create
    theirs = _tags(ws)["v1.1.0"]

    def raced(hub: Any, stage: str, version_commit: str) -> str:
        ws.api.create_branch(REPO, branch=stage, revision=theirs)
        return real(hub, stage, version_commit)

    monkeypatch.setattr(hub_stages, "create", raced)

    result = ws.run("promote", "v1.0.0", "production")

    assert result.code == 1
    assert "made meanwhile by someone else" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert _branches(ws)["production"] == theirs
    assert stagetags.read(ws.root) == []  # the promotion left nothing behind


def _tags(ws: Any) -> dict[str, str]:
    return {t.name: t.target_commit for t in ws.api.list_repo_refs(REPO).tags}
