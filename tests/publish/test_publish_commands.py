"""log, status, pull, bump, init, record, card, validate against the embedded hub."""

from __future__ import annotations

import json
import threading

import pytest

from hfgit.project import Project
from hfgit.sync import push

REPO = "alice/tool-caller"


def test_log_lists_versions_highest_first_with_git_commits_and_state(workspace):
    c1 = workspace.tag("v1.0.0")
    workspace.commit("feat: more")
    c2 = workspace.tag("v1.1.0")
    workspace.run("push")
    workspace.git("tag", "-d", "v1.0.0")

    rows = workspace.run("log", "--json").json

    assert [(r["version"], r["git_commit"], r["state"]) for r in rows] == [
        ("v1.1.0", c2, "published"),
        ("v1.0.0", c1, "hub-only"),
    ]
    assert rows[0]["metrics"] == {"accuracy": 0.91, "f1": 0.88}
    table = workspace.run("log").out
    assert table.splitlines()[0].split() == [
        *("VERSION", "HUB", "GIT", "DATE", "(UTC)", "METRICS", "STATE")
    ]
    assert c2[:8] in table


def test_log_marks_a_local_tag_at_another_commit_as_diverged(workspace):
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.git("tag", "-d", "v1.0.0")
    workspace.commit("fix: x")
    workspace.tag("v1.0.0")

    assert workspace.run("log", "--json").json[0]["state"] == "diverged"


def test_log_limit_shows_the_highest_versions(workspace):
    for version in ("v1.0.0", "v1.0.1", "v1.1.0"):
        workspace.commit(f"fix: {version}")
        workspace.tag(version)
    workspace.run("push")

    rows = workspace.run("log", "--limit", "2", "--json").json

    assert [r["version"] for r in rows] == ["v1.1.0", "v1.0.1"]


def test_log_costs_the_same_requests_for_3_or_12_versions(workspace, hub_requests):
    def publish(versions: list[str]) -> int:
        for version in versions:
            workspace.commit(f"fix: {version}")
            workspace.tag(version)
        workspace.run("push")
        hub_requests.clear()
        assert workspace.run("log").code == 0
        return len(hub_requests)

    few = publish(["v1.0.0", "v1.0.1", "v1.0.2"])
    many = publish([f"v1.1.{i}" for i in range(9)])

    assert few == many


def test_status_shows_published_local_only_hub_only_and_diverged(workspace):
    workspace.tag("v1.0.0")
    workspace.commit("fix: a")
    workspace.tag("v1.0.1")
    workspace.commit("fix: b")
    workspace.tag("v1.0.2")
    workspace.run("push", "v1.0.0", "v1.0.1")
    workspace.git("tag", "-d", "v1.0.0")
    workspace.git("tag", "-d", "v1.0.1")
    workspace.tag("v1.0.1")  # now at HEAD, not where it was published from

    data = workspace.run("status", "--json").json

    assert {v["version"]: v["state"] for v in data["versions"]} == {
        "v1.0.2": "local-only",
        "v1.0.1": "diverged",
        "v1.0.0": "hub-only",
    }
    assert workspace.run("status").code == 0
    assert workspace.run("status", "--check").code == 1


def test_status_check_passes_when_everything_is_published(workspace):
    workspace.tag("v1.0.0")
    workspace.run("push")

    assert workspace.run("status", "--check").code == 0


def test_pull_downloads_the_version_and_verifies_provenance(workspace, tmp_path):
    workspace.tag("v1.0.0")
    workspace.run("push")

    result = workspace.run("pull", "v1.0.0", "--local-dir", str(tmp_path / "out"))

    assert result.code == 0, result.err
    assert "provenance verified" in result.err
    pulled = tmp_path / "out"
    assert (pulled / "model.safetensors").read_bytes() == (
        workspace.root / "model/model.safetensors"
    ).read_bytes()


def test_pull_refuses_a_version_whose_provenance_does_not_match_the_local_tag(workspace, tmp_path):
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.git("tag", "-d", "v1.0.0")
    workspace.commit("fix: local history rewritten")
    workspace.tag("v1.0.0")

    result = workspace.run("pull", "v1.0.0", "--local-dir", str(tmp_path / "out"))

    assert result.code == 1
    assert "published from git" in result.err and "local tag points at" in result.err


