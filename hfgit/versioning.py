"""Tag <-> version, ordering, bumping. Pure: no I/O.

Three tag formats:
  semver      v1.2.0, v2.0.0-rc.1        ordered by semver precedence
  timestamp   v20240101-120000           ordered by time
  experiment  exp-baseline-001           ordered by run number, then name

In a repository with several models, a model's local tags carry its name first, as GTO
writes them (`clf@v1.2.0`); the Hub tag in that model's own Hub repository is the rest
(`v1.2.0`). A scheme with a `model` parses only that model's local tags; `Version.tag` is the
local tag and `Version.hub_tag` the Hub's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Literal, cast

import semver

from hfgit.errors import UsageError, VersionTagError

TagFormat = Literal["semver", "timestamp", "experiment"]
BumpKind = Literal["major", "minor", "patch", "prerelease"]
TAG_FORMATS: tuple[str, ...] = ("semver", "timestamp", "experiment")
BUMP_KINDS: tuple[str, ...] = ("major", "minor", "patch", "prerelease")
DEFAULT_PREFIX: dict[str, str] = {"semver": "v", "timestamp": "v", "experiment": "exp-"}
_TIMESTAMP = "%Y%m%d-%H%M%S"
_TIMESTAMP_RE = re.compile(r"\d{8}-\d{6}")
_EXPERIMENT_RE = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*?)-(?P<number>\d+)")
_RANK = {"major": 3, "minor": 2, "patch": 1}
# semver's pre-release identifiers: ASCII alphanumerics and hyphens, numbers without leading 0
_IDENTIFIER = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_PRERELEASE_RE = re.compile(rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})*")
MODEL_SEP = "@"  # GTO's: name@v1.2.0


@dataclass(frozen=True)
class TagScheme:
    """How version tags are spelled in this repository."""

    format: TagFormat = "semver"
    prefix: str = "v"
    model: str | None = None  # a model of several: its local tags are `model@<hub tag>`

    @classmethod
    def of(cls, fmt: str, prefix: str | None = None, model: str | None = None) -> TagScheme:
        if fmt not in TAG_FORMATS:
            raise VersionTagError(
                f"unknown tag format {fmt!r}; use one of {', '.join(TAG_FORMATS)}"
            )
        return cls(cast(TagFormat, fmt), DEFAULT_PREFIX[fmt] if prefix is None else prefix, model)

    @property
    def head(self) -> str:
        """What every local tag of this scheme starts with before the Hub tag ("" or `clf@`)."""
        return f"{self.model}{MODEL_SEP}" if self.model is not None else ""

    @property
    def on_hub(self) -> TagScheme:
        """The scheme of the Hub tags (no model name: each model has its own Hub repo)."""
        return replace(self, model=None) if self.model is not None else self

    def local_tag(self, hub_tag: str) -> str:
        """`v1.2.0` -> `clf@v1.2.0` (unchanged for a single model)."""
        return f"{self.head}{hub_tag}"

    def hub_tag(self, local_tag: str) -> str:
        """`clf@v1.2.0` -> `v1.2.0` (unchanged for a single model, or a tag of another model)."""
        head = self.head
        return local_tag[len(head) :] if head and local_tag.startswith(head) else local_tag

    def shell_globs(self) -> list[str]:
        """sh `case` patterns that every version tag matches (a cheap pre-filter for hooks)."""
        p = _glob_escape(self.head + self.prefix)
        if self.format == "semver":
            return [f"{p}[0-9]*.[0-9]*.[0-9]*"]
        if self.format == "timestamp":
            return [p + "[0-9]" * 8 + "-" + "[0-9]" * 6]
        return [f"{p}*-[0-9]*"]

    def describe(self) -> str:
        example = {"semver": "1.2.0", "timestamp": "20240101-120000", "experiment": "baseline-001"}
        return f"{self.format} tags like {self.head}{self.prefix}{example[self.format]}"


@dataclass(frozen=True, order=False)
class Version:
    """A version tag, comparable with other versions of the same scheme."""

    tag: str
    scheme: TagScheme
    key: tuple[object, ...] = field(compare=False, repr=False)
    semver: semver.Version | None = field(default=None, compare=False, repr=False)

    @property
    def is_prerelease(self) -> bool:
        return self.semver is not None and self.semver.prerelease is not None

    @property
    def hub_tag(self) -> str:
        """The tag's name on the Hub (`v1.2.0` for the local `clf@v1.2.0`)."""
        return self.tag[len(self.scheme.head) :]

    @property
    def line(self) -> str:
        """The release line a version belongs to; older lines live on their own Hub branch."""
        if self.semver is not None:
            return f"{self.scheme.prefix}{self.semver.major}.{self.semver.minor}.x"
        return self.hub_tag

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __le__(self, other: Version) -> bool:
        return not other < self  # equal precedence (v1.0.0+a, v1.0.0+b) counts as equal

    def __gt__(self, other: Version) -> bool:
        return other < self

    def __ge__(self, other: Version) -> bool:
        return not self < other


def _precedence(sv: semver.Version) -> tuple[object, ...]:
    """SemVer precedence as a plain tuple (sorting thousands of versions compares tuples, not
    semver objects): a release above its pre-releases; pre-release identifiers numeric below
    alphanumeric, numbers by value, more identifiers above fewer; build metadata ignored."""
    if sv.prerelease is None:
        return (sv.major, sv.minor, sv.patch, (1,))
    ids = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in str(sv.prerelease).split(".")
    )
    return (sv.major, sv.minor, sv.patch, (0, ids))


