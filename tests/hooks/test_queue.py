"""The durable queue and the report `git hf status` shows; the fallback for old git."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hookhelpers import Repo

from hfgit import hooks
from hfgit.hooks import gitcli, queue, worker


def test_forget_and_queue_report_never_raise_when_nothing_exists(tmp_path: Path) -> None:
    queue.forget(tmp_path / "no-such-git-dir", ["v1.0.0", "../evil", ""])
    report = hooks.queue_report(tmp_path / "no-such-git-dir")
    assert report == {
        "installed": False,
        "queued": [],
        "entries": [],
        "refused": {},
        "last_error": None,
        "last_error_at": None,
        "last_error_tags": [],
        "log": str(tmp_path / "no-such-git-dir" / "hfgit" / "hook.log"),
    }


def test_queue_keeps_tags_until_forgotten_and_records_the_last_error(tmp_path: Path) -> None:
    queue.enqueue(tmp_path, "v1.0.0", "a" * 40)
    queue.enqueue(tmp_path, "v1.1.0")
    queue.enqueue(tmp_path, "bad/name")  # never a version tag: refused
    assert queue.queued(tmp_path) == ["v1.0.0", "v1.1.0"]
    queue.record_error(
        tmp_path, "publishing v1.1.0 failed: token hf_abcdefghijklmnop rejected", ["v1.1.0"]
    )
    report = hooks.queue_report(tmp_path)
    assert report["queued"] == ["v1.0.0", "v1.1.0"]
    assert report["last_error"] == "publishing v1.1.0 failed: token *** rejected"
    assert (
        isinstance(report["last_error_at"], str)
        and "hf_abc" not in queue.log_path(tmp_path).read_text()
    )
    queue.forget(tmp_path, ["v1.0.0"])
    assert queue.queued(tmp_path) == ["v1.1.0"]
    assert not [
        p for p in queue.queue_dir(tmp_path).iterdir() if p.name.startswith(".")
    ]  # no temp files


def test_queue_report_sees_installed_hooks(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    assert hooks.queue_report(repo.git_dir)["installed"] is True
    repo.hf("hooks", "uninstall")
    assert hooks.queue_report(repo.git_dir)["installed"] is False


def test_old_git_falls_back_to_pre_push_only(
    make_repo: Callable[..., Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(install=False)
    monkeypatch.setattr(gitcli, "version", lambda: (2, 27))
    messages = hooks.install(repo.path)
    assert "older than 2.28" in messages[0]
    assert not (repo.git_dir / "hooks" / "reference-transaction").exists()
    assert hooks.is_ours(repo.git_dir / "hooks" / "pre-push")
    repo.configure("http://127.0.0.1:9", repo_id="alice/work", hooks="  pre_push: 'off'\n")
    hooks.install(repo.path)  # publishing on push is then the only automatic path: keep pre-push
    assert hooks.is_ours(repo.git_dir / "hooks" / "pre-push")


def test_hook_command_failures_are_recorded_not_raised(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    (repo.path / ".hfgit.yaml").write_text("repo_id: [not, a, string]\nmodel_dir: model\n")
    done = repo.hf("hook", "post-commit", check=False)
    assert done.returncode == 0 and "post-commit hook failed" in done.stderr
    assert "repo_id must be" in str(hooks.queue_report(repo.git_dir)["last_error"])


def test_a_failed_publish_is_retried_after_the_configured_waits_then_recorded(
    make_repo: Callable[..., Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(install=False)  # the Hub endpoint is a closed port
    repo.git("tag", "v1.0.0")
    monkeypatch.setenv(worker.ENV_RETRY_DELAYS, "0.5,2")
    queue.enqueue(repo.git_dir, "v1.0.0")
    waits: list[float] = []
    verdict = worker.publish(repo.path, repo.git_dir, "v1.0.0", sleep=waits.append)
    assert verdict == worker.WAITING and waits == [0.5, 2.0]
    assert "publishing v1.0.0 (try 3 of 3)" in repo.log()
    report = hooks.queue_report(repo.git_dir)
    assert "publishing v1.0.0 failed: cannot reach" in str(report["last_error"])
    assert report["entries"] == [
        {
            "tag": "v1.0.0",
            "sha": None,
            "state": "waiting",
            "error": report["entries"][0]["error"],
            "at": report["entries"][0]["at"],
        }
    ]
    assert report["entries"][0]["error"].startswith("cannot reach the Hub at http://127.0.0.1:9")


def test_retry_waits_default_to_the_backoff_when_not_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(worker.ENV_RETRY_DELAYS, raising=False)
    assert worker.retry_delays() == worker.RETRY_DELAYS
    monkeypatch.setenv(worker.ENV_RETRY_DELAYS, "not,numbers")
    assert worker.retry_delays() == worker.RETRY_DELAYS
