"""`python -m hfgit.manager VERB`: the tutorial's command-line verbs.

URLs and tables go to stdout, notes to stderr; errors are one line with a non-zero exit code,
through the same edge as `git hf` (hfgit.cli.run)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from hfgit.cli import CONTEXT_SETTINGS, run

F = TypeVar("F", bound=Callable[..., Any])
PROG = "python -m hfgit.manager"


def _say(message: str) -> None:
    click.echo(message, err=True)


def config_option(func: F) -> F:
    option = click.option(
        "--config",
        "config_path",
        default="config.yaml",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The tutorial's main config (its huggingface: section names the detailed one).",
    )
    return option(func)


def _manager(config_path: Path) -> Any:
    from hfgit.manager.core import HuggingFaceManager

    return HuggingFaceManager(config_path, say=_say)


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


@click.group(context_settings=CONTEXT_SETTINGS)
def main_group() -> None:
    """The HuggingFace tutorial's manager verbs, on top of git tags and `git hf push`.

    \b
    Examples:
      python -m hfgit.manager sync --model-path ./mcp_finetuned_model --experiment-name baseline --version-tag v1.0.0
      python -m hfgit.manager list-versions
    """


@main_group.command()
@config_option
@click.option("--model-path", required=True, type=click.Path(path_type=Path), help="Model folder.")
@click.option("--experiment-name", help="Experiment name (default: experiment_<time>).")
@click.option("--version-tag", help="Version tag (default: the next version).")
@click.option("--private/--public", default=None, help="Visibility of repos created now.")
@click.option("--force", is_flag=True, help="Move a Hub tag that points at another commit.")
@click.option("--json", "as_json", is_flag=True, help="Print the URLs as JSON.")
def sync(
    config_path: Path,
    model_path: Path,
    experiment_name: str | None,
    version_tag: str | None,
    private: bool | None,
    force: bool,
    as_json: bool,
) -> None:
    """Tag (if new) and publish the model folder, then upload config and results."""
    urls = _manager(config_path).sync_training_workflow(
        model_path, experiment_name, version_tag, private, force=force
    )
    if as_json:
        _emit(urls)
        return
    for key, value in urls.items():
        if value is not None:
            click.echo(f"{key}: {value}")


@main_group.command("upload-model")
@config_option
@click.option("--model-path", required=True, type=click.Path(path_type=Path), help="Model folder.")
@click.option("--version-tag", help="Version tag (default: the next version).")
@click.option("--commit-message", help="Message of the git tag created for the version.")
@click.option("--force", is_flag=True, help="Move a Hub tag that points at another commit.")
def upload_model(
    config_path: Path,
    model_path: Path,
    version_tag: str | None,
    commit_message: str | None,
    force: bool,
) -> None:
    """Publish the model folder as a version (`git hf push` of its tag)."""
    click.echo(_manager(config_path).upload_model(model_path, version_tag, commit_message, force))


@main_group.command("upload-config")
@config_option
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Training config to upload (default: --config).",
)
@click.option("--experiment-name", help="Experiment folder in the configs repo.")
def upload_config(config_path: Path, config_file: Path | None, experiment_name: str | None) -> None:
    """Upload a training config to the configs repo."""
    from hfgit.metadata import load_mapping_file

    manager = _manager(config_path)
    data = load_mapping_file(config_file) if config_file else None
    click.echo(manager.upload_training_config(data, experiment_name))


@main_group.command("upload-results")
@config_option
@click.option("--results-path", required=True, type=click.Path(path_type=Path))
@click.option("--experiment-name", required=True, help="Experiment folder in the configs repo.")
def upload_results(config_path: Path, results_path: Path, experiment_name: str) -> None:
    """Upload a results file or folder to the configs repo."""
    click.echo(_manager(config_path).upload_training_results(results_path, experiment_name))


@main_group.command("download-model")
@config_option
@click.option("--version-tag", default="main", show_default=True, help="Version to download.")
@click.option("--local-dir", type=click.Path(file_okay=False, path_type=Path))
def download_model(config_path: Path, version_tag: str, local_dir: Path | None) -> None:
    """Download a version of the model."""
    click.echo(_manager(config_path).download_model(version_tag, local_dir))


@main_group.command("list-versions")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
def list_versions(config_path: Path, as_json: bool) -> None:
    """List the versions on the Hub, highest first."""
    versions = _manager(config_path).list_versions()
    if as_json:
        _emit(versions)
        return
    if not versions:
        _say("no versions on the Hub yet")
    for version in versions:
        click.echo(version)


@main_group.command("list-experiments")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the experiments as JSON.")
def list_experiments(config_path: Path, as_json: bool) -> None:
    """List experiments across the published versions (name, version, commit, params, metrics)."""
    from hfgit.commands.output import experiments_table

    rows = _manager(config_path).list_experiments()
    if as_json:
        _emit(rows)
        return
    experiments_table(
        (
            r["experiment_name"],
            r["version"],
            r["git_commit"],
            r["training_params"],
            r["eval_results"],
        )
        for r in rows
    )


@main_group.command("create-repos")
@config_option
@click.option("--private/--public", default=True, show_default=True)
def create_repos(config_path: Path, private: bool) -> None:
    """Create the model repo and the configs repo."""
    for key, url in _manager(config_path).create_repositories(private).items():
        click.echo(f"{key}: {url}")


@main_group.command("validate-config")
@config_option
def validate_config(config_path: Path) -> None:
    """Check config.yaml and the detailed HuggingFace config; errors name file:line and key."""
    from hfgit.manager.settings import load_settings

    s = load_settings(config_path)
    gate = s.config.gate
    limits = [f"{k} >= {v:g}" for k, v in gate.min.items()]
    limits += [f"{k} <= {v:g}" for k, v in gate.max.items()]
    limits += [f"no regression in {k}" for k in gate.no_regression]
    click.echo(f"{s.path}: OK" + (f" (with {s.detail_path})" if s.detail_path else ""))
    for label, value in (
        ("model repo", s.config.repo_id),
        ("configs repo", f"{s.configs_repo_id} ({s.configs_repo_type} repo)"),
        ("endpoint", s.config.endpoint or "$HF_ENDPOINT or https://huggingface.co"),
        ("versions", f"{s.config.scheme.describe()}, next by {s.auto_increment}"),
        ("gate", ", ".join(limits) or "none"),
        ("webhook", "on" if s.config.notify.webhook_url else "off"),
        ("backups", s.config.backup.local_backup_dir if s.config.backup.enabled else "off"),
    ):
        click.echo(f"  {label + ':':<14}{value}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a verb and return its exit code (0 ok, 1 failure, 2 usage, 3 unexpected)."""
    return run(main_group, list(sys.argv[1:] if argv is None else argv), PROG)


if __name__ == "__main__":
    sys.exit(main())