@functools.lru_cache(maxsize=1 << 14)
def parse_tag(tag: str, scheme: TagScheme) -> Version | None:
    """The version a tag names, or None when it is not a version tag of this scheme.
    (Versions are immutable: a tag read again, as status and log do, is parsed once.)"""
    start = scheme.head + scheme.prefix
    if not tag.startswith(start):
        return None
    body = tag[len(start) :]
    if scheme.format == "semver":
        try:
            sv = semver.Version.parse(body)
        except ValueError:
            return None
        return Version(tag, scheme, _precedence(sv), sv)
    if scheme.format == "timestamp":
        if not _TIMESTAMP_RE.fullmatch(body):
            return None
        try:
            moment = datetime.strptime(body, _TIMESTAMP)
        except ValueError:
            return None
        return Version(tag, scheme, (moment,))
    match = _EXPERIMENT_RE.fullmatch(body)
    if match is None:
        return None
    return Version(tag, scheme, (int(match["number"]), match["name"]))


def require_version(tag: str, scheme: TagScheme) -> Version:
    version = parse_tag(tag, scheme)
    if version is None:
        raise VersionTagError(
            f"{tag!r} is not a version tag ({_whose(scheme)} uses {scheme.describe()})"
        )
    return version


def _whose(scheme: TagScheme) -> str:
    return f"model {scheme.model}" if scheme.model is not None else "this repository"


def version_tags(tags: Iterable[str], scheme: TagScheme) -> list[Version]:
    """The version tags among `tags`, lowest first."""
    return sorted(v for v in (parse_tag(t, scheme) for t in tags) if v is not None)


def latest(versions: Iterable[Version], include_prereleases: bool = True) -> Version | None:
    candidates = [v for v in versions if include_prereleases or not v.is_prerelease]
    return max(candidates, default=None)


def next_version(
    current: Version | None,
    kind: str,
    scheme: TagScheme,
    pre_token: str | None = None,
    now: datetime | None = None,
) -> str:
    """The tag after `current` for a bump of `kind` (major/minor/patch/prerelease)."""
    if pre_token is not None:
        _check_prerelease(pre_token, scheme)
    if scheme.format == "timestamp":
        moment = now or datetime.now(timezone.utc)
        return f"{scheme.head}{scheme.prefix}{moment.strftime(_TIMESTAMP)}"
    if scheme.format == "experiment":
        if current is None:
            raise VersionTagError(
                "no experiment tag yet: create the first one, e.g. exp-baseline-001"
            )
        number, name = current.key
        return f"{scheme.head}{scheme.prefix}{name}-{int(number) + 1:03d}"  # type: ignore[call-overload]
    if kind not in BUMP_KINDS:
        raise UsageError(f"unknown bump {kind!r}; use one of {', '.join(BUMP_KINDS)} or auto")
    base = (
        current.semver if current is not None and current.semver is not None else semver.Version(0)
    )
    token = pre_token or "rc"
    if kind == "prerelease":
        bumped = base.next_version("prerelease", token)
    elif pre_token:
        # always a new major/minor/patch (from v1.3.0-rc.1, minor --pre rc is v1.4.0-rc.1):
        # next_version() would finalize the pre-release and land back on the current tag
        bumped = getattr(base, f"bump_{kind}")().bump_prerelease(token)
    else:
        bumped = base.next_version(kind)
    return f"{scheme.head}{scheme.prefix}{bumped}"


def _check_prerelease(token: str, scheme: TagScheme) -> None:
    """A pre-release token semver accepts (`rc`, `beta.2`), for a semver scheme."""
    if scheme.format != "semver":
        raise UsageError(
            f"pre-release {token!r}: only semver tags have pre-releases (this repository uses "
            f"{scheme.describe()})"
        )
    if not _PRERELEASE_RE.fullmatch(token):
        raise UsageError(
            f"pre-release {token!r} is not valid: use dot-separated letters, digits and "
            "hyphens, e.g. rc, beta or alpha"
        )


def conventional_bump(message: str) -> str | None:
    """The release a conventional commit implies: feat -> minor, fix/perf -> patch, ! -> major."""
    lines = message.strip().splitlines()
    if not lines:
        return None
    header = re.match(r"(?P<type>[a-zA-Z]+)(\([^)]*\))?(?P<bang>!)?:\s", lines[0])
    if header is None:
        return None
    body = "\n".join(lines[1:])
    if header["bang"] or re.search(r"^BREAKING[ -]CHANGE:", body, re.MULTILINE):
        return "major"
    kind = header["type"].lower()
    if kind == "feat":
        return "minor"
    if kind in ("fix", "perf"):
        return "patch"
    return None


def conventional_scopes(message: str) -> set[str]:
    """The scopes a conventional commit names: `feat(clf): ...` -> {clf}; `fix(clf,det)!:`
    -> {clf, det}."""
    first = message.strip().split("\n", 1)[0]
    header = re.match(r"[a-zA-Z]+\((?P<scope>[^)]*)\)!?:\s", first)
    if header is None:
        return set()
    return {part.strip() for part in header["scope"].split(",") if part.strip()}


def counts_for(model: str, paths: Iterable[str], message: str, changed: Iterable[str]) -> bool:
    """Whether a commit counts towards model `model`'s next version: it carries the model's
    scope, or changes one of its `paths` (a file, or anything in a folder)."""
    if model in conventional_scopes(message):
        return True
    owned = [p.rstrip("/") for p in paths]
    return any(c == p or c.startswith(f"{p}/") for c in changed for p in owned)


def auto_bump(messages: Iterable[str]) -> str | None:
    """The largest bump implied by a series of commit messages, or None if none implies one."""
    kinds = [k for k in (conventional_bump(m) for m in messages) if k is not None]
    return max(kinds, key=_RANK.__getitem__, default=None)


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
