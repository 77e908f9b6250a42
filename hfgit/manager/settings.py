"""The tutorial's two config files, mapped onto hfgit's `Config`.

`config.yaml` holds a `huggingface:` section (repository, versioning, upload items...) and
names the detailed `configs/huggingface_config.yaml` (user, repo templates, upload/download
settings, model card, versioning rules, backup, notifications). Both are read with their line
numbers, so a mistake is reported as file:line and key. No `.hfgit.yaml` is needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfgit.config import REPO_ID_RE, BackupConfig, Config, GateConfig, NotifyConfig
from hfgit.constants import METADATA_FILE
from hfgit.errors import ConfigError
from hfgit.manager import mapping
from hfgit.manager.yamldoc import BOOL, INT, MAPPING, NUMBER, STR, STR_LIST, YamlDoc

UPLOAD_ITEMS = ("model", "config", "results")
DEFAULT_CONFIG_REPO = "{username}/{model_name}-configs"
DEFAULT_MODEL_REPO = "{username}/{model_name}"


@dataclass(frozen=True)
class Settings:
    """Everything the manager reads from the tutorial's files."""

    path: Path  # config.yaml
    detail_path: Path | None  # configs/huggingface_config.yaml
    raw: dict[str, Any]  # the whole config.yaml, as the tutorial's `manager.config`
    config: Config  # hfgit's config (model_dir is set per call)
    configs_repo_id: str
    enabled: bool = True
    username: str | None = None
    auto_create: bool = True
    auto_sync: bool = True
    upload_items: tuple[str, ...] = UPLOAD_ITEMS
    auto_tag: bool = True
    auto_increment: str = "patch"
    commit_message_template: str = "Upload {item_type} for {experiment_name}"
    max_retries: int = 3
    retry_delay: float = 5.0
    cache_dir: Path | None = None
    experiment_tracking: bool = True
    include_metrics: bool = True
    tracked_fields: tuple[str, ...] = ()
    results_dir: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def base(self) -> Path:
        """The folder relative paths in the config are taken from (config.yaml's)."""
        return self.path.parent


def load_settings(config_path: Path | str) -> Settings:
    """Read config.yaml (and the detailed file it names) into Settings; ConfigError on mistakes."""
    path = Path(config_path).expanduser().resolve()
    main = YamlDoc.load(path, "config file")
    if main.get("huggingface", MAPPING) is None:
        raise ConfigError(
            f"{path}: no huggingface: section: add one (see docs/tutorial-migration.md)"
        )
    detail_name = main.get("huggingface.config_file", STR)
    detail = (
        YamlDoc.load(path.parent / detail_name, "huggingface.config_file") if detail_name else None
    )
    return _build(main, detail)


def _build(main: YamlDoc, detail: YamlDoc | None) -> Settings:
    d = detail or YamlDoc(main.path, "{}")
    base = main.path.parent
    repo_id, configs_repo, username = _repos(main, d)
    scheme, prefix, increment = mapping.tag_scheme(main, d)
    upload_items = tuple(main.get("huggingface.upload_items", STR_LIST, list(UPLOAD_ITEMS)))
    unknown = sorted(set(upload_items) - set(UPLOAD_ITEMS))
    if unknown:
        raise main.fail(
            "huggingface.upload_items", f"may hold {', '.join(UPLOAD_ITEMS)}, not {unknown[0]!r}"
        )
    metadata_file = d.get("experiment_tracking.metadata_file", STR, METADATA_FILE)
    if metadata_file != METADATA_FILE:
        raise d.fail(
            "experiment_tracking.metadata_file",
            f"must be {METADATA_FILE} (the name hfgit publishes): remove the key or set it so",
        )
    private = main.get("huggingface.repository.private", BOOL)
    config = Config(
        repo_id=repo_id,
        model_dir=".",
        endpoint=main.get("huggingface.endpoint", STR) or d.get("endpoint", STR) or None,
        private=d.get("settings.default_private", BOOL, True) if private is None else private,
        tag_pattern=scheme,
        tag_prefix=prefix,
        base_model=d.get("model_card.base_model", STR) or _base_model(main),
        card=mapping.card(d),
        gate=_gate(main, d),
        notify=_notify(d),
        backup=_backup(d, base),
        path=d.path if detail else main.path,
    )
    cache_dir = d.get("settings.download.cache_dir", STR)
    results_dir = main.get("output.log_dir", STR, "./logs")
    return Settings(
        path=main.path,
        detail_path=detail.path if detail else None,
        raw=main.data,
        config=config,
        configs_repo_id=configs_repo,
        enabled=main.get("huggingface.enabled", BOOL, True),
        username=username,
        auto_create=main.get("huggingface.repository.auto_create", BOOL)
        if main.has("huggingface.repository.auto_create")
        else d.get("settings.auto_create_repos", BOOL, True),
        auto_sync=main.get("huggingface.auto_sync", BOOL, True),
        upload_items=upload_items,
        auto_tag=main.get("huggingface.versioning.auto_tag", BOOL, True),
        auto_increment=increment,
        commit_message_template=d.get(
            "settings.commit_message_template", STR, "Upload {item_type} for {experiment_name}"
        ),
        max_retries=d.get("settings.upload.max_retries", INT, 3),
        retry_delay=float(d.get("settings.upload.retry_delay", NUMBER, 5)),
        cache_dir=(base / cache_dir).resolve() if cache_dir else None,
        experiment_tracking=main.get("huggingface.experiment_tracking.enabled", BOOL, True),
        include_metrics=main.get("huggingface.experiment_tracking.include_metrics", BOOL, True),
        tracked_fields=tuple(d.get("experiment_tracking.fields", STR_LIST, [])),
        results_dir=(base / results_dir).resolve(),
    )


