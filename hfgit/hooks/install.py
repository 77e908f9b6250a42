"""Install, upgrade, uninstall and report hfgit's hook shims in a repository's hooks directory.

The shims (rendered by `shim.py`) filter in POSIX sh and start Python only for a created or
pushed version tag. A shim is recognised by its marker, whatever hfgit version wrote it, and
`install` rewrites it in place. A foreign hook is chained: moved to `<hook>.hfgit-chained` and
run first by the shim; `uninstall` moves it back, so the hooks directory ends as it began.
The hooks directory is git's: core.hooksPath when set (outside the repository only with
`--shared`), else `<git-dir>/hooks`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hfgit.config import Config, load_config
from hfgit.constants import CONFIG_FILE
from hfgit.errors import HfgitError
from hfgit.fsio import write_atomic
from hfgit.hooks import gitcli, queue
from hfgit.hooks.shim import HOOK_NAMES, MARKER_SPAN, PURPOSE, default_git_hf, is_shim, render

CHAINED_SUFFIX = ".hfgit-chained"
LEGACY_SUFFIX = ".legacy"  # where pre-commit keeps the hook it found when it installed its own


class HookConflictError(HfgitError):
    """A hook cannot be installed or removed without losing someone else's."""


@dataclass(frozen=True)
class HookState:
    name: str
    wanted: bool  # the config asks for it
    state: str  # installed | stale (re-install) | missing | foreign (another tool's) | absent
    chained: bool  # a foreign hook runs first


def wanted_hooks(config: Config, has_reference_transaction: bool) -> dict[str, bool]:
    """Which shims the config asks for (with several models: any model's wish)."""
    every = [c.hooks for c in config.each()]
    auto_push = any(h.auto_push for h in every)
    return {
        "reference-transaction": auto_push and has_reference_transaction,
        "pre-push": any(h.pre_push != "off" for h in every)
        or (auto_push and not has_reference_transaction),
        "post-commit": any(h.auto_bump == "conventional" for h in every),
    }


def is_ours(path: Path) -> bool:
    """Whether the hook at `path` is an hfgit shim (of any version)."""
    try:
        with path.open("rb") as f:
            return is_shim(f.read(MARKER_SPAN))
    except OSError:
        return False


def shim_for(name: str, config: Config) -> str:
    """The shim for this repository: its filter takes the version and stage tags of every
    model."""
    globs = [g for c in config.each() for g in c.scheme.shell_globs()]
    labels = list(dict.fromkeys(c.label for c in config.each()))
    return render(name, list(dict.fromkeys(globs)), default_git_hf(), labels)


def install(repo_root: Path, shared: bool = False) -> list[str]:
    """Install (or refresh) the shims the config asks for; returns what was done, one line each."""
    root = gitcli.work_tree(repo_root)
    config = load_config(root / CONFIG_FILE)
    directory = resolve_hooks_dir(root, shared)
    directory.mkdir(parents=True, exist_ok=True)
    rtx = gitcli.has_reference_transaction()
    messages = []
    if not rtx:
        messages.append(
            "git is older than 2.28 (no reference-transaction hook): version tags "
            "publish when you push them to a git remote, or with `git hf push`"
        )
    for name, wanted in wanted_hooks(config, rtx).items():
        messages += (
            _install_one(directory, name, config) if wanted else _remove_one(directory, name)
        )
    return messages or [f"hooks in {directory} are up to date"]


def uninstall(repo_root: Path) -> list[str]:
    """Remove hfgit's shims and put back the hooks they chained, byte for byte."""
    directory = gitcli.hooks_dir(gitcli.work_tree(repo_root))
    messages = [m for name in HOOK_NAMES for m in _remove_one(directory, name)]
    return messages or [f"no hfgit hooks in {directory}"]


