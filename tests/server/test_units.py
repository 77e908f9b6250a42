"""Pure helpers of the hub: Range parsing, LFS patterns, pointers, name checks."""

from __future__ import annotations

import pytest

from hfgit.server.files import parse_range
from hfgit.server.gitattributes import (
    NO_RULES,
    default_gitattributes,
    is_lfs_path,
    lfs_rules,
    upload_mode,
)
from hfgit.server.lfs import format_pointer, parse_pointer
from hfgit.server.naming import is_valid_segment
from hfgit.server.problems import ApiError

SHA = "ab" * 32


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=5-2", None),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        ("bytes=x-y", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
def test_unsatisfiable_ranges_raise_416(header):
    with pytest.raises(ApiError) as info:
        parse_range(header, 100)
    assert info.value.status == 416 and info.value.headers["Content-Range"] == "bytes */100"


@pytest.mark.parametrize(
    ("path", "lfs"),
    [
        ("model.safetensors", True),
        ("a/b/pytorch_model.bin", True),
        ("saved_model/variables/data", True),
        ("runs/events.out.tfevents.123", True),
        ("data.tar.gz", True),
        ("config.json", False),
        ("README.md", False),
        ("model.binx", False),
    ],
)
def test_default_lfs_patterns(path, lfs):
    assert is_lfs_path(lfs_rules(default_gitattributes("model")), path) is lfs


def test_later_gitattributes_lines_can_unset_lfs():
    rules = lfs_rules("*.bin filter=lfs diff=lfs merge=lfs -text\nsmall/*.bin -filter\n")
    assert is_lfs_path(rules, "x.bin") and not is_lfs_path(rules, "small/x.bin")


def test_upload_mode_uses_size_threshold_and_binary_sample():
    assert upload_mode(NO_RULES, "a.txt", 10 * 1024 * 1024, b"text") == "lfs"
    assert upload_mode(NO_RULES, "a.txt", 100, b"a\x00b") == "lfs"
    assert upload_mode(NO_RULES, "a.txt", 100, b"text") == "regular"


def test_lfs_pointer_round_trip():
    pointer = format_pointer(SHA, 42)
    assert parse_pointer(pointer) == (SHA, 42)
    assert parse_pointer(b"plain text") is None
    assert parse_pointer(pointer.replace(b"size 42", b"size x")) is None


@pytest.mark.parametrize("segment", ["demo", "my-model_v1.2", "A" * 96])
def test_valid_repo_name_segments(segment):
    assert is_valid_segment(segment)


@pytest.mark.parametrize(
    "segment", ["", "..", "a..b", "a--b", ".x", "x-", "a/b", "a b", "é", "A" * 97]
)
def test_invalid_repo_name_segments(segment):
    assert not is_valid_segment(segment)
