"""`--model NAME` and what commands share about several models in one repository.

`push`, `log` and `status` go through every model (or the one named), one section each;
the other commands work on one model: the one named, the one a version names
(`clf@v1.2.0`), or the only one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hfgit.commands.output import style
from hfgit.errors import UsageError
from hfgit.versioning import MODEL_SEP, parse_tag

if TYPE_CHECKING:  # loaded when a command runs, not for its --help
    from hfgit.project import Project

F = TypeVar("F", bound=Callable[..., Any])


def model_option(function: F) -> F:
    """Give a command `--model NAME`: one of the models `.hfgit.yaml` lists under models:."""
    return click.option(
        "--model",
        metavar="NAME",
        help="The model to work on, when .hfgit.yaml lists several under models: "
        "(a version like clf@v1.2.0 names its model itself).",
    )(function)


def several(projects: list[Project]) -> bool:
    """Whether the repository has several models (its output has one section per model)."""
    return bool(projects) and projects[0].model is not None


def header(project: Project) -> str:
    """The line that starts a model's section: its name and Hub repository."""
    return style(f"{project.model}", bold=True) + f" ({project.config.repo_id})"


def open_tags(tags: list[str], model: str | None) -> list[tuple[Project, list[str]]]:
    """Local version tags named on the command line, grouped by model, in the order of the
    models. A bare version (`v1.2.0`) is the named model's, or the only model's."""
    from hfgit.project import Project

    projects = Project.open_all(model=model)
    grouped: dict[str | None, list[str]] = {}
    for text in tags:
        project, tag = version_for(projects, text, model)
        grouped.setdefault(project.model, []).append(tag)
    return [(p, grouped[p.model]) for p in projects if p.model in grouped]


def open_one_version(text: str, model: str | None) -> tuple[Project, str]:
    """The model of a version and its local tag: `clf@v1.2.0`, or `v1.2.0` with `--model clf`
    (or in a single-model repository)."""
    from hfgit.project import Project

    return version_for(Project.open_all(model=model), text, model)


def gto_hint(project: Project) -> str | None:
    """For a single model without `models:`: what to do with tags spelled as GTO's versions
    (`clf@v1.2.0`), which are not its own; None when there are none."""
    if project.model is not None:
        return None
    found: dict[str, str] = {}  # model name -> its first such tag
    for tag in sorted(project.repo.tags()):
        name, sep, rest = tag.partition(MODEL_SEP)
        if sep and name != project.model_label and parse_tag(rest, project.config.scheme):
            found.setdefault(name, tag)
    if not found:
        return None
    names = ", ".join(found)
    return (
        f"{next(iter(found.values()))} is GTO's spelling of a version: list {names} under "
        "models: in .hfgit.yaml to publish such tags"
    )


def version_for(
    projects: list[Project], text: str, model: str | None = None
) -> tuple[Project, str]:
    """(project, local tag) for a version among the open projects (all, or the one `model`
    names)."""
    from hfgit.project import version_of
    from hfgit.stagetags import parse_name

    stage_tag = parse_name(text)
    if stage_tag is not None:
        raise UsageError(
            f"{text} is a stage tag (stage {stage_tag[1]}), not a version: "
            "`git hf stages` shows the version it holds"
        )
    if len(projects) == 1 and projects[0].model is not None and MODEL_SEP not in text:
        return projects[0], projects[0].local_tag(text)  # `--model clf v1.2.0` (or a stage)
    named = _model_of(text, projects)
    if model is not None and named is not None and named != model:
        raise UsageError(
            f"{text} names the model {named}, not --model {model}: "
            f"drop --model, or name a version of {model}"
        )
    project, hub_tag = version_of(projects, text)
    return project, project.local_tag(hub_tag)


def _model_of(text: str, projects: list[Project]) -> str | None:
    """The model a version names (`clf@v1.2.0` -> clf) in a repository of several, else None."""
    name, sep, _ = text.partition(MODEL_SEP)
    return name if sep and projects[0].model is not None else None
