"""docs/ci.md, run as its CI would run it, so that the page cannot go stale.

The workflow files are read from the page; every shell command in them runs in a fresh
checkout made the way the CI makes it (every commit and tag, detached at the ref), on a
machine with a fresh HOME and global git config, the token only in the environment the page
gives it, and no stdin. Only the CI's own actions (checkout, setup-python, artifacts) and the
package install are stood in for: the checkout by git, the install by this virtualenv."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from drivers import Workspace

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci.md"
REPO = "alice/tool-caller"
SECRET = re.compile(r"^\$\{\{\s*secrets\.(\w+)\s*\}\}$")
TRAIN = """\
import json, pathlib
folder = pathlib.Path("model")
folder.mkdir(exist_ok=True)
(folder / "config.json").write_text(json.dumps({"model_type": "llama", "hidden_size": 64}))
(folder / "model.safetensors").write_bytes(pathlib.Path("train.py").read_bytes() * 64)
"""


def _workflows() -> list[dict[Any, Any]]:
    text = DOC.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


@dataclass
class Job:
    """The shell commands of one CI job, each with the environment the file gives it."""

    scripts: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    shell: tuple[str, ...] = ("bash", "-e")


def _github_job(workflow: dict[Any, Any], name: str, secrets: dict[str, str]) -> Job:
    job, checked_out = Job(), False
    for step in workflow["jobs"][name]["steps"]:
        if "uses" in step:
            if step["uses"].startswith("actions/checkout@"):
                assert step["with"]["fetch-depth"] == 0, "the checkout must fetch every tag"
                checked_out = True
            continue
        run = step["run"]
        if run.startswith("pip install"):
            assert run.split()[2:] == ["hfgit"]
            continue
        assert "${{" not in run, "values reach scripts through env, not ${{ }} in run:"
        env = {key: _secret(value, secrets) for key, value in (step.get("env") or {}).items()}
        job.scripts.append((run, env))
    assert checked_out and job.scripts
    return job


def _gitlab_job(pipeline: dict[str, Any], name: str) -> Job:
    assert pipeline["variables"]["GIT_DEPTH"] == "0", "the clone must fetch every tag"
    lines = list(pipeline[name]["script"])
    assert lines[0].split() == ["pip", "install", "hfgit"]
    # the runner stops at the first command that fails
    return Job([("\n".join(lines[1:]), {})], ("bash", "-eo", "pipefail"))


def _secret(value: str, secrets: dict[str, str]) -> str:
    match = SECRET.match(str(value))
    assert match, f"only secrets are expanded in a step's env here: {value}"
    return secrets[match.group(1)]


class Runner:
    """A CI machine: the repository's origin, a fresh HOME, the Hub and the secrets."""

    def __init__(self, root: Path, origin: Path, hub: Any) -> None:
        self.root, self.origin, self.hub = root, origin, hub
        self.home = root / "home"
        self.home.mkdir(parents=True)
        (self.home / ".gitconfig").write_text("")
        self.secrets = {"HF_TOKEN": hub.tokens["alice"]}
        self.runs = 0
        self.printed: list[str] = []

    def checkout(self, ref: str) -> Path:
        """Every branch and tag fetched, detached at `ref` (what `fetch-depth: 0` and
        `GIT_DEPTH: "0"` give)."""
        self.runs += 1
        work = self.root / f"build-{self.runs}"
        work.mkdir()
        for args in (
            ["init", "-q"],
            ["remote", "add", "origin", str(self.origin)],
            ["fetch", "-q", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*"],
            ["fetch", "-q", "origin", "+refs/tags/*:refs/tags/*"],
            ["checkout", "-q", "--force", "--detach", ref],
        ):
            subprocess.run(["git", *args], cwd=work, env=self._env({}), check=True)
        return work

    def run(self, job: Job, work: Path, variables: dict[str, str]) -> int:
        """The job's scripts in turn, as the CI runs them; the exit code of the first that
        fails, else 0."""
        for script, env in job.scripts:
            done = subprocess.run(
                [*job.shell, "-c", script],
                cwd=work,
                env=self._env({**variables, **env}),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=300,
            )
            self.printed += [done.stdout, done.stderr]
            if done.returncode:
                return done.returncode
        return 0

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "CI": "true",
            # the Hub is self-hosted: the page has HF_ENDPOINT set as a CI variable
            "HF_ENDPOINT": self.hub.url,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            **extra,
        }


