"""Local backups of a Hub revision before `--force` moves its tag.

Published versions are immutable Hub tags; the one operation that makes a tag point at new
content is a forced re-publish. With `backup.enabled`, the revision the tag pointed at is
downloaded first to `local_backup_dir/<namespace>/<name>/<tag>-<timestamp>/`, and only the
newest `keep_backups` backups of a repository are kept."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

from hfgit.config import BackupConfig
from hfgit.effects import Say, silent
from hfgit.errors import HfgitError
from hfgit.hub import Hub

STAMP = "%Y%m%d-%H%M%S-%f"
_STAMP_RE = re.compile(r"-(\d{8}-\d{6}-\d{6})$")


def backup_root(config: BackupConfig, base: Path) -> Path:
    """Where backups go: `~` expanded, relative paths taken from `base` (the repository)."""
    path = Path(config.local_backup_dir).expanduser()
    return path if path.is_absolute() else base / path


def before_move(
    config: BackupConfig, hub: Hub, tag: str, base: Path, say: Say = silent
) -> Path | None:
    """Save the revision `tag` points at on the Hub; None when backups are off."""
    if not config.enabled:
        return None
    repo_dir = backup_root(config, base) / hub.repo_id
    target = repo_dir / f"{tag}-{datetime.now(timezone.utc).strftime(STAMP)}"
    try:
        hub.download(tag, target)
    except HfgitError as e:
        shutil.rmtree(target, ignore_errors=True)
        raise HfgitError(
            f"could not back up {tag} before moving its Hub tag ({e}); the tag was not moved: "
            "fix that, or set backup.enabled to false"
        ) from e
    shutil.rmtree(target / ".cache", ignore_errors=True)  # the client's download bookkeeping
    say(f"saved {tag} as it was on the Hub to {target}")
    prune(repo_dir, config.keep_backups)
    return target


def backups(repo_dir: Path) -> list[Path]:
    """A repository's backups, oldest first."""
    if not repo_dir.is_dir():
        return []
    found = [
        (match.group(1), path)
        for path in repo_dir.iterdir()
        if path.is_dir() and (match := _STAMP_RE.search(path.name))
    ]
    return [path for _, path in sorted(found)]


def prune(repo_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups; returns what was removed."""
    existing = backups(repo_dir)
    doomed = existing[: max(0, len(existing) - max(keep, 1))]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return doomed
