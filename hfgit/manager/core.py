"""`HuggingFaceManager`: the tutorial's Python API, on top of git tags and `git hf push`.

    from hfgit.manager import HuggingFaceManager
    manager = HuggingFaceManager("config.yaml")
    urls = manager.sync_training_workflow("./mcp_finetuned_model", "baseline", "v1.0.0")

A version is a git tag; publishing one is exactly `git hf push TAG` (hfgit.sync.push)."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hfgit.catalog import Catalog
from hfgit.constants import ENV_SKIP
from hfgit.download import pull
from hfgit.effects import Say
from hfgit.gitrepo import Tag
from hfgit.manager import workflow as wf
from hfgit.manager.configs_repo import ConfigsRepo
from hfgit.manager.mapping import section_title
from hfgit.manager.settings import Settings, load_settings
from hfgit.project import Project
from hfgit.sync import Outcome

logger = logging.getLogger("hfgit.manager")


def _log(message: str) -> None:
    level = logging.WARNING if message.startswith("warning:") else logging.INFO
    logger.log(level, message)


class HuggingFaceManager:
    """Model versions (git tags published to the model repo) plus the configs repo."""

    def __init__(self, config_path: str | Path = "config.yaml", say: Say = _log) -> None:
        self.settings: Settings = load_settings(config_path)
        self.config: dict[str, Any] = self.settings.raw  # the tutorial's `manager.config`
        self.model_repo_name = self.settings.config.repo_id
        self.config_repo_name = self.settings.configs_repo_id
        self._say = say
        self._configs = ConfigsRepo(self.settings, say)

    # --- versions ----------------------------------------------------------------------
    def sync_training_workflow(
        self,
        model_path: str | Path,
        experiment_name: str | None = None,
        version_tag: str | None = None,
        private: bool | None = None,
        force: bool = False,
    ) -> dict[str, str | None]:
        """Tag (if needed) and publish the model folder, then upload config and results.

        Returns model_url, config_url, results_url (None for items not uploaded), version,
        git_commit. With HFGIT_SKIP=1, or `huggingface.enabled: false`,
        nothing is tagged or uploaded."""
        experiment = experiment_name or f"experiment_{datetime.now():%Y%m%d_%H%M%S}"
        urls: dict[str, str | None] = {"model_url": None, "config_url": None, "results_url": None}
        if os.environ.get(ENV_SKIP, "0") not in ("", "0"):
            self._say(f"{ENV_SKIP}=1: nothing published for {experiment}")
            return {**urls, "version": None, "git_commit": None}
        if not self.settings.enabled:
            self._say(
                f"huggingface.enabled is false in config.yaml: nothing published for {experiment}"
            )
            return {**urls, "version": None, "git_commit": None}
        outcome = self._publish(model_path, version_tag, experiment, private, force, None)
        urls["model_url"] = outcome.url
        private_repo = self.settings.config.private if private is None else private
        if "config" in self.settings.upload_items:
            urls["config_url"] = self._configs.upload_config(
                self.config, experiment, self._project().repo, private_repo
            )
        results = self._results_source(Path(model_path))
        if "results" in self.settings.upload_items and results is not None:
            urls["results_url"] = self._configs.upload_results(results, experiment, private_repo)
        return {**urls, "version": outcome.tag, "git_commit": outcome.git_commit}

    def upload_model(
        self,
        model_path: str | Path,
        version_tag: str | None = None,
        commit_message: str | None = None,
        force: bool = False,
    ) -> str:
        """Publish the model folder as `version_tag` (created on HEAD if new); its URL.

        `commit_message` becomes the git tag's message; the Hub commit names the version."""
        return self._publish(model_path, version_tag, None, None, force, commit_message).url

    def _publish(
        self,
        model_path: str | Path,
        version_tag: str | None,
        experiment: str | None,
        private: bool | None,
        force: bool,
        message: str | None,
    ) -> Outcome:
        project = wf.project_for(self.settings, model_path)
        if private is not None:
            project = Project(project.repo, replace(project.config, private=private))
        tag = version_tag or wf.next_tag(project, self.settings)
        project = wf.with_scheme_of(project, tag)
        existing = project.repo.tags().get(tag)
        commit = existing.commit if existing else wf.head_commit(project)
        project = wf.tracked_configs(project, self.settings, commit)
        wf.ensure_recorded(project, self.settings, experiment, commit)
        wf.check_publishable(project, tag, commit, force)
        about = f" ({experiment})" if experiment else ""
        wf.ensure_tag(project, tag, commit, message or f"Release {tag}{about}")
        return wf.publish(project, tag, force, self.settings, self._say)

    def _results_source(self, model_path: Path) -> Path | None:
        results_dir = self.settings.results_dir
        if results_dir is not None and results_dir.is_dir() and any(results_dir.iterdir()):
            return results_dir
        eval_file = model_path / wf.EVAL_FILE
        return eval_file if eval_file.is_file() else None

    def generate_model_card(
        self,
        model_path: str | Path,
        version_tag: str,
        custom_sections: dict[str, str] | None = None,
    ) -> str:
        """The model card `version_tag` publishes, with extra sections (limitations, ...)."""
        from hfgit.content import build_content

        project = wf.with_scheme_of(wf.project_for(self.settings, model_path), version_tag)
        sections = {**project.config.card.sections}
        sections.update({section_title(k): str(v) for k, v in (custom_sections or {}).items()})
        card = replace(project.config.card, sections=sections)
        project = Project(project.repo, replace(project.config, card=card))
        head = wf.head_commit(project)
        tag = project.repo.tags().get(version_tag) or Tag(
            version_tag, head, True, "", datetime.now().astimezone()
        )
        with project.hub() as hub:
            catalog = project.catalog(hub)
            return build_content(project, tag, catalog, hub, force=True, check_gate=False).card

    def download_model(self, version_tag: str = "main", local_dir: str | Path | None = None) -> str:
        """Download a version (resumable; through settings.download.cache_dir); its folder.

        Like `git hf pull`, a version published from another commit than the local tag is refused."""
        target = Path(local_dir) if local_dir else Path("downloaded_models") / version_tag
        pulled = pull(self._project(), version_tag, target, cache_dir=self.settings.cache_dir)
        if pulled.verified:
            self._say(f"{version_tag}: provenance verified (git {(pulled.git_commit or '')[:8]})")
        self._say(f"downloaded {self.model_repo_name}@{version_tag} to {pulled.path}")
        return str(pulled.path)

    def list_versions(self) -> list[str]:
        """The versions on the Hub, highest first."""
        return [v.tag for v in self._catalog().versions]

    list_model_versions = list_versions  # the tutorial's older name

    def list_experiments(self) -> list[dict[str, Any]]:
        """Experiments across all published versions, read from Hub commit trailers (cheap)."""
        return experiment_rows(self._catalog(), self.model_repo_name)

    # --- repositories and the configs repo -------------------------------------------------
    def create_repositories(self, private: bool = True) -> dict[str, str]:
        """Create the model repo and the configs repo (no-op for those that exist)."""
        with self._project().hub() as hub:
            if hub.ensure_repo(private):
                self._say(f"created model repo {hub.repo_url}")
            model_url = hub.repo_url
        with self._configs.hub() as hub:
            self._configs.ensure(hub, private)
            return {"model_repo": model_url, "config_repo": hub.repo_url}

    def upload_training_config(
        self, config_data: dict[str, Any] | None = None, experiment_name: str | None = None
    ) -> str:
        """Upload a training config (default: config.yaml as loaded) to the configs repo."""
        experiment = experiment_name or f"experiment_{datetime.now():%Y%m%d_%H%M%S}"
        data = self.config if config_data is None else config_data
        return self._configs.upload_config(
            data, experiment, self._project().repo, self.settings.config.private
        )

    def upload_training_results(self, results_path: str | Path, experiment_name: str) -> str:
        """Upload a results file or folder to `<experiment>/results/` in the configs repo."""
        return self._configs.upload_results(
            Path(results_path), experiment_name, self.settings.config.private
        )

    def _project(self) -> Project:
        return wf.project_for(self.settings)

    def _catalog(self) -> Catalog:
        project = self._project()
        with project.hub() as hub:
            return project.catalog(hub)


def experiment_rows(catalog: Catalog, model_name: str) -> list[dict[str, Any]]:
    """One row per published version: experiment, version, git commit, params, metrics."""
    return [
        {
            "experiment_name": v.experiment,
            "version": v.tag,
            "git_commit": v.git_commit,
            "hub_commit": v.hub_commit,
            "timestamp": v.date.strftime("%Y-%m-%dT%H:%M:%SZ") if v.date else None,
            "model_name": model_name,
            "training_params": v.params,
            "eval_results": v.metrics,
        }
        for v in catalog.versions
    ]
