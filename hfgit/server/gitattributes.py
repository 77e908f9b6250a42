"""The Hub's default `.gitattributes` and the LFS-or-regular decision for an uploaded file."""

from __future__ import annotations

import re

LFS_THRESHOLD = 10 * 1024 * 1024
_LFS = "filter=lfs diff=lfs merge=lfs -text"

_COMMON = [
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
    "*.lfs.*", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot",
    "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors",
    "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip",
    "*.zst", "*tfevents*",
]  # fmt: skip
_DATASET_EXTRA = [
    "*.lz4", "*.mds", "*.mp3", "*.ogg", "*.wav", "*.flac", "*.aac", "*.bmp", "*.gif",
    "*.png", "*.tiff", "*.jpg", "*.jpeg", "*.webp", "*.mp4", "*.webm",
]  # fmt: skip


def default_gitattributes(kind: str) -> str:
    patterns = _COMMON + (_DATASET_EXTRA if kind == "dataset" else [])
    return "".join(f"{pattern} {_LFS}\n" for pattern in patterns)


def lfs_rules(text: str) -> list[tuple[re.Pattern[str], bool]]:
    """(path regex, is-lfs) for every line that sets or unsets the lfs filter, in order."""
    rules = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        attrs = parts[1:]
        if "filter=lfs" in attrs:
            rules.append((_pattern_regex(parts[0]), True))
        elif any(a in ("-filter", "!filter") or a.startswith("filter=") for a in attrs):
            rules.append((_pattern_regex(parts[0]), False))
    return rules


def is_lfs_path(rules: list[tuple[re.Pattern[str], bool]], path: str) -> bool:
    result = False
    for regex, lfs in rules:
        if regex.fullmatch(path):
            result = lfs
    return result


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """gitattributes glob -> regex on the full path (no slash: match the basename anywhere)."""
    out, i = ([] if "/" in pattern else [r"(?:.*/)?"]), 0
    pattern = pattern.lstrip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append(r"(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append(r"/.*")
            i += 3
        elif pattern[i] == "*":
            out.append(r"[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append(r"[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def upload_mode(
    rules: list[tuple[re.Pattern[str], bool]], path: str, size: int, sample: bytes
) -> str:
    if size >= LFS_THRESHOLD or b"\x00" in sample or is_lfs_path(rules, path):
        return "lfs"
    return "regular"
