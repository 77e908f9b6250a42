"""Chaos, long runs: faults, kills and races between `git hf push` (and the hooks) and a hub
served by `git hf serve`, with the invariants of tests/invariants.py checked after each step.
The short versions run in the test suite (tests/publish/test_chaos.py).

    python benchmarks/chaos.py             # 3 trials per fault rate, 10 + 10 kills, 6 races
    python benchmarks/chaos.py --quick     # 1 trial, 3 + 3 kills, 2 races

Prints, for 5 versions each made with `git hf record --keep` and a tag:
  runs per version   `git hf push` runs until each version is on the Hub, with 15% of
                     requests answered 503 and 10% of answers dropped after the hub did the
                     work, then 30%/20% (target: 1 run for every version at 15%/10%)
  background         the same versions tagged back to back with the hooks on, at 15%/10%
  kills survived     SIGKILL of `git hf push` at a random request, and of the hub mid-push
                     (restarted): invariants after each kill, and the next push converges
  races              two publishers, one's tag step held while the other publishes a lower
                     version (and two pushing at once): main at the highest, lines right
  wrong content      Hub versions whose files are not what was tagged (target 0)
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
VERSIONS = [f"v1.{i}.0" for i in range(5)]
RATES = [(0.15, 0.10), (0.30, 0.20)]
MAX_RUNS = 12


def hermetic(home: Path) -> None:
    """A temp HOME and git config, no token but the bench user's, before anything loads."""
    for name in ("HF_TOKEN", "HUGGINGFACE_TOKEN", "HF_ENDPOINT", "GIT_DIR", "HFGIT_SKIP"):
        os.environ.pop(name, None)
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Chaos\n\temail = chaos@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    os.environ.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "HF_HOME": str(home / ".cache" / "hf"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "HFGIT_DATA_DIR": str(home / "hfgit-data"),
            "NO_COLOR": "1",
        }
    )
    sys.path.insert(0, str(TESTS))


class Tally:
    def __init__(self) -> None:
        self.wrong: set[str] = set()  # repo:tag published with other files than tagged
        self.broken: list[str] = []  # any other invariant that did not hold

    def check(self, api, repo_id: str, made, converged: bool = False) -> bool:  # type: ignore[no-untyped-def]
        from invariants import problems

        found = problems(api, repo_id, made, converged)
        for line in found:
            if "holds other files" in line or "which says version" in line:
                self.wrong.add(f"{repo_id}:{line.split()[1]}")
            else:
                self.broken.append(f"{repo_id}: {line}")
        return not found


def faults(root: Path, hub, api, tally: Tally, trials: int) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    from chaos import TOKEN, Publisher
    from faultproxy import FaultProxy
    from invariants import Made

    runs: dict[str, list[int]] = {}
    for error, drop in RATES:
        label = f"{error:.0%}/{drop:.0%}"
        runs[label] = []
        for trial in range(trials):
            repo_id, made, rng = (
                f"alice/faults-{int(error * 100)}-{trial}",
                Made(),
                random.Random(trial),
            )
            with FaultProxy(hub.url, seed=trial) as proxy:
                publisher = Publisher.create(
                    root / f"faults-{label.replace('/', '-')}-{trial}",
                    proxy.url,
                    TOKEN,
                    made,
                    repo_id=repo_id,
                )
                for tag in VERSIONS:
                    publisher.make_version(tag, rng)
                proxy.set_rates(error=error, drop=drop)
                first: dict[str, int] = {}
                for run in range(1, MAX_RUNS + 1):
                    publisher.hf("push")
                    for tag in _hub_tags(api, repo_id):
                        first.setdefault(tag, run)
                    tally.check(api, repo_id, made)
                    if len(first) == len(VERSIONS):
                        break
            tally.check(api, repo_id, made, converged=True)
            runs[label] += [first.get(tag, MAX_RUNS + 1) for tag in VERSIONS]
    return runs


