"""The pre-receive hook of pushes to the hub: a relay, run by git, to the server that runs it.

git's receive-pack runs this (through the hub's own hooks folder, `core.hooksPath`) once the
pushed objects are in their quarantine folder and before any ref moves. It reads the ref
updates (`old new ref` lines) from stdin, sends them with the quarantine folder as one JSON
line over the pipe named by `HFGIT_PUSH_FDS` (inherited from the hub's server), waits for the
verdict line and prints its messages (git shows them to the pusher as `remote:` lines). Exit
0 lets git update the refs; anything else refuses the whole push.

Run as a script with the standard library only (`python -I prereceive.py`): it starts fast
and loads nothing of the hub. Without the pipe (a push that did not come through the hub) it
refuses.
"""

from __future__ import annotations

import json
import os
import sys

FDS_ENV = "HFGIT_PUSH_FDS"
MAX_VERDICT = 1024 * 1024


def main() -> int:
    try:
        request_fd, verdict_fd = (int(fd) for fd in os.environ.get(FDS_ENV, "").split(","))
    except ValueError:
        print("this repository takes pushes only through its hub", file=sys.stderr)
        return 1
    updates = [line.split() for line in sys.stdin.read().splitlines() if line.strip()]
    message = {"updates": updates, "quarantine": os.environ.get("GIT_QUARANTINE_PATH", "")}
    try:
        with os.fdopen(request_fd, "w", encoding="utf-8") as request:
            request.write(json.dumps(message) + "\n")
        with os.fdopen(verdict_fd, encoding="utf-8") as answers:
            verdict = json.loads(answers.readline(MAX_VERDICT))
    except (OSError, ValueError):
        verdict = None
    if not isinstance(verdict, dict):
        print("the hub did not check this push; try again", file=sys.stderr)
        return 1
    for line in verdict.get("messages", []):
        print(line, file=sys.stderr)
    return 0 if verdict.get("ok") is True else 1


if __name__ == "__main__":
    sys.exit(main())
