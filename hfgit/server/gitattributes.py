"""The Hub's default `.gitattributes` and the LFS-or-regular decision for an uploaded file."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hfgit.server.wildmatch import GlobSet

LFS_THRESHOLD = 10 * 1024 * 1024
MAX_BYTES = 64 * 1024
MAX_LINES = 1000
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


@dataclass
class Rules:
    """The lines of a `.gitattributes` that set (True) or unset (False) the lfs filter."""

    globs: GlobSet
    lfs: list[bool]

    def is_lfs(self, path: str) -> bool:
        """The last line whose pattern matches decides."""
        last = self.globs.last_match(path)
        return last is not None and self.lfs[last]


NO_RULES = Rules(GlobSet([]), [])


@functools.lru_cache(maxsize=8)
def lfs_rules(text: str) -> Rules:
    """The lfs rules of a `.gitattributes` (cached: preuploads of one revision share them).

    Only the first `MAX_BYTES` / `MAX_LINES` count (a commit of a larger file is refused, so
    only a file pushed around the API can be that large); patterns match in linear time.
    """
    patterns, flags = [], []
    for line in text[:MAX_BYTES].splitlines()[:MAX_LINES]:
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        attrs = parts[1:]
        if "filter=lfs" in attrs:
            flags.append(True)
        elif any(a in ("-filter", "!filter") or a.startswith("filter=") for a in attrs):
            flags.append(False)
        else:
            continue
        patterns.append(parts[0])
    return Rules(GlobSet(patterns), flags)


def is_lfs_path(rules: Rules, path: str) -> bool:
    return rules.is_lfs(path)


def upload_mode(rules: Rules, path: str, size: int, sample: bytes) -> str:
    if size >= LFS_THRESHOLD or b"\x00" in sample or rules.is_lfs(path):
        return "lfs"
    return "regular"
