"""README's table of `.hfgit.yaml` keys names each key once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_table_has_one_row_per_key():
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    keys = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| `")]

    assert keys, "no configuration table found"
    assert [key for key, n in Counter(keys).items() if n > 1] == []
