"""The tutorial's config files mapped onto hfgit's Config (no Hub, no git needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from drivers import FIXTURES

from hfgit.errors import ConfigError
from hfgit.manager.settings import load_settings


@pytest.fixture
def files(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "config.yaml", tmp_path / "config.yaml")
    (tmp_path / "configs").mkdir()
    shutil.copy(
        FIXTURES / "configs" / "huggingface_config.yaml",
        tmp_path / "configs" / "huggingface_config.yaml",
    )
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_the_tutorial_files_map_onto_hfgit_config(files):
    s = load_settings(files / "config.yaml")
    c = s.config
    assert (c.repo_id, s.configs_repo_id) == (
        "alice/mcp-finetuned-model",
        "alice/mcp-finetuned-model-configs",
    )
    assert s.configs_repo_type == "model"  # the tutorial creates its repos as models
    assert c.private is True and c.endpoint is None
    assert (c.tag_pattern, c.scheme.prefix, s.auto_increment) == ("semver", "v", "patch")
    assert c.card.language == ("zh",) and c.card.license == "mit"
    assert c.card.tags == ("mcp", "fine-tuning", "tool-calling")
    assert c.card.datasets == ("MCP Tool Calls Dataset",)
    assert c.base_model == "Qwen/Qwen2.5-0.5B-Instruct"
    assert (s.max_retries, s.retry_delay) == (3, 5.0)
    assert s.cache_dir == (files / ".cache" / "huggingface").resolve()
    assert s.upload_items == ("model", "config", "results")
    assert c.notify.webhook_url is None and c.backup.enabled is False
    assert c.backup.local_backup_dir == str(files / "backups")
    assert s.detail_path == files / "configs" / "huggingface_config.yaml"


def test_without_semantic_versioning_the_tag_format_decides(files):
    edit(
        files / "configs/huggingface_config.yaml",
        "semantic_versioning: true",
        "semantic_versioning: false",
    )
    assert load_settings(files / "config.yaml").config.tag_pattern == "timestamp"
    edit(files / "config.yaml", 'tag_format: "v{timestamp}"', 'tag_format: "exp-{name}-{number}"')
    config = load_settings(files / "config.yaml").config
    assert (config.tag_pattern, config.scheme.prefix) == ("experiment", "exp-")


def test_a_format_hfgit_cannot_parse_is_refused_with_its_line(files):
    edit(
        files / "configs/huggingface_config.yaml",
        'timestamp: "v{year}{month:02d}{day:02d}-{hour:02d}{minute:02d}{second:02d}"',
        'timestamp: "v{year}-{month:02d}-{day:02d}"',
    )
    with pytest.raises(
        ConfigError,
        match=r"huggingface_config.yaml:\d+: versioning.formats.timestamp renders 'v2024-01-02'",
    ):
        load_settings(files / "config.yaml")


def test_a_config_without_huggingface_section_is_refused(tmp_path):
    (tmp_path / "config.yaml").write_text("model:\n  name: x\n")
    with pytest.raises(ConfigError, match="no huggingface: section"):
        load_settings(tmp_path / "config.yaml")


def test_a_missing_detailed_file_is_named(files):
    (files / "configs/huggingface_config.yaml").unlink()
    with pytest.raises(
        ConfigError, match=r"huggingface.config_file .*huggingface_config.yaml does not exist"
    ):
        load_settings(files / "config.yaml")


def test_without_a_detailed_file_defaults_apply(files):
    edit(files / "config.yaml", '  config_file: "configs/huggingface_config.yaml"', "")
    s = load_settings(files / "config.yaml")
    assert s.config.repo_id == "alice/mcp-finetuned-model"
    assert s.configs_repo_id == "alice/mcp-finetuned-model-configs"
    assert s.config.tag_pattern == "timestamp"  # the main file's tag_format: v{timestamp}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("keep_backups: 5", "keep_backups: 0", "backup.keep_backups must be at least 1"),
        (
            'auto_increment: "patch"',
            'auto_increment: "huge"',
            "versioning.auto_increment must be one of",
        ),
        ('  language: "zh"', "  language: 7", "model_card.language must be a language code"),
        (
            '  tags:\n    - "mcp"',
            '  tags: mcp\n  x:\n    - "mcp"',
            "model_card.tags must be a list of strings",
        ),
        (
            'config_repo_template: "{username}/{model_name}-configs"',
            'config_repo_template: "{user}/x"',
            "may use only {username} and {model_name}",
        ),
        (
            'metadata_file: "experiment_metadata.json"',
            'metadata_file: "meta.json"',
            "must be experiment_metadata.json",
        ),
        (
            'config_repo_template: "{username}/{model_name}-configs"',
            'config_repo_template: "{username}/{model_name}-configs"\n  config_repo_type: space',
            "repository.config_repo_type must be one of",
        ),
    ],
)
def test_mistakes_in_the_detailed_file_name_file_line_and_key(files, old, new, message):
    edit(files / "configs/huggingface_config.yaml", old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(files / "config.yaml")
    assert message in str(info.value)
    assert "huggingface_config.yaml:" in str(info.value)


def test_a_model_name_without_namespace_needs_a_username(files):
    edit(files / "config.yaml", '"alice/mcp-finetuned-model"', '"mcp"')
    edit(files / "configs/huggingface_config.yaml", 'username: "alice"', "username:")
    with pytest.raises(
        ConfigError, match=r"config.yaml:\d+: huggingface.repository.model_name has no user/ part"
    ):
        load_settings(files / "config.yaml")


def test_notifications_backup_and_gate_are_mapped(files):
    detail = files / "configs/huggingface_config.yaml"
    edit(
        detail,
        'enabled: false\n  webhook_url: ""',
        'enabled: true\n  webhook_url: "http://127.0.0.1:1/h"',
    )
    edit(detail, "backup_before_upload: false", "backup_before_upload: true")
    (files / "config.yaml").write_text(
        (files / "config.yaml").read_text()
        + "\n  gate:\n    min: {accuracy: 0.8}\n    no_regression: [accuracy]\n"
    )
    c = load_settings(files / "config.yaml").config
    assert c.notify.webhook_url == "http://127.0.0.1:1/h"
    assert c.backup.enabled is True
    assert c.gate.min == {"accuracy": 0.8} and c.gate.no_regression == ("accuracy",)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "keep_backups: 5",
            "keep_backups: 5\n  keep_backups: 6",
            "backup.keep_backups is given twice (first on line",
        ),
        (
            'enabled: false\n  webhook_url: ""',
            'enabled: false\n  webhook_url: ""\n  timeout: -5',
            "notifications.timeout must be more than 0, not -5",
        ),
        (
            'enabled: false\n  webhook_url: ""',
            'enabled: true\n  webhook_url: "ftp://example.com/h"',
            "notifications.webhook_url must be an http:// or https:// URL",
        ),
        ("max_retries: 3", "max_retries: -1", "settings.upload.max_retries must be at least 0"),
        ('  license: "mit"', '  license: "mit"\n  base_model: "./ckpt"', "model_card.base_model"),
        (
            'config_repo_template: "{username}/{model_name}-configs"',
            'config_repo_template: "{username}/{model_name}.git"',
            "gives 'alice/mcp-finetuned-model.git', which is not a Hub repo id: it may not end",
        ),
    ],
)
def test_checks_of_the_one_loader_apply_to_the_detailed_file(files, old, new, message):
    edit(files / "configs/huggingface_config.yaml", old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(files / "config.yaml")
    assert "huggingface_config.yaml:" in str(info.value) and message in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    - results",
            "    - weights",
            "huggingface.upload_items may hold model, config, results, not 'weights'",
        ),
        ("  auto_sync: true", '  endpoint: "ftp://hub"', "huggingface.endpoint must be 'local'"),
        ("  auto_sync: true", "  enabled: true", "huggingface.enabled is given twice"),
        (
            'model_name: "alice/mcp-finetuned-model"',
            'model_name: "alice/a--b"',
            "may not contain '--'",
        ),
    ],
)
def test_checks_of_the_one_loader_apply_to_config_yaml(files, old, new, message):
    edit(files / "config.yaml", old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(files / "config.yaml")
    assert "config.yaml:" in str(info.value) and message in str(info.value)


def test_a_detailed_file_that_is_not_utf8_is_one_line(files):
    path = files / "configs/huggingface_config.yaml"
    path.write_bytes(path.read_bytes().replace(b'"Alice Example"', b'"Alic\xe9"'))
    with pytest.raises(
        ConfigError, match=r"huggingface_config.yaml:\d+: not UTF-8 text \(byte 0xe9\)"
    ):
        load_settings(files / "config.yaml")


def test_the_first_of_several_problems_says_how_many_follow(files):
    edit(files / "configs/huggingface_config.yaml", "max_retries: 3", "max_retries: x")
    edit(files / "configs/huggingface_config.yaml", "keep_backups: 5", "keep_backups: 0")
    with pytest.raises(ConfigError) as info:
        load_settings(files / "config.yaml")
    assert "settings.upload.max_retries must be an integer" in str(info.value)
    assert str(info.value).endswith("(and 1 more)")


def test_a_training_config_naming_a_local_model_claims_no_base_model(files):
    edit(files / "config.yaml", 'name: "Qwen/Qwen2.5-0.5B-Instruct"', 'name: "./checkpoints/qwen"')
    assert load_settings(files / "config.yaml").config.base_model is None