@pytest.fixture
def ci(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, Runner]:
    """A repository whose train.py builds the model folder, pushed to a bare origin."""
    ws = workspace
    ws.write("train.py", TRAIN)
    ws.commit("feat: train in CI")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    ws.git("remote", "add", "origin", str(origin))
    ws.git("push", "-q", "origin", "main")
    return ws, Runner(tmp_path / "ci", origin, ws.hub)


def _tag(ws: Workspace, name: str) -> None:
    ws.tag(name, f"release {name}")
    ws.git("push", "-q", "origin", name)


def _published(ws: Workspace, work: Path, tag: str) -> None:
    outcome = json.loads((work / "publish.json").read_text())
    assert [(o["tag"], o["error"]) for o in outcome] == [(tag, None)]
    hub_tags = {t.name: t.target_commit for t in ws.api.list_repo_refs(REPO).tags}
    assert outcome[0]["hub_commit"] == hub_tags[tag]
    meta_commit = outcome[0]["git_commit"]
    assert meta_commit == ws.git("rev-parse", f"{tag}^{{commit}}")


def test_github_actions_workflow_publishes_a_pushed_tag_and_gates_pull_requests(ci):
    ws, runner = ci
    (workflow,) = [w for w in _workflows() if "jobs" in w]
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "tags" in triggers["push"] and "pull_request" in triggers
    publish = _github_job(workflow, "publish", runner.secrets)
    gate = _github_job(workflow, "versions-published", runner.secrets)
    _tag(ws, "v1.0.0")

    work = runner.checkout("refs/tags/v1.0.0")
    tag_push = {"GITHUB_REF_NAME": "v1.0.0", "GITHUB_REF_TYPE": "tag"}
    assert runner.run(publish, work, tag_push) == 0, runner.printed[-2:]

    _published(ws, work, "v1.0.0")
    pull_request = {"GITHUB_EVENT_NAME": "pull_request"}
    assert runner.run(gate, runner.checkout("origin/main"), pull_request) == 0, runner.printed[-2:]
    _tag(ws, "v1.1.0")  # pushed, never published
    assert runner.run(gate, runner.checkout("origin/main"), pull_request) == 1
    assert "local-only  v1.1.0" in runner.printed[-2]
    assert all(runner.secrets["HF_TOKEN"] not in text for text in runner.printed)


def test_gitlab_ci_job_publishes_a_pushed_tag_and_gates_merge_requests(ci):
    ws, runner = ci
    (pipeline,) = [w for w in _workflows() if "jobs" not in w]
    assert "$CI_COMMIT_TAG" in pipeline["publish-model"]["rules"][0]["if"]
    assert "merge_request_event" in pipeline["versions-published"]["rules"][0]["if"]
    publish = _gitlab_job(pipeline, "publish-model")
    gate = _gitlab_job(pipeline, "versions-published")
    variables = {"HF_TOKEN": runner.secrets["HF_TOKEN"]}  # a CI/CD variable
    _tag(ws, "v1.0.0")
    _tag(ws, "v1.1.0")

    merge_request = {**variables, "CI_PIPELINE_SOURCE": "merge_request_event"}
    assert runner.run(gate, runner.checkout("origin/main"), merge_request) == 1
    for tag in ("v1.0.0", "v1.1.0"):
        work = runner.checkout(f"refs/tags/{tag}")
        assert runner.run(publish, work, {**variables, "CI_COMMIT_TAG": tag}) == 0, runner.printed[
            -2:
        ]
        _published(ws, work, tag)
    assert runner.run(gate, runner.checkout("origin/main"), merge_request) == 0, runner.printed[-2:]
    assert all(runner.secrets["HF_TOKEN"] not in text for text in runner.printed)


def test_without_the_token_the_publish_job_fails_in_one_line(ci):
    ws, runner = ci
    (workflow,) = [w for w in _workflows() if "jobs" in w]
    publish = _github_job(workflow, "publish", {"HF_TOKEN": ""})  # the secret is not set
    _tag(ws, "v1.0.0")

    work = runner.checkout("refs/tags/v1.0.0")
    code = runner.run(publish, work, {"GITHUB_REF_NAME": "v1.0.0"})

    assert code == 1
    assert "Traceback" not in runner.printed[-1]
    assert "token" in runner.printed[-1]
    assert not ws.api.repo_exists(REPO)  # nothing was made