def test_pull_takes_hf_names_revision_and_the_old_dir_alias(workspace, tmp_path):
    workspace.tag("v1.0.0")
    workspace.run("push")

    by_revision = workspace.run("pull", "--revision", "v1.0.0", "--dir", str(tmp_path / "old"))

    assert by_revision.code == 0, by_revision.err
    assert by_revision.out.strip() == str(tmp_path / "old")
    assert (tmp_path / "old" / "model.safetensors").is_file()
    assert "--dir" not in workspace.run("pull", "-h").out  # the old name still works, unlisted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name the version to download"),
        (("v1.0.0", "--revision", "v2.0.0"), "VERSION v1.0.0 and --revision v2.0.0 differ"),
        (("v1.0.0", "--local-dir", "a", "--dir", "b"), "--dir is the old name of --local-dir"),
    ],
)
def test_pull_refuses_an_ambiguous_command_line(workspace, args, message):
    result = workspace.run("pull", *args)

    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_card_takes_the_version_as_revision(workspace):
    workspace.tag("v1.0.0")

    by_argument = workspace.run("card", "v1.0.0")
    by_revision = workspace.run("card", "--revision", "v1.0.0")

    assert by_revision.code == 0, by_revision.err
    assert by_revision.out == by_argument.out
    assert "v1.0.0" in by_revision.out


def test_bump_creates_the_next_annotated_tag(workspace):
    workspace.tag("v1.2.0")
    workspace.commit("feat: next")

    assert workspace.run("bump", "minor", "--dry-run").out.strip() == "v1.3.0"
    assert "v1.3.0" not in workspace.git("tag")
    assert workspace.run("bump", "minor").out.strip() == "v1.3.0"
    assert workspace.git("cat-file", "-t", "v1.3.0") == "tag"
    workspace.commit("feat!: next major")
    assert workspace.run("bump", "major", "--pre", "rc", "--dry-run").out.strip() == "v2.0.0-rc.1"


def test_bump_auto_follows_conventional_commits(workspace):
    workspace.tag("v1.2.0")
    workspace.commit("fix: off by one")
    assert workspace.run("bump", "auto", "--dry-run").out.strip() == "v1.2.1"
    workspace.commit("feat: new tool schema")
    assert workspace.run("bump", "auto", "--dry-run").out.strip() == "v1.3.0"
    workspace.commit("feat!: drop the old prompt format")
    assert workspace.run("bump", "auto", "--dry-run").out.strip() == "v2.0.0"


def test_bump_auto_without_a_releasing_commit_is_refused(workspace):
    workspace.tag("v1.2.0")
    workspace.commit("docs: readme")

    result = workspace.run("bump", "auto")

    assert result.code == 2
    assert "implies a release" in result.err


def test_bump_push_publishes_the_new_version(workspace):
    workspace.tag("v1.2.0")
    workspace.commit("fix: x")

    result = workspace.run("bump", "patch", "--push")

    assert result.code == 0, result.err
    assert "v1.2.1" in [t.name for t in workspace.api.list_repo_refs(REPO).tags]


def test_init_writes_a_valid_commented_config_and_refuses_to_overwrite(workspace):
    (workspace.root / ".hfgit.yaml").unlink()

    created = workspace.run(
        "init", "--repo-id", "alice/new-model", "--model-dir", "out", "--no-hooks"
    )

    assert created.code == 0, created.err
    text = (workspace.root / ".hfgit.yaml").read_text()
    assert "repo_id: alice/new-model" in text and text.count("#") > 5
    assert workspace.run("validate").code == 0
    refused = workspace.run("init", "--repo-id", "alice/other", "--no-hooks")
    assert refused.code == 1 and "--force" in refused.err
    assert workspace.run("init", "--repo-id", "alice/other", "--no-hooks", "--force").code == 0


def test_init_rejects_an_invalid_repo_id(workspace):
    (workspace.root / ".hfgit.yaml").unlink()

    result = workspace.run("init", "--repo-id", "no-namespace", "--no-hooks")

    assert result.code == 2
    assert not (workspace.root / ".hfgit.yaml").exists()


