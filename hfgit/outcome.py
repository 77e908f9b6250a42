"""What publishing did (or, in a dry run, would do) to each version, as plain data: the
outcome of `git hf push` per version (`--json`), and how far a push got. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from hfgit.errors import HfgitError


@dataclass(frozen=True)
class FileChange:
    path: str
    size: int
    status: str  # new | changed | unchanged | deleted | stored (its content was on the Hub)


@dataclass
class Outcome:
    """What happened (or, in a dry run, would happen) to one version."""

    tag: str
    git_commit: str
    action: str  # publish | republish | skip
    branch: str | None  # a skip's: the branch it is on, None when the refs cannot tell
    reason: str
    changes: list[FileChange] = field(default_factory=list)
    hub_commit: str | None = None
    summary: str = ""
    url: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    error: str | None = None  # why the version was not published
    retry: bool = False  # the failure may pass: a later push may publish it as it is
    failure: HfgitError | None = field(default=None, repr=False, compare=False)
    hub_tag: str | None = None  # one of several models: the Hub's name of `tag` (v1.2.0)
    model: str | None = None  # one of several models: its name
    transferred: int | None = None  # bytes the upload measured on the wire (Xet dedupes chunks)

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def files_sent(self) -> int:
        return sum(1 for c in self.changes if c.status in ("new", "changed"))

    @property
    def bytes_sent(self) -> int:
        """What crossed the wire when the upload measured it (over Xet, only the chunks the Hub
        lacked), else the sizes of the new and changed files (LFS sends them whole)."""
        if self.transferred is not None:
            return self.transferred
        return sum(c.size for c in self.changes if c.status in ("new", "changed"))

    @property
    def bytes_skipped(self) -> int:
        return sum(c.size for c in self.changes if c.status == "unchanged")

    @property
    def bytes_stored(self) -> int:
        """New or changed files whose content the Hub already had: committed, not sent."""
        return sum(c.size for c in self.changes if c.status == "stored")

    def to_json(self) -> dict[str, object]:
        several = {"model": self.model, "hub_tag": self.hub_tag} if self.model else {}
        return {
            "tag": self.tag,
            **several,
            "git_commit": self.git_commit,
            "action": self.action,
            "branch": self.branch,
            "reason": self.reason,
            "hub_commit": self.hub_commit,
            "url": self.url,
            "commit_message": self.summary,
            "files": [c.__dict__ for c in self.changes],
            "files_sent": self.files_sent,
            "bytes_sent": self.bytes_sent,
            "bytes_skipped": self.bytes_skipped,
            "bytes_stored": self.bytes_stored,
            "seconds": round(self.seconds, 3),
            "warnings": self.warnings,
            "dry_run": self.dry_run,
            "error": self.error,
            "retry": self.retry,
        }


@dataclass
class Progress:
    """How far a push got, readable from another thread (to report an interrupted push)."""

    planned: list[str] = field(default_factory=list)
    done: list[Outcome] = field(default_factory=list)
    current: str | None = None  # the version being published
    stage: str = ""  # of `current`: checking | uploading (and committing) | tagging
