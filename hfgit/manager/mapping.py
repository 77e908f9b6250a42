"""Pieces of the tutorial's config mapped onto hfgit's: tag scheme, model card, gates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hfgit.config import CardConfig
from hfgit.versioning import TagScheme
from hfgit.yamldoc import YamlDoc

SAMPLE_TIME = datetime(2024, 1, 2, 3, 4, 5)


def tag_scheme(main: YamlDoc, d: YamlDoc) -> tuple[str, str | None, str]:
    """(tag format, tag prefix, auto-increment kind).

    `versioning.semantic_versioning: true` in the detailed file means semver tags; otherwise
    `huggingface.versioning.tag_format` decides: `v{timestamp}` -> timestamp tags like
    v20240101-120000, `v{major}.{minor}.{patch}` -> semver, `exp-{name}-{number}` -> experiment."""
    increment = d.get("versioning.auto_increment")
    semantic = d.get("versioning.semantic_versioning")
    fmt_key = "huggingface.versioning.tag_format"
    tag_format = main.get(fmt_key)
    configured_prefix = d.get("versioning.tag_prefix")
    prefix = configured_prefix
    if semantic or (semantic is None and not tag_format):
        pattern = "semver"
    elif tag_format:
        inferred = _pattern_of(tag_format)
        if inferred is None:
            raise main.fail(
                fmt_key,
                "must contain {timestamp}, {major}.{minor}.{patch} or {name}-{number}",
            )
        pattern, prefix = inferred, tag_format.split("{", 1)[0]
    else:
        pattern = "timestamp"
    formats_prefix = "v" if configured_prefix is None else configured_prefix
    _check_format(d, "versioning.formats.timestamp", TagScheme.of("timestamp", formats_prefix))
    _check_format(d, "versioning.formats.semantic", TagScheme.of("semver", formats_prefix))
    return pattern, prefix, increment


def _pattern_of(tag_format: str) -> str | None:
    if "{timestamp}" in tag_format or "{year" in tag_format:
        return "timestamp"
    if "{major}" in tag_format or "{version}" in tag_format:
        return "semver"
    if "{number" in tag_format or "{name}" in tag_format:
        return "experiment"
    return None


def _check_format(d: YamlDoc, key: str, scheme: TagScheme) -> None:
    """A tutorial format string must spell tags the way hfgit parses them."""
    template = d.get(key)
    if not template:
        return
    t = SAMPLE_TIME
    fields: dict[str, Any] = {"year": t.year, "month": t.month, "day": t.day, "hour": t.hour}
    fields.update(minute=t.minute, second=t.second, major=1, minor=2, patch=3)
    fields["timestamp"] = t.strftime("%Y%m%d-%H%M%S")
    expected = scheme.prefix + ("20240102-030405" if scheme.format == "timestamp" else "1.2.3")
    try:
        rendered = template.format(**fields)
    except (KeyError, IndexError, ValueError) as e:
        raise d.fail(key, f"has an unknown field ({e}): hfgit spells it {expected}") from None
    if rendered != expected:
        raise d.fail(
            key, f"renders {rendered!r}, but hfgit's {scheme.format} tags look like {expected!r}"
        )


def card(d: YamlDoc) -> CardConfig:
    """model_card: language, license, tags, authors, datasets (names or {name: ...} entries)."""
    language = d.get("model_card.language")
    sections = d.get("model_card.sections")
    return CardConfig(
        description=d.get("model_card.description"),
        license=d.get("model_card.license"),
        language=(language,) if isinstance(language, str) else tuple(language),
        tags=tuple(d.get("model_card.tags")),
        datasets=_names(d, "model_card.datasets"),
        authors=_names(d, "model_card.authors"),
        sections={section_title(str(k)): str(v) for k, v in sections.items()},
    )


def _names(d: YamlDoc, key: str) -> tuple[str, ...]:
    names = []
    for item in d.get(key):
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name:
            raise d.fail(key, "entries must be names, or mappings with a name")
        names.append(name)
    return tuple(names)


def section_title(key: str) -> str:
    """`ethical_considerations` -> `Ethical considerations` (titles pass through unchanged)."""
    if " " in key or any(c.isupper() for c in key):
        return key
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def gate_values(doc: YamlDoc, prefix: str) -> dict[str, Any]:
    """The GateConfig fields set under `prefix` (min/max/no_regression/lower_is_better)."""
    if not doc.has(prefix):
        return {}
    values: dict[str, Any] = {}
    for name in ("min", "max", "no_regression", "lower_is_better"):
        key = f"{prefix}.{name}"
        if doc.has(key):
            found = doc.get(key)
            values[name] = (
                {k: float(v) for k, v in found.items()} if isinstance(found, dict) else tuple(found)
            )
    return values