def background(root: Path, hub, api, tally: Tally) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Five versions tagged back to back with the hooks on, through 15%/10% faults."""
    from chaos import TOKEN, Publisher, wait_for
    from faultproxy import FaultProxy
    from invariants import Made

    made, rng, repo_id = Made(), random.Random(42), "alice/background"
    with FaultProxy(hub.url, seed=42) as proxy:
        publisher = Publisher.create(root / "background", proxy.url, TOKEN, made, repo_id=repo_id)
        assert publisher.hf("hooks", "install").returncode == 0
        proxy.set_rates(error=RATES[0][0], drop=RATES[0][1])
        for tag in VERSIONS:
            publisher.make_version(tag, rng)
        git_dir = publisher.path / ".git"
        wait_for(
            lambda: len(_hub_tags(api, repo_id)) == len(VERSIONS) or _worker_done(git_dir),
            timeout=600,
            what="the background publish",
        )
    tally.check(api, repo_id, made)
    return len(_hub_tags(api, repo_id)), len(VERSIONS)


def kills(root: Path, hub, api, tally: Tally, count: int) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """SIGKILL of `git hf push` at a random request, then of the hub itself (restarted), each
    time with two new versions to publish; a kill is survived when the Hub kept the invariants
    after it and a final push converged."""
    from chaos import TOKEN, USER, HubProcess
    from huggingface_hub import HfApi

    rng = random.Random(2026)
    survived = {"push": _kill_round(root / "push-kills", hub, api, tally, count, rng, None)}
    server = HubProcess(root / "killed-hub", USER, TOKEN).start()
    try:
        own = HfApi(endpoint=server.url, token=TOKEN)
        survived["hub"] = _kill_round(root / "hub-kills", server, own, tally, count, rng, server)
    finally:
        server.stop()
    return survived


def _kill_round(  # type: ignore[no-untyped-def]
    path: Path, hub, api, tally: Tally, count: int, rng: random.Random, server
) -> tuple[int, int]:
    from chaos import TOKEN, Publisher, kill_at, requests_seen
    from faultproxy import FaultProxy
    from invariants import Made

    made, repo_id, held, minor = Made(), f"alice/{path.name}", [], 0
    with FaultProxy(hub.url) as proxy:
        publisher = Publisher.create(path, proxy.url, TOKEN, made, repo_id=repo_id)
        for _ in range(count * 3):
            if len(held) == count:
                break
            for _ in range(2):
                publisher.make_version(f"v1.{minor}.0", rng)
                minor += 1
            push, seen = publisher.start("push"), requests_seen(proxy)
            if not kill_at(push, seen, rng.randint(1, 24), kill=server.kill if server else None):
                continue  # the push ended first: nothing was tried
            if server is not None:
                push.communicate(timeout=300)
                server.start()
            held.append(tally.check(api, repo_id, made) and push.returncode in (0, 1, -9))
        converged = publisher.hf("push").returncode == 0
    return (sum(held) if converged and tally.check(api, repo_id, made, True) else 0), len(held)


def races(root: Path, hub, api, tally: Tally, rounds: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from chaos import TOKEN, Publisher, wait_for
    from faultproxy import Fault, FaultProxy, Rule
    from invariants import Made

    right = 0
    for n in range(rounds):
        made, rng, repo_id = Made(), random.Random(n), f"alice/race-{n}"
        a = Publisher.create(root / f"race-{n}-a", hub.url, TOKEN, made, repo_id=repo_id)
        a.make_version("v5.1.0", rng)
        a.hf("push")
        b = a.clone(root / f"race-{n}-b", hub.url, TOKEN)
        a.make_version("v5.3.0", rng)
        b.make_version("v5.2.0", rng)
        held = n % 2 == 0  # even rounds: A's tag step is held; odd: both push at once
        with FaultProxy(hub.url) as proxy:
            if held:
                proxy.add_rule(Rule(Fault.STALL, method="POST", path=r"/tag/", stall_seconds=600))
            a.configure(proxy.url)
            push_a = a.start("push")
            if held:
                wait_for(lambda: proxy.counters["stall"] >= 1, what="A's tag step to be held")
            b_ok = b.hf("push").returncode == 0
            proxy.release_stalls()
            push_a.communicate(timeout=300)
        a.hf("push")  # whatever the race left, a next push converges
        b.hf("push")
        # held: B saw v5.3.0 on main before its tag, so v5.2.0 is on its line, from v5.1.0;
        # at once: either may land first, and only the invariants say whether it went right
        line = _titles(api, repo_id, "v5.2.x")[:2] if held else ["v5.2.0", "v5.1.0"]
        right += b_ok and tally.check(api, repo_id, made, True) and line == ["v5.2.0", "v5.1.0"]
    return right, rounds


def _titles(api, repo_id: str, revision: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The versions named by the commit titles of a revision's history ("Publish vX (git ...)")."""
    from huggingface_hub.utils import RevisionNotFoundError

    try:
        return [c.title.split()[1] for c in api.list_repo_commits(repo_id, revision=revision)]
    except RevisionNotFoundError:
        return []


def _hub_tags(api, repo_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    from huggingface_hub.utils import RepositoryNotFoundError

    try:
        return {t.name for t in api.list_repo_refs(repo_id).tags}
    except RepositoryNotFoundError:
        return set()


def _worker_done(git_dir: Path) -> bool:
    """Nothing left to publish (what failed is left failed), and no worker running."""
    from hfgit.fsio import locked
    from hfgit.hooks import queue

    lock = queue.state_dir(git_dir) / "worker.lock"
    if queue.pending(git_dir) or not lock.exists():
        return False
    with locked(lock, blocking=False) as free:
        return bool(free)


def _say(line: str) -> None:
    print(f"  {line}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials, kills and races")
    quick = parser.parse_args().quick
    trials, kill_count, race_count = (1, 3, 2) if quick else (3, 10, 6)
    with tempfile.TemporaryDirectory(prefix="hfgit-chaos-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        hermetic(root / "home")
        from chaos import TOKEN, USER, HubProcess
        from huggingface_hub import HfApi

        hub = HubProcess(root / "hub", USER, TOKEN).start()
        api, tally, started = HfApi(endpoint=hub.url, token=TOKEN), Tally(), time.monotonic()
        try:
            runs = faults(root, hub, api, tally, trials)
            for label, numbers in runs.items():
                at_one = sum(1 for r in numbers if r == 1)
                mean = sum(numbers) / len(numbers)
                _say(
                    f"runs per version at {label}: max {max(numbers)}, mean {mean:.2f}, "
                    f"{at_one}/{len(numbers)} versions in 1 run"
                )
            published, of = background(root, hub, api, tally)
            _say(f"background (hooks) at 15%/10%: {published}/{of} versions published")
            survived = kills(root, hub, api, tally, kill_count)
            for what, (held, tried) in survived.items():
                _say(
                    f"kills of {'git hf push' if what == 'push' else 'the hub'} survived: {held}/{tried}"
                )
            right, rounds = races(root, hub, api, tally, race_count)
            _say(f"races: {right}/{rounds} right (main at the highest, line branches right)")
        finally:
            hub.stop()
    _say(f"versions published with wrong content: {len(tally.wrong)}")
    for line in tally.broken[:10]:
        _say(f"invariant broken: {line}")
    _say(f"({time.monotonic() - started:.0f} s)")
    missed = (
        max(runs[f"{RATES[0][0]:.0%}/{RATES[0][1]:.0%}"]) > 1
        or tally.wrong
        or tally.broken
        or any(held < tried for held, tried in survived.values())
        or right < rounds
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
