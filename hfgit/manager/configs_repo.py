"""The tutorial's configs repository (`{username}/{model_name}-configs`).

A model repo unless `repository.config_repo_type: dataset` says otherwise.

Each experiment gets a folder: `<experiment>/config.yaml`, `<experiment>/metadata.json` and
`<experiment>/results/...`, one Hub commit per upload. Model versions stay in the model repo."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from hfgit.effects import Say
from hfgit.errors import HfgitError, UsageError
from hfgit.gitrepo import GitRepo
from hfgit.hub import Hub, Upload, connect
from hfgit.manager.settings import Settings
from hfgit.manager.workflow import retrying
from hfgit.secrets import redact

BRANCH = "main"
_NAME_RE = re.compile(r"[A-Za-z0-9][\w.-]{0,95}")


class ConfigsRepo:
    """Uploads to the configs repository of one manager."""

    def __init__(self, settings: Settings, say: Say) -> None:
        self.settings = settings
        self.repo_id = settings.configs_repo_id
        self._say = say

    @contextlib.contextmanager
    def hub(self) -> Iterator[Hub]:
        settings = self.settings
        with connect(settings.config.endpoint, self.repo_id, settings.configs_repo_type) as hub:
            yield hub

    def ensure(self, hub: Hub, private: bool) -> None:
        if hub.ensure_repo(private):
            self._say(f"created {'private' if private else 'public'} configs repo {hub.repo_url}")

    def upload_config(
        self, config_data: dict[str, Any], experiment: str, repo: GitRepo | None, private: bool
    ) -> str:
        """`<experiment>/config.yaml` + `<experiment>/metadata.json`; returns the folder URL."""
        check_name(experiment)
        text = yaml.safe_dump(config_data, sort_keys=False, allow_unicode=True)
        meta = _config_metadata(config_data, experiment, repo, self.settings.config.repo_id)
        files = [
            Upload(f"{experiment}/config.yaml", redact(text).encode()),
            Upload(f"{experiment}/metadata.json", (json.dumps(meta, indent=2) + "\n").encode()),
        ]
        return self._commit(files, experiment, "config", experiment, private)

    def upload_results(self, results_path: Path, experiment: str, private: bool) -> str:
        """A results file or folder under `<experiment>/results/`; returns that folder's URL."""
        check_name(experiment)
        prefix = f"{experiment}/results"
        if results_path.is_file():
            files = [Upload(f"{prefix}/{results_path.name}", results_path)]
        elif results_path.is_dir():
            files = [
                Upload(f"{prefix}/{p.relative_to(results_path).as_posix()}", p)
                for p in sorted(results_path.rglob("*"))
                if p.is_file() and not p.is_symlink() and ".git" not in p.parts
            ]
        else:
            raise HfgitError(f"results {results_path} do not exist: pass a file or a folder")
        if not files:
            raise HfgitError(f"results folder {results_path} is empty: nothing to upload")
        return self._commit(files, prefix, "results", experiment, private)

    def _commit(
        self, files: list[Upload], folder: str, item: str, experiment: str, private: bool
    ) -> str:
        summary = self._message(item, experiment)

        def attempt() -> str:
            with self.hub() as hub:
                if self.settings.auto_create:
                    self.ensure(hub, private)
                hub.commit(list(files), BRANCH, None, summary, "")
                return f"{hub.repo_url}/tree/{BRANCH}/{quote(folder)}"

        url = retrying(attempt, self.settings, self._say)
        self._say(f"uploaded {item} of {experiment} to {url}")
        return url

    def _message(self, item: str, experiment: str) -> str:
        template = self.settings.commit_message_template
        try:
            return template.format(item_type=item, experiment_name=experiment)
        except (KeyError, IndexError, ValueError):
            return f"Upload {item} for {experiment}"


def check_name(experiment: str) -> None:
    if not _NAME_RE.fullmatch(experiment) or ".." in experiment:
        raise UsageError(
            f"experiment name {experiment!r} must be letters, digits, '_', '-' or '.' (it names a folder)"
        )


def _config_metadata(
    config_data: dict[str, Any], experiment: str, repo: GitRepo | None, model_repo: str
) -> dict[str, Any]:
    def section(name: str) -> Any:
        value = config_data.get(name)
        return value if isinstance(value, dict) else {}

    model = section("model")
    return {
        "experiment_name": experiment,
        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model_name": model.get("name", "unknown"),
        "model_repo": model_repo,
        "git_commit": repo.head_commit() if repo else None,
        "git_branch": repo.current_branch() if repo else None,
        "training_params": section("training"),
        "data_params": section("data"),
        "output_params": section("output"),
    }
