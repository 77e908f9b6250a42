"""Tag formats and endpoints."""

from __future__ import annotations

REPO = "alice/tool-caller"


def _use_format(workspace, pattern: str) -> None:  # type: ignore[no-untyped-def]
    text = (workspace.root / ".hfgit.yaml").read_text()
    workspace.write(".hfgit.yaml", text + f"tag_pattern: {pattern}\n")
    workspace.commit("chore: tag format")


def test_timestamp_tags_publish_and_order_by_time(workspace):
    _use_format(workspace, "timestamp")
    workspace.tag("v20240101-120000")
    workspace.commit("fix: x")
    workspace.tag("v20240305-090000")
    workspace.tag("v1.0.0")  # not a version under this format

    result = workspace.run("push", "--json")

    assert [o["tag"] for o in result.json] == ["v20240101-120000", "v20240305-090000"]
    assert [r["version"] for r in workspace.run("log", "--json").json] == [
        "v20240305-090000",
        "v20240101-120000",
    ]


def test_experiment_tags_publish(workspace):
    _use_format(workspace, "experiment")
    workspace.tag("exp-baseline-001")
    workspace.commit("feat: y")
    workspace.tag("exp-baseline-002")

    result = workspace.run("push", "--json")

    assert result.code == 0, result.err
    assert sorted(t.name for t in workspace.api.list_repo_refs(REPO).tags) == [
        "exp-baseline-001",
        "exp-baseline-002",
    ]
    workspace.commit("feat: z")
    assert workspace.run("bump", "patch", "--dry-run").out.strip() == "exp-baseline-003"


def test_endpoint_local_publishes_without_account_or_server(workspace, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setenv("HFGIT_DATA_DIR", str(tmp_path / "data"))
    text = (
        (workspace.root / ".hfgit.yaml")
        .read_text()
        .replace(f"endpoint: {workspace.hub.url}", "endpoint: local")
    )
    workspace.write(".hfgit.yaml", text)
    workspace.tag("v1.0.0")

    assert workspace.run("push").code == 0
    rows = workspace.run("log", "--json").json

    assert [(r["version"], r["state"]) for r in rows] == [("v1.0.0", "published")]
    assert (tmp_path / "data" / "hub").is_dir()


def test_endpoint_falls_back_to_hf_endpoint_then_huggingface_co(monkeypatch):
    from hfgit.hub import resolve_endpoint

    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert resolve_endpoint(None) == "https://huggingface.co"
    monkeypatch.setenv("HF_ENDPOINT", "http://mirror.example/")
    assert resolve_endpoint(None) == "http://mirror.example"
    assert resolve_endpoint("local") == "local"
    assert resolve_endpoint("http://explicit.example") == "http://explicit.example"


def test_older_token_variable_is_honoured(workspace, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setenv("HUGGINGFACE_TOKEN", workspace.hub.tokens["alice"])
    workspace.tag("v1.0.0")

    assert workspace.run("push").code == 0


def test_a_dataset_repository_is_versioned_the_same_way(workspace):
    text = (workspace.root / ".hfgit.yaml").read_text()
    workspace.write(".hfgit.yaml", text + "repo_type: dataset\n")
    commit = workspace.tag("v1.0.0")

    pushed = workspace.run("push")

    assert pushed.code == 0, pushed.err

    refs = workspace.api.list_repo_refs(REPO, repo_type="dataset")
    assert [t.name for t in refs.tags] == ["v1.0.0"]
    rows = workspace.run("log", "--json").json
    assert [(r["version"], r["git_commit"]) for r in rows] == [("v1.0.0", commit)]
    assert not workspace.api.repo_exists(REPO)  # no model repo of that name was made
