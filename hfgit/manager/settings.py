"""The tutorial's two config files, mapped onto hfgit's `Config`.

`config.yaml` holds a `huggingface:` section (repository, versioning, upload items...) and
names the detailed `configs/huggingface_config.yaml` (user, repo templates, upload/download
settings, model card, versioning rules, backup, notifications). Both are read by the one config
loader against the tables in schema.py, so a mistake is reported as file:line and key. No
`.hfgit.yaml` is needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit import repoid
from hfgit.config import BackupConfig, Config, GateConfig, NotifyConfig
from hfgit.constants import METADATA_FILE
from hfgit.errors import ConfigError
from hfgit.manager import mapping
from hfgit.schema import TUTORIAL_DETAIL, TUTORIAL_MAIN, UPLOAD_ITEMS, URL
from hfgit.spec import Spec
from hfgit.yamldoc import YamlDoc


@dataclass(frozen=True)
class Settings:
    """Everything the manager reads from the tutorial's files."""

    path: Path  # config.yaml
    detail_path: Path | None  # configs/huggingface_config.yaml
    raw: dict[str, Any]  # the whole config.yaml, as the tutorial's `manager.config`
    config: Config  # hfgit's config (model_dir is set per call)
    configs_repo_id: str
    configs_repo_type: str = "model"
    enabled: bool = True
    username: str | None = None
    auto_create: bool = True
    upload_items: tuple[str, ...] = UPLOAD_ITEMS
    auto_tag: bool = True
    auto_increment: str = "patch"
    commit_message_template: str = "Upload {item_type} for {experiment_name}"
    max_retries: int = 3
    retry_delay: float = 5.0
    cache_dir: Path | None = None
    experiment_tracking: bool = True
    include_metrics: bool = True
    results_dir: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def base(self) -> Path:
        """The folder relative paths in the config are taken from (config.yaml's)."""
        return self.path.parent


def load_settings(config_path: Path | str) -> Settings:
    """Read config.yaml (and the detailed file it names) into Settings; ConfigError on mistakes."""
    path = Path(config_path).expanduser().resolve()
    main = _checked(path, "config file", TUTORIAL_MAIN)
    if not main.has("huggingface"):
        raise ConfigError(
            f"{path}: no huggingface: section: add one (see docs/tutorial-migration.md)"
        )
    detail_name = main.get("huggingface.config_file")
    detail = (
        _checked(path.parent / detail_name, "huggingface.config_file", TUTORIAL_DETAIL)
        if detail_name
        else None
    )
    return _build(main, detail)


def _checked(path: Path, what: str, table: dict[str, Spec]) -> YamlDoc:
    """One of the two files, read and checked against its table; the first problem is raised."""
    doc = YamlDoc.load(
        path, f"{what} {path} does not exist: create it or fix the path", table, closed=False
    )
    problems = doc.problems()
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    return doc


def _build(main: YamlDoc, detail: YamlDoc | None) -> Settings:
    d = detail or YamlDoc(main.path, "{}", TUTORIAL_DETAIL, closed=False)
    base = main.path.parent
    repo_id, configs_repo, username = _repos(main, d)
    scheme, prefix, increment = mapping.tag_scheme(main, d)
    upload_items = tuple(main.get("huggingface.upload_items"))
    metadata_file = d.get("experiment_tracking.metadata_file")
    if metadata_file != METADATA_FILE:
        raise d.fail(
            "experiment_tracking.metadata_file",
            f"must be {METADATA_FILE} (the name hfgit publishes): remove the key or set it so",
        )
    private = main.get("huggingface.repository.private")
    config = Config(
        repo_id=repo_id,
        model_dir=".",
        endpoint=main.get("huggingface.endpoint") or d.get("endpoint") or None,
        private=d.get("settings.default_private") if private is None else private,
        tag_pattern=scheme,
        tag_prefix=prefix,
        base_model=d.get("model_card.base_model") or _base_model(main),
        card=mapping.card(d),
        gate=_gate(main, d),
        notify=_notify(d),
        backup=_backup(d, base),
        path=d.path if detail else main.path,
    )
    cache_dir = d.get("settings.download.cache_dir")
    results_dir = main.get("output.log_dir")
    return Settings(
        path=main.path,
        detail_path=detail.path if detail else None,
        raw=main.data,
        config=config,
        configs_repo_id=configs_repo,
        configs_repo_type=d.get("repository.config_repo_type"),
        enabled=main.get("huggingface.enabled"),
        username=username,
        auto_create=main.get("huggingface.repository.auto_create")
        if main.has("huggingface.repository.auto_create")
        else d.get("settings.auto_create_repos"),
        upload_items=upload_items,
        auto_tag=main.get("huggingface.versioning.auto_tag"),
        auto_increment=increment,
        commit_message_template=d.get("settings.commit_message_template"),
        max_retries=d.get("settings.upload.max_retries"),
        retry_delay=float(d.get("settings.upload.retry_delay")),
        cache_dir=(base / cache_dir).resolve() if cache_dir else None,
        experiment_tracking=main.get("huggingface.experiment_tracking.enabled"),
        include_metrics=main.get("huggingface.experiment_tracking.include_metrics"),
        results_dir=(base / results_dir).resolve(),
    )