def resolve_hooks_dir(root: Path, shared: bool) -> Path:
    """The hooks directory, refusing a core.hooksPath outside the repository unless `shared`."""
    directory = gitcli.hooks_dir(root)
    setting = gitcli.hooks_path_setting(root)
    if setting is None or shared:
        return directory
    inside = (root, gitcli.git_dir(root))
    if not any(directory == base or base in directory.parents for base in inside):
        value, origin = setting
        raise HookConflictError(
            f"core.hooksPath is {value} ({origin}), outside this repository: other repositories "
            "use those hooks too; install there with `git hf hooks install --shared`, or unset it"
        )
    return directory


def _slot(directory: Path, name: str) -> Path | None:
    """Where hfgit's shim for `name` is: the hook itself, or `<hook>.legacy` if pre-commit chained it."""
    for path in (directory / name, directory / (name + LEGACY_SUFFIX)):
        if is_ours(path):
            return path
    return None


def _install_one(directory: Path, name: str, config: Config) -> list[str]:
    path, chained = directory / name, directory / (name + CHAINED_SUFFIX)
    messages = []
    slot = _slot(directory, name)
    if slot is None and (path.exists() or path.is_symlink()):
        if chained.exists() or chained.is_symlink():
            raise HookConflictError(
                f"{path} is not hfgit's, and {chained.name} is already there: "
                "merge or remove one of them, then run `git hf hooks install` again"
            )
        os.rename(path, chained)
        messages.append(
            f"{name}: chained the existing hook (moved to {chained.name}; it runs first)"
        )
    text = shim_for(name, config)
    if slot is not None and slot.read_text(encoding="utf-8", errors="replace") == text:
        return messages
    done = "installed" if slot is None else "updated"
    slot = slot or path
    write_atomic(slot, text, mode=0o755)
    via = f" (run by pre-commit's hook as {slot.name})" if slot != path else ""
    messages.append(f"{name}: {done} ({PURPOSE[name]}){via}")
    return messages


def _remove_one(directory: Path, name: str) -> list[str]:
    slot, chained = _slot(directory, name), directory / (name + CHAINED_SUFFIX)
    if slot is None:
        return []
    slot.unlink()
    if chained.exists() or chained.is_symlink():
        os.rename(chained, slot)
        return [f"{name}: removed; restored the hook it chained"]
    return [f"{name}: removed"]


def status(repo_root: Path) -> list[HookState]:
    """The state of each hfgit hook in this repository."""
    root = gitcli.work_tree(repo_root)
    config = load_config(root / CONFIG_FILE)
    directory = gitcli.hooks_dir(root)
    wanted = wanted_hooks(config, gitcli.has_reference_transaction())
    return [_state(directory, name, wanted[name], config) for name in HOOK_NAMES]


def _state(directory: Path, name: str, wanted: bool, config: Config) -> HookState:
    slot = _slot(directory, name)
    chained = (directory / (name + CHAINED_SUFFIX)).exists()
    if slot is not None:
        fresh = slot.read_text(encoding="utf-8", errors="replace") == shim_for(name, config)
        return HookState(name, wanted, "installed" if fresh and wanted else "stale", chained)
    if (directory / name).exists():
        return HookState(name, wanted, "foreign" if wanted else "absent", chained)
    return HookState(name, wanted, "missing" if wanted else "absent", chained)


def queue_report(git_dir: Path) -> dict[str, object]:
    """Queue, last error and log of the hook path, for `git hf status`. Never raises."""
    error = queue.last_error(git_dir) or {}
    entries = queue.entries(git_dir)
    return {
        "installed": _installed(git_dir),
        "queued": [e.tag for e in entries],
        "entries": [e.to_json() for e in entries],
        "refused": queue.refusals(git_dir),
        "last_error": error.get("error") if isinstance(error.get("error"), str) else None,
        "last_error_at": error.get("at") if isinstance(error.get("at"), str) else None,
        "last_error_tags": error.get("tags") if isinstance(error.get("tags"), list) else [],
        "log": str(queue.log_path(git_dir)),
    }


def _installed(git_dir: Path) -> bool:
    try:
        base = git_dir.parent if git_dir.name == ".git" else git_dir
        directory = gitcli.hooks_dir(base)
    except (HfgitError, OSError):
        directory = git_dir / "hooks"
    return any(_slot(directory, name) is not None for name in HOOK_NAMES)
