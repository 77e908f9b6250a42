"""A repository and its `.hfgit.yaml`: what every command starts from."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hfgit.catalog import Catalog, CommitCache, read_catalog
from hfgit.config import Config, load_config
from hfgit.constants import CONFIG_FILE
from hfgit.errors import HfgitError, ModelFolderError
from hfgit.gitrepo import GitRepo, Tag
from hfgit.hub import Access, Hub, connect
from hfgit.versioning import parse_tag


@dataclass(frozen=True)
class Project:
    repo: GitRepo
    config: Config
    # What the user chose outside the repository (endpoint, token); None: the command line's.
    access: Access | None = None

    @classmethod
    def open(cls, start: Path | None = None, access: Access | None = None) -> Project:
        repo = GitRepo.discover(start)
        return cls(repo, load_config(repo.root / CONFIG_FILE), access)

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
