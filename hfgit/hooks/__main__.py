"""`python -m hfgit.hooks --write hooks/`: regenerate the shipped shims from the template."""

from __future__ import annotations

import argparse
from pathlib import Path

from hfgit.hooks.shim import write_shipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hfgit.hooks",
        description="Write the shims rendered for the default tag pattern.",
    )
    parser.add_argument("--write", metavar="DIR", type=Path, required=True, help="e.g. hooks/")
    for path in write_shipped(parser.parse_args(argv).write):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
