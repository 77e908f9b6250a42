"""experiment_metadata.json: git provenance, training params, eval metrics, system."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import yaml

from hfgit import __version__, fsio, manifest, pins
from hfgit import keep as keep_copies
from hfgit.constants import METADATA_FILE
from hfgit.effects import Say
from hfgit.errors import HfgitError, ModelFolderError
from hfgit.files import CACHE_FILE, HashCache
from hfgit.gitrepo import GitRepo

KEY_PACKAGES = (
    "torch",
    "transformers",
    "peft",
    "trl",
    "accelerate",
    "datasets",
    "huggingface_hub",
    "safetensors",
)


@dataclass(frozen=True)
class Provenance:
    """Where a version comes from in git."""

    commit: str
    tag: str
    branch: str | None
    remote: str | None


def load_mapping(data: bytes | str, source: str) -> dict[str, Any]:
    """A JSON or YAML object (params, metrics), or a clear error naming its source."""
    try:
        value = yaml.safe_load(data)
    except yaml.YAMLError as e:
        raise HfgitError(f"{source}: not valid JSON or YAML ({_yaml_problem(e)})") from None
    except RecursionError:
        raise HfgitError(f"{source}: nested too deeply to read") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HfgitError(
            f"{source}: expected an object of name -> value, found {type(value).__name__}"
        )
    try:  # it is published as JSON: YAML anchors may make a structure that contains itself
        json.dumps(value, default=str)
    except (ValueError, RecursionError):
        raise HfgitError(f"{source}: a value refers back to itself (a YAML alias loop)") from None
    return value


def _yaml_problem(error: yaml.YAMLError) -> str:
    """The parser's complaint on one line, with where it is."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def load_mapping_file(path: Path) -> dict[str, Any]:
    try:
        return load_mapping(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise HfgitError(f"{path}: no such file") from None
    except OSError as e:
        raise HfgitError(f"{path}: cannot read it ({e.strerror or e})") from None


def numeric_metrics(values: dict[str, Any]) -> dict[str, float]:
    """The metrics that are plain numbers (nested `{"eval": {"acc": 1}}` flattens to `eval/acc`)."""
    out: dict[str, float] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update({f"{key}/{k}": v for k, v in numeric_metrics(value).items()})
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[str(key)] = float(value)
    return out


def system_info() -> dict[str, Any]:
    packages = {}
    for name in KEY_PACKAGES:
        try:
            packages[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return {
        "python": platform.python_version(),
        "platform": platform_name(),
        "machine": platform.machine(),
        "packages": packages,
    }


def platform_name() -> str:
    """The operating system as `system-release-machine`, then `-with-<libc><version>` where
    the C library is known: `Linux-6.1.0-x86_64-with-glibc2.36`, `macOS-14.4-arm64`,
    `Windows-10-AMD64`. What `platform.platform()` says without the processor, which
    it asks `uname -p` for (a process per call, and nearly always blank or the machine)."""
    system, release, machine = platform.system(), platform.release(), platform.machine()
    if system == "Darwin" and platform.mac_ver()[0]:
        system, release = "macOS", platform.mac_ver()[0]
    libc = "".join(platform.libc_ver()) if system == "Linux" else ""
    parts = [system, release, machine, *(["with", libc] if libc else [])]
    return "-".join(part.replace(" ", "_") for part in parts if part)


def read_recorded(model_dir: Path) -> dict[str, Any] | None:
    """The metadata a training run recorded in the model folder, if any."""
    path = model_dir / METADATA_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelFolderError(
            f"{path} is not valid JSON: fix or delete it, then run `git hf record` again"
        ) from e
    return data if isinstance(data, dict) else None


def record(
    repo: GitRepo,
    model_dir: Path,
    params: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    name: str | None = None,
    extra: dict[str, Any] | None = None,
    keep: bool = False,
    say: Say | None = None,
) -> Path:
    """Write experiment_metadata.json into the model folder, stamped with HEAD and the dirty flag.

    Called at training time (by `git hf record` or a training script) so that a push can
    check the folder was produced by the commit the version tag points at, and holds the
    files it held now: the record carries a manifest (path, size, sha256 of every file).
    With `keep`, an immutable copy of the folder is kept until its version is published."""
    head = repo.head_commit()
    if head is None:
        raise HfgitError("the repository has no commit yet: commit your training code first")
    _require_folder(model_dir)
    relative = _relative_to(model_dir, repo.root)
    data: dict[str, Any] = {
        "experiment_name": name,
        "git_commit": head,
        "git_branch": repo.current_branch(),
        "git_dirty": repo.is_dirty(ignore=(relative,) if relative else ()),
        "git_remote": repo.remote_url(),
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "training_params": params or {},
        "eval_results": metrics or {},
        "system": system_info(),
        "hfgit_version": __version__,
    }
    if extra:
        data.update(extra)
    data.update(_fixed_content(repo.git_dir, model_dir, keep, say))
    path = model_dir / METADATA_FILE
    try:
        write_json_atomic(path, data)
    except OSError as e:
        raise ModelFolderError(f"cannot write {_shown(path)}: {e.strerror or e}") from None
    pins.remember(repo.git_dir, data)
    return path


def _fixed_content(git_dir: Path, model_dir: Path, keep: bool, say: Say | None) -> dict[str, Any]:
    """The manifest of the folder, and with `keep` the id of the copy kept of it."""
    state = pins.state_dir(git_dir)
    cache = HashCache(state / CACHE_FILE, announcer(say))
    checked = manifest.check(model_dir, None, cache)
    if checked.differences:
        raise ModelFolderError(
            f"{_shown(model_dir)} is still being written ({checked.describe()}): "
            "record once training has finished"
        )
    made = checked.as_manifest()
    out: dict[str, Any] = {manifest.MANIFEST_KEY: made.to_json()}
    if keep:
        files = [(p, path, (h.size, h.mtime_ns)) for p, path, h in checked.files]
        hashes = {p: h for p, _, h in checked.files}
        try:
            kept = keep_copies.keep_files(state, made.digest[:16], files, cache, hashes)
        except OSError as e:
            raise ModelFolderError(
                f"cannot keep a copy of {_shown(model_dir)} in {keep_copies.store(state)}: "
                f"{e.strerror or e}"
            ) from None
        out[pins.KEPT_KEY] = kept.id
        if say is not None:
            how = "reflinked: no extra space until retraining" if kept.reflinked else "copied"
            say(f"kept a copy of {_shown(model_dir)} until its version is published ({how})")
    return out


def announcer(say: Say | None) -> Callable[[Path, int], None] | None:
    """Tells the user before a large file is read in full (once: the cache remembers it)."""
    if say is None:
        return None
    return lambda path, size: say(
        f"hashing {path.name} ({size / (1 << 30):.1f} GiB), once: later pushes reuse the hash"
    )


def _require_folder(model_dir: Path) -> None:
    """The folder training wrote; a misspelt name is not created, it is an error."""
    if model_dir.is_dir():
        return
    if model_dir.exists():
        raise ModelFolderError(
            f"{_shown(model_dir)} is a file, not a model folder: name the folder training wrote"
        )
    raise ModelFolderError(
        f"model folder {_shown(model_dir)} does not exist: train into it first, or name the "
        "folder training wrote (--model-dir, or model_dir in .hfgit.yaml)"
    )


def _shown(path: Path) -> str:
    """`path` relative to the current folder when it is inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def version_metadata(
    provenance: Provenance,
    version: str,
    timestamp: datetime,
    recorded: dict[str, Any] | None,
    params: dict[str, Any],
    metrics: dict[str, Any],
    base_model: str | None,
    model: str | None = None,
) -> dict[str, Any]:
    """The experiment_metadata.json that travels with a published version: `version` is its
    Hub tag, `git_tag` the local tag it was published from (`clf@v1.2.0` for one of several
    models, whose name is `model`)."""
    recorded = recorded or {}
    standard = {
        "version": version,
        **({"model": model} if model is not None else {}),
        "git_tag": provenance.tag,
        "git_commit": provenance.commit,
        "git_branch": provenance.branch,
        "git_dirty": bool(recorded.get("git_dirty", False)),
        "git_remote": provenance.remote,
        "timestamp": timestamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "experiment_name": recorded.get("experiment_name"),
        "recorded_at": recorded.get("recorded_at"),
        "hfgit_version": __version__,
        "base_model": base_model,
        "training_params": params,
        "eval_results": metrics,
        "system": recorded.get("system") or system_info(),
    }
    # Fields a training run recorded beyond these (configured experiment fields) travel too.
    # The id of a kept copy is this machine's business: it does not travel.
    extras = {k: v for k, v in recorded.items() if k not in standard and k != pins.KEPT_KEY}
    return {**extras, **standard}


def to_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    fsio.write_atomic(path, to_bytes(data))


def _relative_to(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