def _repos(main: YamlDoc, d: YamlDoc) -> tuple[str, str, str | None]:
    """(model repo id, configs repo id, username) from model_name and the templates."""
    key = "huggingface.repository.model_name"
    model_name = main.get(key)
    if not model_name:
        raise main.fail(key, "is missing: name the model repo (user/name or just name)")
    username = d.get("user.username")
    namespace, _, name = model_name.rpartition("/")
    if namespace:
        repo_id, owner = model_name, namespace
    else:
        if not username:
            raise main.fail(key, "has no user/ part and user.username is not set: set either")
        owner = username
        repo_id = _render(d, "repository.model_repo_template", owner, name)
    configs = _render(d, "repository.config_repo_template", owner, name)
    for rid, where, k in ((repo_id, main, key), (configs, d, "repository.config_repo_template")):
        found = repoid.problem(rid)
        if found:
            raise where.fail(k, f"gives {rid!r}, which is not a Hub repo id: it {found}")
    return repo_id, configs, username


def _render(d: YamlDoc, key: str, username: str, model_name: str) -> str:
    template = d.get(key)
    try:
        return str(template.format(username=username, model_name=model_name))
    except (KeyError, IndexError, ValueError) as e:
        raise d.fail(key, f"may use only {{username}} and {{model_name}} ({e})") from None


def _base_model(main: YamlDoc) -> str | None:
    """The training config's `model.name`, when it is a Hub model id (not a local path)."""
    model = main.data.get("model")
    name = model.get("name") if isinstance(model, dict) else None
    return name if isinstance(name, str) and not repoid.problem(name, namespace=False) else None


def _gate(main: YamlDoc, d: YamlDoc) -> GateConfig:
    """`gate:` in the detailed file, `huggingface.gate:` in config.yaml (which wins)."""
    values: dict[str, Any] = {}
    for doc, prefix in ((d, "gate"), (main, "huggingface.gate")):
        values.update(mapping.gate_values(doc, prefix))
    return GateConfig(**values)


def _notify(d: YamlDoc) -> NotifyConfig:
    url = d.get("notifications.webhook_url")
    if not d.get("notifications.enabled") or not url:
        return NotifyConfig()
    said = URL.problem("notifications.webhook_url", url)
    if said:
        raise ConfigError(f"{d.where('notifications.webhook_url')}: {said}")
    return NotifyConfig(
        webhook_url=url,
        timeout=float(d.get("notifications.timeout")),
        retries=d.get("notifications.retries"),
    )


def _backup(d: YamlDoc, base: Path) -> BackupConfig:
    enabled = d.get("backup.enabled") or d.get("sync.backup_before_upload")
    folder = Path(d.get("backup.local_backup_dir")).expanduser()
    keep = d.get("backup.keep_backups")
    return BackupConfig(bool(enabled), str(folder if folder.is_absolute() else base / folder), keep)
