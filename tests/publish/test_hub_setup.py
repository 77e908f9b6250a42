"""huggingface_hub is set up through its public configuration: environment before import, the
client factory; Xet only for huggingface.co; one isolated write for a library imported early."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HUB_PACKAGE = Path(__file__).resolve().parents[2] / "hfgit" / "hub"

PROBE = """
import json, os, sys
from hfgit.hub import Hub
Hub(sys.argv[1], None, "alice/x").library()  # what any use of the library does first
from huggingface_hub import constants, get_session
from huggingface_hub.utils._runtime import is_xet_available  # what uploads consult
print(json.dumps({
    "xet": is_xet_available(),
    "telemetry_off": constants.HF_HUB_DISABLE_TELEMETRY,
    "env": {n: os.environ.get(n) for n in ("HF_HUB_DISABLE_XET", "HF_HUB_DISABLE_TELEMETRY")},
    "client": type(get_session()).__name__,
    "hooks": len(get_session().event_hooks["request"]),
}))
"""


def _fresh_process(endpoint: str) -> dict[str, object]:
    """Build a Hub in a new interpreter, where huggingface_hub is not imported yet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_HUB_DISABLE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, endpoint],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_another_hub_gets_plain_lfs_and_no_calls_to_huggingface_co():
    seen = _fresh_process("http://127.0.0.1:9")

    assert seen["xet"] is False
    assert seen["telemetry_off"] is True  # no agent-registry fetch from huggingface.co
    assert seen["env"] == {"HF_HUB_DISABLE_XET": None, "HF_HUB_DISABLE_TELEMETRY": None}
    assert seen["client"] == "RetryingClient" and seen["hooks"] == 1


def test_huggingface_co_keeps_the_library_defaults():
    from importlib.util import find_spec

    seen = _fresh_process("https://huggingface.co")

    assert seen["xet"] is (find_spec("hf_xet") is not None)
    assert seen["telemetry_off"] is False
    assert seen["client"] == "RetryingClient"


@pytest.fixture
def xet_state(monkeypatch):  # type: ignore[no-untyped-def]
    """huggingface_hub already imported, with Xet on, before hfgit sees an endpoint."""
    import huggingface_hub.constants

    from hfgit.hub import library

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", False)
    monkeypatch.setattr(library, "_xet_turned_off", False)
    return huggingface_hub.constants


def test_xet_is_turned_off_for_another_hub_and_back_on_for_huggingface_co(xet_state):
    from hfgit.hub import Hub

    Hub("https://models.internal.example", None, "alice/x").library()
    assert xet_state.HF_HUB_DISABLE_XET is True
    Hub("https://huggingface.co", None, "alice/x").library()
    assert xet_state.HF_HUB_DISABLE_XET is False


def test_xet_disabled_by_the_user_stays_disabled(xet_state, monkeypatch):
    from hfgit.hub import Hub

    monkeypatch.setattr(xet_state, "HF_HUB_DISABLE_XET", True)  # as HF_HUB_DISABLE_XET=1 does
    Hub("https://huggingface.co", None, "alice/x").library()

    assert xet_state.HF_HUB_DISABLE_XET is True


def test_no_module_of_the_hub_package_writes_library_state_but_the_isolated_one():
    writers = []
    for path in HUB_PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                targets = node.targets if isinstance(node, ast.Assign) else []
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("constants", "_detect_agent", "huggingface_hub")
                    ):
                        writers.append(f"{path.name}:{func.name}")
    assert writers == ["library.py:_set_xet"]
    assert "_detect_agent" not in "".join(p.read_text() for p in HUB_PACKAGE.glob("*.py"))
