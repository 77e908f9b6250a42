"""Webhook notifications after each publish, and local backups before --force moves a Hub tag."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from drivers import MODEL

from hfgit import backup, notify
from hfgit.config import NotifyConfig

MODEL_REPO = "alice/mcp-finetuned-model"


class Receiver:
    """A local webhook endpoint: records JSON bodies, answers with `status`."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        self.hits = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.hits += 1
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-path-abc"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    # a short poll interval: shutdown() returns as soon as the loop looks, not after 0.5 s
    thread = threading.Thread(
        target=r.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def enable_webhook(training_repo, url: str, retries: int = 1) -> None:
    training_repo.edit_detail(
        'notifications:\n  enabled: false\n  webhook_url: ""',
        f'notifications:\n  enabled: true\n  webhook_url: "{url}"\n  timeout: 2\n  retries: {retries}',
    )


def test_each_publish_posts_a_json_webhook(training_repo, receiver):
    enable_webhook(training_repo, receiver.url)
    training_repo.train()
    urls = training_repo.manager().sync_training_workflow(MODEL, "baseline", "v1.0.0")
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    assert body["event"] == "hfgit.version.published"
    assert body["version"] == "v1.0.0" and body["repo_id"] == MODEL_REPO
    assert (body["action"], body["branch"]) == ("publish", "main")
    assert body["url"] == urls["model_url"]
    assert body["git_commit"] == training_repo.git("rev-parse", "HEAD")
    assert body["metrics"] == {"accuracy": 0.91, "loss": 0.3}
    assert body["experiment"] == "baseline"
    assert len(body["hub_commit"]) == 40


def test_a_skipped_version_sends_no_webhook(training_repo, receiver):
    enable_webhook(training_repo, receiver.url)
    training_repo.train()
    manager = training_repo.manager()
    manager.upload_model(MODEL, "v1.0.0")
    manager.upload_model(MODEL, "v1.0.0")
    assert receiver.hits == 1


def test_a_failing_webhook_never_fails_the_publish(training_repo, receiver):
    receiver.status = 500
    enable_webhook(training_repo, receiver.url, retries=0)
    training_repo.train()
    result = training_repo.run("upload-model", "--model-path", MODEL, "--version-tag", "v1.0.0")
    assert result.code == 0, result.err
    assert receiver.hits == 1
    assert "webhook http://127.0.0.1:" in result.err and "HTTP 500" in result.err
    assert "secret-path-abc" not in result.err  # the path of a webhook URL may be a secret
    assert "v1.0.0" in {t.name for t in training_repo.api.list_repo_refs(MODEL_REPO).tags}


def test_a_failing_webhook_is_retried_after_growing_pauses_then_reported(receiver):
    receiver.status = 500
    said: list[str] = []
    pauses: list[float] = []
    config = NotifyConfig(webhook_url=receiver.url, timeout=2, retries=2)
    assert notify.send(config, {"version": "v1"}, said.append, pauses.append) is False
    assert receiver.hits == 3  # one try + two retries
    assert pauses == [notify.RETRY_PAUSE, 2 * notify.RETRY_PAUSE]
    assert len(said) == 1 and "failed after 3 attempt(s) (HTTP 500)" in said[0]
    assert "secret-path-abc" not in said[0]


def test_a_webhook_that_recovers_on_retry_is_not_reported(receiver):
    receiver.status = 500
    said: list[str] = []

    def pause(seconds: float) -> None:
        receiver.status = 200  # the receiver is back by the next attempt

    config = NotifyConfig(webhook_url=receiver.url, timeout=2, retries=2)
    assert notify.send(config, {"version": "v1"}, said.append, pause) is True
    assert receiver.hits == 2
    assert said == []


def test_an_unreachable_webhook_gives_up_quietly():
    said: list[str] = []
    config = NotifyConfig(webhook_url="http://127.0.0.1:9/hook?token=xyz", timeout=1, retries=0)
    assert notify.send(config, {"version": "v1"}, said.append) is False
    assert len(said) == 1 and "token=xyz" not in said[0]


def test_force_moving_a_tag_backs_up_the_previous_revision_first(training_repo):
    training_repo.edit_detail(
        'backup:\n  enabled: false\n  local_backup_dir: "./backups"\n  keep_backups: 5',
        'backup:\n  enabled: true\n  local_backup_dir: "./backups"\n  keep_backups: 2',
    )
    manager = training_repo.manager()
    first = training_repo.train(seed=b"first")
    old_weights = (first / "model.safetensors").read_bytes()
    manager.upload_model(MODEL, "v1.0.0")
    old_commit = training_repo.git("rev-parse", "HEAD")
    repo_dir = training_repo.root / "backups" / "alice" / "mcp-finetuned-model"
    for round_ in range(3):
        training_repo.commit(f"fix: retrain {round_}")
        training_repo.git("tag", "-f", "-a", "v1.0.0", "-m", "moved")
        training_repo.train(seed=b"again")
        manager.upload_model(MODEL, "v1.0.0", force=True)
        if round_ == 0:
            saved = backup.backups(repo_dir)
            assert len(saved) == 1 and saved[0].name.startswith("v1.0.0-")
            assert (saved[0] / "model.safetensors").read_bytes() == old_weights
            meta = json.loads((saved[0] / "experiment_metadata.json").read_text())
            assert meta["git_commit"] == old_commit
    assert len(backup.backups(repo_dir)) == 2  # keep_backups


def test_without_backups_enabled_a_forced_move_saves_nothing(training_repo):
    manager = training_repo.manager()
    training_repo.train()
    manager.upload_model(MODEL, "v1.0.0")
    training_repo.commit("fix: retrain")
    training_repo.git("tag", "-f", "-a", "v1.0.0", "-m", "moved")
    training_repo.train()
    manager.upload_model(MODEL, "v1.0.0", force=True)
    assert not (training_repo.root / "backups").exists()


def test_prune_keeps_the_newest_backups(tmp_path: Path):
    for stamp in ("20240101-000000-000001", "20240301-000000-000000", "20240201-000000-000000"):
        (tmp_path / f"v1.0.0-{stamp}").mkdir()
    (tmp_path / "unrelated").mkdir()
    removed = backup.prune(tmp_path, keep=2)
    assert [p.name for p in removed] == ["v1.0.0-20240101-000000-000001"]
    assert [p.name for p in backup.backups(tmp_path)] == [
        "v1.0.0-20240201-000000-000000",
        "v1.0.0-20240301-000000-000000",
    ]
    assert (tmp_path / "unrelated").is_dir()
