"""huggingface_hub gets one HTTP client from hfgit, set up as the library's own: the library's
default client is not built just to be read (each client loads the certificate store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, ssl, sys
loads = []
real = ssl.SSLContext.load_verify_locations
def counting(self, *args, **kwargs):
    loads.append(1)
    return real(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counting
from hfgit.hub import Hub
Hub(sys.argv[1], None, "alice/x").library()
from huggingface_hub import get_session
from huggingface_hub.utils._http import default_client_factory
ours = get_session()
ours.get  # what every request goes through
built = len(loads)
theirs = default_client_factory()
def hooks(client):
    return {k: [f.__qualname__ for f in v] for k, v in client.event_hooks.items()}
print(json.dumps({
    "loads": built,
    "client": type(ours).__name__,
    "hooks": [hooks(ours), hooks(theirs)],
    "redirects": [ours.follow_redirects, theirs.follow_redirects],
    "base": [type(ours).__mro__[1].__module__, type(theirs).__module__],
}))
"""


def test_the_library_gets_one_client_with_its_own_hook_and_redirects():
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_HUB_DISABLE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    seen = json.loads(done.stdout)

    assert seen["client"] == "RetryingClient"
    assert seen["loads"] == 1  # the retrying client's, and no other
    ours, theirs = seen["hooks"]
    assert ours == theirs and ours["request"] == ["hf_request_event_hook"]
    assert seen["redirects"] == [True, True]
    assert seen["base"][0] == seen["base"][1]  # the same HTTP package (httpx2)
