"""hfgit's figures next to their baselines, measured in the same run.

    python -m benchmarks                 # every figure, medians of several interleaved runs
    python -m benchmarks --quick         # fewer runs: under two minutes
    python -m benchmarks --only publish,hooks --json /tmp/figures.json
    python -m benchmarks --transfer lfs,xet   # publish over LFS and over Xet, both sides alike
    python -m benchmarks --curves        # how each cost grows (publish sizes up to --sizes)

Baselines: `hf upload` for publishing (to the same `git hf serve`, over the same transfer:
LFS by default), `gto show` on
the same commits for `git hf status` (installed with `pip install gto`; without it that
column is empty), `python -c pass` for a warm status or log, the same git commands without
hooks for the hooks, one client alone for concurrent uploads. Prints one table, writes the
figures as JSON (default benchmarks/results.json) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks import concurrency, curves, hookcost, publishing, versions
from benchmarks.harness import MiB, Workspace, hub_running
from benchmarks.report import Figure, environment, table, write_json

GROUPS = ("publish", "versions", "hooks", "concurrency")
DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs (under two minutes)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write figures")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"some of {','.join(GROUPS)}")
    parser.add_argument("--size", type=parse_size, default=512 * MiB, help="weights to publish")
    parser.add_argument(
        "--transfer",
        default="lfs",
        help="how both sides upload: lfs, xet, or lfs,xet for one publish row each",
    )
    parser.add_argument("--versions", type=int, default=1000, help="versions for status/log")
    parser.add_argument("--tags", type=int, default=10_000, help="tags in packed-refs (hooks)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5, quick 3)")
    parser.add_argument("--curves", action="store_true", help="print how each cost grows instead")
    parser.add_argument(
        "--sizes", default="10M,64M,256M", help="publish sizes for --curves (up to 1G)"
    )
    parser.add_argument("--counts", default="10,100,1000,5000", help="versions for --curves")
    parser.add_argument("--tag-counts", default="10,100,1000,10000", help="tags for --curves")
    args = parser.parse_args(argv)
    args.only = [g.strip() for g in args.only.split(",") if g.strip()]
    args.transfer = [t.strip() for t in args.transfer.split(",") if t.strip()]
    if not set(args.transfer) <= {"lfs", "xet"}:
        parser.error("--transfer: lfs, xet or lfs,xet")
    unknown = [g for g in args.only if g not in GROUPS]
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)} (choose from {', '.join(GROUPS)})")
    return args


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run_figures(args: argparse.Namespace, workspace: Workspace) -> list[Figure]:
    runs = args.runs or (3 if args.quick else 5)
    out: list[Figure] = []
    with hub_running(workspace) as hub:
        for transfer in args.transfer if "publish" in args.only else []:
            say(
                f"publishing {args.size // MiB} MiB over {transfer}: git hf push vs hf upload, "
                f"{runs} runs each"
            )
            publisher = publishing.Publisher(workspace, hub, transfer)
            out += publishing.figures(publisher, args.size, runs)
        if "versions" in args.only:
            say(f"{args.versions} versions: seeding the hub and two git repositories")
            made = versions.Versions(workspace, hub, args.versions)
            gto_runs = 1 if args.quick else 3
            say(f"status and log vs gto show ({gto_runs} runs) and python -c pass")
            out += versions.figures(made, runs + 2, gto_runs)
        if "concurrency" in args.only:
            say("8 clients uploading 100 MiB each at once vs one alone")
            out += concurrency.figures(workspace, hub, 100 * MiB, 8, 1 if args.quick else 3)
    if "hooks" in args.only:
        ops = 60 if args.quick else 200
        say(f"hooks: {ops} commits and tags per side, then with {args.tags:,} tags")
        out += hookcost.figures(workspace, ops, args.tags)
    return out


def run_curves(args: argparse.Namespace, workspace: Workspace) -> dict[str, object]:
    runs = args.runs or 1
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    counts = [int(c) for c in args.counts.split(",")]
    tag_counts = [int(c) for c in args.tag_counts.split(",")]
    data: dict[str, object] = {}
    with hub_running(workspace) as hub:
        if "publish" in args.only:
            transfer = args.transfer[0]
            text, data["publish"] = curves.publish_curve(workspace, hub, sizes, runs, say, transfer)
            print(
                f"publish time against size over {transfer} (hf upload of the same folder "
                f"beside it)\n{text}\n"
            )
        if "versions" in args.only:
            text, data["versions"] = curves.versions_curve(workspace, hub, counts, 3, say)
            print(f"status and log against the number of versions\n{text}\n")
    if "hooks" in args.only:
        text, data["hooks"] = curves.hooks_curve(workspace, tag_counts, 40, say)
        print(f"hook overhead against the number of tags in packed-refs\n{text}\n")
    return data


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not versions.gto_available() and not args.curves and "versions" in args.only:
        say("gto is not installed (pip install gto): the status baseline stays empty")
    workspace = Workspace()
    started = time.perf_counter()
    try:
        if args.curves:
            data: dict[str, object] = {"curves": run_curves(args, workspace)}
            passed = True
        else:
            figures = run_figures(args, workspace)
            print(table(figures))
            data = {"figures": [f.to_json() for f in figures]}
            passed = all(f.passed for f in figures)
    finally:
        workspace.close()
    seconds = time.perf_counter() - started
    data = {"environment": environment(), "quick": args.quick, "seconds": seconds, **data}
    write_json(args.json, data)
    say(f"done in {seconds:.0f} s; figures in {os.path.relpath(args.json)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
