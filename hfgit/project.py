"""A repository and its `.hfgit.yaml`: what every command starts from.

A Project is one model: the only one, or one of the `models:` of `.hfgit.yaml`, whose
`config` is that entry read over the top-level keys. Its local tags are `NAME@vX.Y.Z` when
the repository has several models (`local_tag`, `hub_tag` map them to the Hub's `vX.Y.Z`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hfgit.catalog import Catalog, CommitCache, read_catalog
from hfgit.config import Config, load_config
from hfgit.constants import CONFIG_FILE
from hfgit.errors import HfgitError, ModelFolderError, UsageError
from hfgit.gitrepo import GitRepo, Tag
from hfgit.hub import Access, Hub, connect
from hfgit.versioning import MODEL_SEP, counts_for, parse_tag


@dataclass(frozen=True)
class Project:
    repo: GitRepo
    config: Config  # the model's: an entry of `models:` over the top-level keys, or the file's
    # What the user chose outside the repository (endpoint, token); None: the command line's.
    access: Access | None = None

    @classmethod
    def open(
        cls, start: Path | None = None, access: Access | None = None, model: str | None = None
    ) -> Project:
        """One model: the only one, or the one named (UsageError when there are several and
        none is named)."""
        projects = cls.open_all(start, access, model)
        if len(projects) > 1:
            raise UsageError(f"several models: pass --model NAME (one of {_names(projects)})")
        return projects[0]

    @classmethod
    def open_all(
        cls, start: Path | None = None, access: Access | None = None, model: str | None = None
    ) -> list[Project]:
        """Every model of the repository, in the order `.hfgit.yaml` lists them, or the one
        named (an unknown name is a one-line error naming the models)."""
        repo = GitRepo.discover(start)
        config = load_config(repo.root / CONFIG_FILE)
        projects = [cls(repo, each, access) for each in config.each()]
        if model is None:
            return projects
        chosen = [p for p in projects if p.model_label == model]
        if not chosen:
            if not config.models:
                raise UsageError(
                    f"unknown model {model!r}: this repository has one model, {projects[0].model_label} "
                    f"(list several under models: in {CONFIG_FILE})"
                )
            raise UsageError(f"unknown model {model!r}: use one of {_names(projects)}")
        return chosen

    @property
    def model(self) -> str | None:
        """The model's name when the repository has several (its tags start `NAME@`), else None."""
        return self.config.model

    @property
    def model_label(self) -> str:
        """The model's name in stage tags: its name, or the single model's (`name:`, else the
        end of repo_id, lower-cased)."""
        return self.config.label

    def local_tag(self, hub_tag: str) -> str:
        """The local tag of a Hub tag: `v1.2.0` -> `clf@v1.2.0` (unchanged for a single model)."""
        return self.config.scheme.local_tag(hub_tag)

    def hub_tag(self, local_tag: str) -> str:
        """The Hub tag of a local tag: `clf@v1.2.0` -> `v1.2.0` (unchanged for a single model)."""
        return self.config.scheme.hub_tag(local_tag)

    @property
    def model_dir(self) -> Path:
        return self.repo.root / self.config.model_dir

    def require_model_dir(self) -> Path:
        path = self.model_dir
        if path.exists() and not path.is_dir():
            raise ModelFolderError(
                f"model folder {self.config.model_dir} is a file, not a folder: set model_dir in "
                f"{CONFIG_FILE} to the folder training writes"
            )
        if not path.is_dir():
            raise ModelFolderError(
                f"model folder {self.config.model_dir}/ does not exist: train into it, or set model_dir in {CONFIG_FILE}"
            )
        return path

    def release_messages(self, until: str, since: str | None = None) -> list[str]:
        """The messages of the commits since `since` that count towards this model's next
        version: all of them for a single model; for one of several, those that change its
        files (`Config.paths`) or carry its scope (`feat(clf): ...`)."""
        if self.model is None:
            return self.repo.commit_messages(until, since)
        from hfgit.hooks import gitcli

        mine, paths = self.model, self.config.paths
        return [
            message
            for message, changed in gitcli.commits(self.repo.root, until, since)
            if counts_for(mine, paths, message, changed)
        ]

    def version_tags(self) -> dict[str, Tag]:
        """Local tags that are versions under the configured scheme."""
        scheme = self.config.scheme
        return {
            name: tag
            for name, tag in self.repo.tags().items()
            if parse_tag(name, scheme) is not None
        }

    @contextlib.contextmanager
    def hub(self) -> Iterator[Hub]:
        config = self.config
        with connect(config.endpoint, config.repo_id, config.repo_type, self.access) as hub:
            yield hub

    def catalog(self, hub: Hub, limit: int | None = None) -> Catalog:
        """The versions on the Hub, reusing what earlier commands already read."""
        return read_catalog(
            hub, self.config.scheme, limit, CommitCache.for_repo(self.state_dir, hub)
        )

    @property
    def state_dir(self) -> Path:
        """hfgit's private state under the git dir (locks, caches, queues)."""
        path = self.repo.git_dir / "hfgit"
        try:
            path.mkdir(exist_ok=True)
        except OSError as e:
            raise HfgitError(
                f"cannot keep hfgit's state in {path}: {e.strerror or e} (it must be a folder)"
            ) from None
        return path


def open_version(
    text: str, start: Path | None = None, access: Access | None = None
) -> tuple[Project, str]:
    """The model a version names and its Hub tag: `clf@v1.2.0` -> (clf's project, `v1.2.0`);
    `v1.2.0` in a single-model repository -> (its project, `v1.2.0`). An unknown model, or a
    version without its model in a repository of several, is a one-line error naming them."""
    projects = Project.open_all(start, access)
    return version_of(projects, text)


def version_of(projects: list[Project], text: str) -> tuple[Project, str]:
    """`open_version` among projects already open."""
    several = projects[0].model is not None
    name, sep, rest = text.partition(MODEL_SEP)
    if not several:
        project = projects[0]
        if sep and name == project.model_label:  # GTO's spelling of the one model's versions
            return project, rest
        return project, text
    if not sep and len(projects) == 1:  # the one model `models:` lists (a GTO repository)
        return projects[0], text
    if not sep:
        example = f"{projects[0].model}@{text}"
        raise UsageError(
            f"{text}: this repository has several models: name one, e.g. {example} "
            f"(models: {_names(projects)})"
        )
    for project in projects:
        if project.model == name:
            return project, rest
    raise UsageError(f"{text}: unknown model {name!r}: use one of {_names(projects)}")


def _names(projects: list[Project]) -> str:
    return ", ".join(p.model_label for p in projects)
