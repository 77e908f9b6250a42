"""The files a version publishes, checked against what was fixed when the version was made.

Where a version's content was fixed (see "A version's content is fixed when it is made" in
docs/architecture.md), in order:

1. its pin, saved by the hook right after `git tag`: the record the folder held then (with
   its manifest) or, without one, the stat of every file; and the kept copy, if any;
2. else the folder's record as it is now, with its manifest and kept copy, if any;
3. else nothing: the folder is published as it is now, with a note if it changed after the
   tag was made.

Files are read from the kept copy when there is one, else from the model folder. A folder
that no longer holds what was fixed is refused with ContentChangedError (unless forced).

Only a manifest asks for the files' content up front. Otherwise a file is hashed when the
publish needs it (`FileHashes`: the Hub has a file of the same size at that path), or by the
Hub client as it uploads it, the hash cache learning the client's sha256; either way the file
must still have the stat it was checked with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hfgit import keep, manifest, pins, prehash
from hfgit import metadata as md
from hfgit.constants import CARD_FILE
from hfgit.effects import Say
from hfgit.errors import ContentChangedError
from hfgit.files import CACHE_FILE, HashCache, Hashed, LocalFile
from hfgit.gitrepo import Tag
from hfgit.project import Project

SHOWN_LATER = 2  # files named in the "changed after the tag" note
SECOND = 1_000_000_000  # ns
REF_WRITTEN_WITHIN = 2 * SECOND  # of the tagger date: the ref `git tag` wrote with the tag


@dataclass(frozen=True)
class VersionFiles:
    folder: Path  # the model folder, or the version's kept copy
    recorded: dict[str, Any] | None  # the record that describes this version, if any
    files: list[LocalFile]  # the model's files, hashed (README.md excluded: see `folder`)
    stamps: dict[str, tuple[int, int, int]]  # path in repo -> stat when it was checked
    warnings: list[str] = field(default_factory=list)
    kept: bool = False
    unread: dict[str, FileHashes] = field(default_factory=dict)  # files not hashed yet


class FileHashes:
    """The hashes of a checked file that the check did not read: read when a publish needs
    them, or learned from the Hub client's hash of the upload. The file must still have the
    stat it was checked with (ContentChangedError otherwise)."""

    def __init__(
        self, cache_file: Path, path_in_repo: str, source: Path, stamp: tuple[int, int, int]
    ) -> None:
        self.cache_file, self.path_in_repo, self.source, self.stamp = (
            cache_file,
            path_in_repo,
            source,
            stamp,
        )

    def read(self) -> Hashed:
        cache = HashCache(self.cache_file)
        hashed = cache.read(self.source, git_oid=True)
        cache.save()
        if not hashed.stable or hashed.stamp != self.stamp:
            raise ContentChangedError(f"{self.path_in_repo} changed after it was checked")
        return hashed

    def ahead(self) -> str | None:
        """The sha256 read ahead of the push (`prehash`) at the stat the file was checked
        with, now in the cache too; None when it was not read ahead."""
        sha256 = prehash.result(self.source, self.stamp)
        if sha256 is not None:
            self.learn(sha256)
        return sha256

    def learn(self, sha256: str) -> None:
        cache = HashCache(self.cache_file)
        cache.learn(self.source, self.stamp, sha256)
        cache.save()


def version_files(project: Project, tag: Tag, force: bool, say: Say | None) -> VersionFiles:
    git_dir = project.repo.git_dir
    state = pins.state_dir(git_dir)
    pin = pins.load(git_dir, tag.name, tag.commit)
    expected: manifest.Expected | None
    if pin is not None and pin.late and not force:
        # The folder moved on before the hook could pin it; a record made at the tag's commit
        # (kept per commit) still says what was tagged, by sha256, and where its copy is.
        recorded = _recorded_before(pins.recorded_at(git_dir, tag.commit), tag, state.parent)
        expected = manifest.Manifest.from_json((recorded or {}).get(manifest.MANIFEST_KEY))
        if expected is None:
            raise ContentChangedError(
                f"{tag.name}: the model folder changed while {tag.name} was being tagged "
                f"({', '.join(pin.late[:3])} modified after the tag): what was tagged is not "
                "known; train, record and tag it again, or --force publishes it as it is now"
            )
        kept_id = (recorded or {}).get(pins.KEPT_KEY)
    elif pin is not None:
        recorded, kept_id = pin.record, pin.kept
        expected = pin.manifest or pin.snapshot
    else:
        recorded = _record_of(project, tag)
        kept_id = (recorded or {}).get(pins.KEPT_KEY)
        expected = manifest.Manifest.from_json((recorded or {}).get(manifest.MANIFEST_KEY))
    kept = keep.path_of(state, kept_id)
    folder = kept or project.require_model_dir()
    cache = HashCache(state / CACHE_FILE, md.announcer(say))
    checked = manifest.check(folder, expected, cache, read=False)
    warnings: list[str] = []
    if checked.differences and expected is not None:
        since = "it was recorded" if isinstance(expected, manifest.Manifest) else "it was tagged"
        changed = f"{tag.name}: the model folder changed since {since} ({checked.describe()})"
        if not force:
            raise ContentChangedError(
                f"{changed}: it is not {tag.name}'s model any more; record and tag it again, or "
                "--force publishes it as it is now (`git hf record --keep` keeps a version's "
                "files until it is published)"
            )
        warnings.append(f"{changed}; publishing it as it is now (--force)")
        checked = manifest.check(folder, None, cache, read=False)
    if checked.differences:
        raise ContentChangedError(
            f"{tag.name}: the model folder is being written ({checked.describe()}): "
            "push once training has finished"
        )
    made = _made_at(tag, state.parent)
    if expected is None and made is not None:
        warnings += _changed_after(checked, tag.name, made, project.config.model_dir)
    return VersionFiles(
        folder,
        recorded,
        [_local(path, source, h) for path, source, h in checked.files if path != CARD_FILE],
        {path: h.stamp for path, _, h in checked.files},
        warnings,
        kept=kept is not None,
        unread={
            path: FileHashes(state / CACHE_FILE, path, source, h.stamp)
            for path, source, h in checked.files
            if not (h.known and h.git_oid)
        },
    )


def _record_of(project: Project, tag: Tag) -> dict[str, Any] | None:
    """The folder's record when it was made at the tag's commit, else the last record made at
    that commit (the folder was recorded again since), else the folder's record, whatever it is
    (push then says which commit it belongs to)."""
    folder = md.read_recorded(project.model_dir) if project.model_dir.is_dir() else None
    if folder is not None and folder.get("git_commit") == tag.commit:
        return folder
    return pins.recorded_at(project.repo.git_dir, tag.commit) or folder


def _recorded_before(
    recorded: dict[str, Any] | None, tag: Tag, common_dir: Path
) -> dict[str, Any] | None:
    """`recorded` if it was made before the tag (a record made after it is another run's)."""
    made = _made_at(tag, common_dir)
    try:
        at = datetime.strptime(str((recorded or {})["recorded_at"]), "%Y-%m-%dT%H:%M:%SZ")
    except (KeyError, ValueError):
        return None
    if made is not None and _ns(at.replace(tzinfo=timezone.utc)) > made[0]:
        return None
    return recorded


def _made_at(tag: Tag, common_dir: Path) -> tuple[int, int] | None:
    """When the tag was made, in ns since the epoch, as (earliest, latest).

    Exact (both the same) from the tag's loose ref file, written as `git tag` ends. Else an
    annotated tag's date, which git keeps in whole seconds: some time in that second (a file
    written in it may come before the tag). A lightweight tag's own date is its commit's,
    earlier than any training: without its ref file, not known."""
    try:
        written: int | None = (common_dir / "refs" / "tags" / tag.name).stat().st_mtime_ns
    except (OSError, ValueError):
        written = None
    if not tag.annotated:
        return None if written is None else (written, written)
    start = _ns(tag.date)
    if written is not None and start <= written < start + REF_WRITTEN_WITHIN:
        return written, written  # the ref of this tag object, not one fetched or packed since
    return start, start + SECOND - 1


def _ns(when: datetime) -> int:
    """A whole-second time in ns, exactly (no float rounding)."""
    return int(when.timestamp()) * SECOND


def _changed_after(
    checked: manifest.Checked, tag: str, made: tuple[int, int], shown: str
) -> list[str]:
    later = checked.modified_after(made[1])
    if not later:
        return []
    names = ", ".join(later[:SHOWN_LATER]) + (
        f" and {len(later) - SHOWN_LATER} more" if len(later) > SHOWN_LATER else ""
    )
    return [f"publishing {shown}/ as it is now, and it changed after {tag} was made ({names})"]


def _local(path: str, source: Path, hashed: Hashed) -> LocalFile:
    return LocalFile(path, source, hashed.size, hashed.git_oid, hashed.sha256)