def _repos(main: YamlDoc, d: YamlDoc) -> tuple[str, str, str | None]:
    """(model repo id, configs repo id, username) from model_name and the templates."""
    key = "huggingface.repository.model_name"
    model_name = main.get(key, STR)
    if not model_name:
        raise main.fail(key, "is missing: name the model repo (user/name or just name)")
    username = d.get("user.username", STR)
    namespace, _, name = model_name.rpartition("/")
    if namespace:
        repo_id, owner = model_name, namespace
    else:
        if not username:
            raise main.fail(key, "has no user/ part and user.username is not set: set either")
        owner = username
        repo_id = _render(d, "repository.model_repo_template", DEFAULT_MODEL_REPO, owner, name)
    configs = _render(d, "repository.config_repo_template", DEFAULT_CONFIG_REPO, owner, name)
    for rid, where, k in ((repo_id, main, key), (configs, d, "repository.config_repo_template")):
        if not REPO_ID_RE.fullmatch(rid) or ".." in rid or "--" in rid:
            raise where.fail(k, f"gives {rid!r}, which is not a Hub repo id (namespace/name)")
    return repo_id, configs, username


def _render(d: YamlDoc, key: str, default: str, username: str, model_name: str) -> str:
    template = d.get(key, STR, default)
    try:
        return str(template.format(username=username, model_name=model_name))
    except (KeyError, IndexError, ValueError) as e:
        raise d.fail(key, f"may use only {{username}} and {{model_name}} ({e})") from None


def _base_model(main: YamlDoc) -> str | None:
    model = main.data.get("model")
    name = model.get("name") if isinstance(model, dict) else None
    return name if isinstance(name, str) and name else None


def _gate(main: YamlDoc, d: YamlDoc) -> GateConfig:
    """`gate:` in the detailed file, `huggingface.gate:` in config.yaml (which wins)."""
    values: dict[str, Any] = {}
    for doc, prefix in ((d, "gate"), (main, "huggingface.gate")):
        values.update(mapping.gate_values(doc, prefix))
    return GateConfig(**values)


def _notify(d: YamlDoc) -> NotifyConfig:
    url = d.get("notifications.webhook_url", STR)
    if not d.get("notifications.enabled", BOOL, False) or not url:
        return NotifyConfig()
    return NotifyConfig(
        webhook_url=url,
        timeout=float(d.get("notifications.timeout", NUMBER, 10)),
        retries=d.get("notifications.retries", INT, 3),
    )


def _backup(d: YamlDoc, base: Path) -> BackupConfig:
    enabled = d.get("backup.enabled", BOOL, False) or d.get(
        "sync.backup_before_upload", BOOL, False
    )
    folder = Path(d.get("backup.local_backup_dir", STR, "./backups")).expanduser()
    keep = d.get("backup.keep_backups", INT, 5)
    if keep < 1:
        raise d.fail("backup.keep_backups", "must be at least 1")
    return BackupConfig(bool(enabled), str(folder if folder.is_absolute() else base / folder), keep)
