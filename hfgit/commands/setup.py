"""`git hf init`, `git hf validate`, `git hf record`: setting a repository up and recording runs."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

import click

from hfgit import repoid
from hfgit.commands.access import token_option
from hfgit.commands.models import model_option
from hfgit.commands.output import emit_json, say
from hfgit.config import check_config, parse_config, read_config, render_config, schema_text
from hfgit.constants import CONFIG_FILE, LOCAL_ENDPOINT
from hfgit.errors import ConfigError, HfgitError, UsageError
from hfgit.gitrepo import GitRepo


@click.command()
@click.option(
    "--repo-id",
    help="Hub repository, namespace/name (default: <your Hub account>/<folder name>, asked of "
    "the Hub with your token).",
)
@click.option(
    "--model-dir", default="model", show_default=True, help="Folder holding the model files."
)
@click.option(
    "--endpoint",
    help="'local' (embedded hub, offline), a Hub URL, or nothing for $HF_ENDPOINT / huggingface.co.",
)
@click.option(
    "--private/--public",
    default=True,
    show_default=True,
    help="Visibility of the Hub repo when hfgit creates it.",
)
@click.option(
    "--no-hooks",
    is_flag=True,
    help="Do not install the git hooks that publish tags in the background.",
)
@click.option("--force", is_flag=True, help=f"Overwrite an existing {CONFIG_FILE}.")
@token_option
def init(
    repo_id: str | None,
    model_dir: str,
    endpoint: str | None,
    private: bool,
    no_hooks: bool,
    force: bool,
) -> None:
    """Write a commented .hfgit.yaml and install the hooks.

    \b
    Examples:
      git hf init --repo-id alice/tool-caller --model-dir outputs/model
      git hf init --endpoint local          # offline: the embedded hub, no account needed
    """
    repo = GitRepo.discover()
    path = repo.root / CONFIG_FILE
    if path.exists() and not force:
        raise HfgitError(f"{path} already exists: edit it, or use --force to overwrite it")
    repo_id = repo_id or _default_repo_id(repo.root, endpoint)
    invalid = repoid.describe(repo_id)
    if invalid:
        raise UsageError(f"--repo-id {invalid}")
    if Path(model_dir).is_absolute() or ".." in Path(model_dir).parts:
        raise UsageError(f"--model-dir must be a folder inside the repository, not {model_dir!r}")
    text = render_config(repo_id, model_dir, endpoint, private)
    parse_config(text, path)  # what init writes must always validate
    path.write_text(text, encoding="utf-8")
    say(f"wrote {CONFIG_FILE} for {repo_id} (model folder: {model_dir}/)")
    if no_hooks:
        return
    from hfgit import hooks

    for message in hooks.install(repo.root):
        say(message)


def _default_repo_id(root: Path, endpoint: str | None) -> str:
    """<namespace>/<folder name>: the namespace is the token's account on the Hub (for the
    embedded hub, which gives every namespace to its one user, the login name)."""
    if endpoint is not None and endpoint.strip() == LOCAL_ENDPOINT:
        try:
            namespace = getpass.getuser()
        except (KeyError, OSError):  # no name for this user id (containers)
            namespace = "local"
    else:
        namespace = _hub_account(endpoint)
    return f"{_clean(namespace)}/{_clean(root.name)}"


def _hub_account(endpoint: str | None) -> str:
    """The account the user's token belongs to, on the Hub this repository will use."""
    from hfgit import hub
    from hfgit.commands.access import endpoint_url

    # init's --endpoint is the user's choice on the command line: their token may go there
    chosen = hub.Access(endpoint_url(endpoint) if endpoint else None, hub.chosen().token)
    with hub.connect(None, "", access=chosen) as client:
        if not client.has_token:
            raise UsageError(
                f"no --repo-id, and no token to ask {client.label} which account is yours: "
                f"pass --repo-id NAMESPACE/NAME, or {client.token_hint}"
            )
        try:
            name = client.whoami()
        except HfgitError as e:
            raise HfgitError(f"{e}; or pass --repo-id NAMESPACE/NAME") from e
    say(f"{name} is the account your token belongs to on {client.endpoint}")
    return name


def _clean(text: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^\w.-]", "-", text)).strip("-.") or "model"


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The file to check (default: {CONFIG_FILE} at the top of the repository).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the resolved configuration as JSON.")
@click.option(
    "--schema", "print_schema", is_flag=True, help="Print the JSON Schema of .hfgit.yaml and exit."
)
@model_option
def validate(
    config_path: Path | None, as_json: bool, print_schema: bool, model: str | None
) -> None:
    """Check .hfgit.yaml as push would: every problem, one line each (file:line: key ...).

    Unknown keys, wrong types, keys given twice, ranges, endpoint URLs, Hub repo ids, and the
    card template and config files it names (they must exist in the repository).

    \b
    Examples:
      git hf validate && echo ok
      git hf validate --schema > .hfgit.schema.json   # for editors' YAML support
    """
    if print_schema:
        click.echo(schema_text(), nl=False)
        return
    path = config_path or GitRepo.discover().root / CONFIG_FILE
    config, problems = check_config(read_config(path), path, root=path.parent)
    if config is None:
        if len(problems) == 1:
            raise ConfigError(problems[0])
        for problem in problems:
            say(problem)
        raise ConfigError(f"{path}: {len(problems)} problems, listed above")
    models = [c for c in config.each() if model is None or c.label == model]
    if not models:
        names = ", ".join(c.label for c in config.each())
        raise UsageError(f"unknown model {model!r}: use one of {names}")
    if as_json:
        from dataclasses import asdict

        if not config.models:
            data = asdict(config)
            data["path"] = str(path)
            emit_json(data)
        else:
            emit_json([{**asdict(c), "models": None, "path": str(path)} for c in models])
    else:
        for each in models:
            named = f"{each.model}: " if each.model else ""
            say(f"{path}: ok ({named}{each.repo_id}, {each.scheme.describe()})")


@click.command()
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"The model folder (default: model_dir from {CONFIG_FILE}).",
)
@click.option(
    "--params",
    "params_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Training parameters (JSON or YAML).",
)
@click.option(
    "--metrics",
    "metrics_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Eval metrics (JSON or YAML).",
)
@click.option("--name", help="Experiment name.")
@click.option(
    "--keep/--no-keep",
    default=None,
    help="Keep a read-only copy of the folder until its version is published, so that "
    "retraining cannot change it (default: keep_until_published in .hfgit.yaml).",
)
@model_option
def record(
    model_dir: Path | None,
    params_file: Path | None,
    metrics_file: Path | None,
    name: str | None,
    keep: bool | None,
    model: str | None,
) -> None:
    """Write experiment_metadata.json into the model folder, stamped with the current commit
    and a manifest of its files (size and sha256 of each).

    Run it at the end of training; `git hf push` then refuses to publish the folder under
    a tag that points at another commit (unless --force), or once its files changed.

    \b
    Example:
      python train.py && git hf record --params configs/train.yaml --metrics eval/results.json --name lora-r16
      python train.py && git hf record --keep && git tag v1.3.0   # safe to retrain at once
      python train_clf.py && git hf record --model clf             # one of several models
    """
    from hfgit.api import record_experiment

    path = record_experiment(
        model_dir=model_dir,
        params=params_file,
        metrics=metrics_file,
        name=name,
        keep=keep,
        say=say,
        model=model,
    )
    say(f"recorded {path}")
    click.echo(str(path))
