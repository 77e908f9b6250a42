"""Stage tags in git, as GTO writes them: `LABEL#STAGE#N` assigns STAGE to the version on the
tagged commit, `LABEL#STAGE!#N` takes it away; N counts up across the model's stage tags (as
GTO counts). GTO's simple form `LABEL#STAGE` (no number) reads as an assignment, ordered by
its date.

An annotated tag says who and when (its tagger) and, in its message, which version
(`Hfgit-Version: clf@v1.2.0`); GTO's own tags name the version in prose, or only through
the version tag on the same commit (see `stages.py`)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hfgit.constants import ENV_SKIP
from hfgit.errors import HfgitError

VERSION_KEY = "Hfgit-Version"
_NAME = re.compile(r"(?P<label>[^#@!]+)#(?P<stage>[^#!]+)(?P<bang>!)?(?:#(?P<number>[0-9]+))?")
_TITLE = re.compile(r"(Promote|Demote) \S+ (to|from) \S+$|(Assigning|Unassigning) stage ")
_GTO_VERSION = re.compile(
    r"^(?:Assigning|Unassigning) stage .* version '?(?P<version>[^'\s]+)'?$", re.M
)
_FIELDS = (
    "%(refname:strip=2)",
    "%(objecttype)",
    "%(objectname)",
    "%(*objectname)",
    "%(taggername)",
    "%(taggeremail)",
    "%(creatordate:unix)",
    "%(contents)",
)
_FORMAT = "%00".join(_FIELDS) + "%00"


@dataclass(frozen=True)
class StageTag:
    name: str
    label: str
    stage: str
    number: int | None  # None: GTO's simple form
    assigns: bool  # False: the stage is taken away (`!`)
    commit: str
    tagger: str
    date: datetime
    message: str

    @property
    def named_version(self) -> str | None:
        """The version the message names: hfgit's trailer, else GTO's prose."""
        for line in self.message.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() == VERSION_KEY and value.strip():
                return value.strip()
        found = _GTO_VERSION.search(self.message)
        return found.group("version") if found else None

    @property
    def note(self) -> str:
        """What the person promoting wrote: the message without the title hfgit or GTO
        writes on its own and without the trailer."""
        lines = self.message.strip().splitlines()
        if lines and _TITLE.match(lines[0]):
            lines = lines[1:]
        return "\n".join(line for line in lines if not line.startswith(f"{VERSION_KEY}:")).strip()


def parse_name(name: str) -> tuple[str, str, bool, int | None] | None:
    """`clf#prod#3` -> (clf, prod, True, 3); `clf#prod!#4` -> (clf, prod, False, 4)."""
    found = _NAME.fullmatch(name)
    if found is None:
        return None
    number = found.group("number")
    return (
        found.group("label"),
        found.group("stage"),
        found.group("bang") is None,
        int(number) if number else None,
    )


def tag_name(label: str, stage: str, assigns: bool, number: int) -> str:
    return f"{label}#{stage}{'' if assigns else '!'}#{number}"


def read(root: Path) -> list[StageTag]:
    """Every stage tag of the repository, oldest first (by number, then date)."""
    done = _git(root, "for-each-ref", f"--format={_FORMAT}", "refs/tags/*#*")
    fields = done.split("\0")
    tags = []
    for i in range(0, len(fields) - len(_FIELDS), len(_FIELDS)):
        name, kind, sha, peeled, tagger, email, created, message = fields[i : i + len(_FIELDS)]
        name = name.lstrip("\n")
        parsed = parse_name(name)
        if parsed is None or kind not in ("tag", "commit"):
            continue
        label, stage, assigns, number = parsed
        who = f"{tagger} {email}".strip() if kind == "tag" else ""
        tags.append(
            StageTag(
                name,
                label,
                stage,
                number,
                assigns,
                peeled if kind == "tag" else sha,
                who,
                datetime.fromtimestamp(int(created or 0), tz=timezone.utc),
                message if kind == "tag" else "",
            )
        )
    return sorted(tags, key=lambda t: (t.number or 0, t.date))


def create(root: Path, name: str, commit: str, message: str) -> StageTag:
    """An annotated stage tag, made by `git tag` (the tagger is the user's git identity)."""
    _git(root, "tag", "-a", name, commit, "-F", "-", given=message)
    made = next((t for t in read(root) if t.name == name), None)
    if made is None:
        raise HfgitError(f"git tag {name} was made but cannot be read back")
    return made


def delete(root: Path, name: str) -> None:
    """Take back a stage tag this command made (its promotion was refused)."""
    _git(root, "tag", "-d", name)


def _git(root: Path, *args: str, given: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            input=given.encode() if given is not None else None,
            capture_output=True,
            check=False,
            env={**os.environ, ENV_SKIP: "1"},  # promote publishes its own tag: not the hooks
        )
    except OSError as e:
        raise HfgitError(f"cannot run git: {e.strerror or e}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HfgitError(f"git {args[0]} failed: {said[-1] if said else 'no message from git'}")
    return done.stdout.decode("utf-8", "surrogateescape")