def test_record_stamps_the_model_folder_with_head(workspace):
    workspace.write("params.json", json.dumps({"lr": 1e-4}))
    workspace.write("metrics.json", json.dumps({"accuracy": 0.9}))
    head = workspace.git("rev-parse", "HEAD")

    result = workspace.run(
        "record", "--params", "params.json", "--metrics", "metrics.json", "--name", "run-7"
    )

    assert result.code == 0, result.err
    meta = json.loads((workspace.root / "model/experiment_metadata.json").read_text())
    assert meta["git_commit"] == head
    assert meta["git_dirty"] is False
    assert meta["training_params"] == {"lr": 1e-4}
    assert meta["eval_results"] == {"accuracy": 0.9}
    assert meta["experiment_name"] == "run-7"


def test_card_prints_the_card_a_version_would_publish(workspace):
    workspace.tag("v1.0.0")

    result = workspace.run("card")

    assert result.code == 0, result.err
    assert result.out.startswith("---\n")
    assert 'revision="v1.0.0"' in result.out


def test_repo_template_is_used_for_the_card(workspace):
    workspace.write(
        "card.md.j2", "---\n{{ front_matter }}---\n# Custom {{ version }} of {{ repo_id }}\n"
    )
    workspace.write(
        ".hfgit.yaml",
        (workspace.root / ".hfgit.yaml")
        .read_text()
        .replace("card:\n", "card:\n  template: card.md.j2\n"),
    )
    workspace.commit("docs: card template")
    workspace.tag("v1.0.0")

    assert "# Custom v1.0.0 of alice/tool-caller" in workspace.run("card").out


def test_experiments_lists_name_params_and_metrics_from_commit_trailers(workspace):
    workspace.record()
    workspace.tag("v1.0.0")
    workspace.run("push")

    rows = workspace.run("experiments", "--json").json

    assert rows == [
        {
            "experiment": "lora-r16",
            "version": "v1.0.0",
            "git_commit": workspace.git("rev-parse", "v1.0.0"),
            "params": {"epochs": 3, "lr": 0.0002},
            "metrics": {"accuracy": 0.91},
        }
    ]


def test_concurrent_publishers_from_two_clones_both_land(workspace, tmp_path):
    """Two machines publishing different versions at once: parent_commit + re-plan keeps both."""
    workspace.tag("v1.0.0")
    workspace.run("push")
    workspace.commit("fix: a")
    workspace.tag("v1.0.1")
    workspace.commit("fix: b")
    workspace.tag("v1.0.2")
    other = tmp_path / "clone"
    workspace.git("clone", "-q", str(workspace.root), str(other))
    (other / "model").mkdir()
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        (other / "model" / name).write_bytes((workspace.root / "model" / name).read_bytes())
    (other / "model" / "config.json").write_text('{"other": true}')
    errors: list[BaseException] = []

    def publish(root, tag):  # type: ignore[no-untyped-def]
        try:
            push(Project.open(root), [tag])
        except BaseException as e:  # reported below, after the threads joined
            errors.append(e)

    threads = [
        threading.Thread(target=publish, args=(workspace.root, "v1.0.1")),
        threading.Thread(target=publish, args=(other, "v1.0.2")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    tags = {t.name: t.target_commit for t in workspace.api.list_repo_refs(REPO).tags}
    assert set(tags) == {"v1.0.0", "v1.0.1", "v1.0.2"}
    main = {b.name: b.target_commit for b in workspace.api.list_repo_refs(REPO).branches}["main"]
    assert main == tags["v1.0.2"]


def test_log_reads_hub_commits_once_then_only_refs(workspace, hub_requests):
    for version in ("v1.0.0", "v1.0.1"):
        workspace.commit(f"fix: {version}")
        workspace.tag(version)
    workspace.run("push")
    cache = workspace.root / ".git" / "hfgit" / "hub-commits"
    for path in cache.iterdir():
        path.unlink()  # as on a fresh clone
    hub_requests.clear()

    first = workspace.run("log", "--json").json
    cold = list(hub_requests)
    hub_requests.clear()
    second = workspace.run("log", "--json").json

    assert first == second
    assert any("/commits/" in r for r in cold)
    assert [r.split("?")[0] for r in hub_requests] == ["GET /api/models/alice/tool-caller/refs"]
