"""Wrong inputs and odd states, as a new user meets them: each gets a non-zero exit (2 for the
command line itself, 1 for the rest), one line on stderr (two at most: the error and the fix)
naming the file, key, tag or path at fault, never a traceback, and leaves the Hub as it was
(its refs and commits, read through the real client, and its set of repositories)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from drivers import Result, Workspace

REPO = "alice/tool-caller"
WRONG_TOKEN = "hf_wrongWrongWrong0123456789"

Setup = Callable[[Workspace, pytest.MonkeyPatch], None]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    names: tuple[str, ...]  # what the error must name (the culprit, and the way out)
    setup: tuple[Setup, ...] = ()
    check: Callable[[Workspace], None] | None = None  # more that must hold afterwards
    env: dict[str, str | None] = field(default_factory=dict)
    process: bool = False  # run `git hf` in a process of its own (nothing remembered in memory)


# --- states a case starts from --------------------------------------------------------------


def tagged(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    ws.tag("v0.1.0")


def published(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    ws.tag("v0.1.0")
    _ok(ws.run("push", "-q"))


def recorded_and_published(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    ws.record()
    published(ws, mp)


def file_at(relative: str, text: str) -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        ws.write(relative, text)

    return setup


def tag(name: str) -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        ws.tag(name)

    return setup


def commit_and_tag(name: str) -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        ws.commit("feat: next")
        ws.tag(name)

    return setup


def in_model(relative: str, data: bytes = b"w") -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        ws.write(f"model/{relative}", data)

    return setup


def model_link(name: str, target: str | Callable[[Workspace], Path]) -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        to = target(ws) if callable(target) else target
        (ws.root / "model" / name).symlink_to(to)

    return setup


def outside_file(ws: Workspace) -> Path:
    secret = ws.root.parent / "secret.txt"
    secret.write_text("not for the Hub")
    return secret


def no_model_folder(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    shutil.rmtree(ws.root / "model")


def model_folder_is_a_file(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    shutil.rmtree(ws.root / "model")
    ws.write("model", "weights went elsewhere")


def empty_model_folder(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    shutil.rmtree(ws.root / "model")
    (ws.root / "model").mkdir()


def only_a_readme(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    empty_model_folder(ws, mp)
    ws.write("model/README.md", "# my model\n")


def fifo(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    os.mkfifo(ws.root / "model" / "pipe")


def unix_socket(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    here = Path.cwd()
    os.chdir(ws.root / "model")  # a socket's path is limited to ~100 bytes: bind it relative
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind("s.sock")
    finally:
        os.chdir(here)


def symlink_loop(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    (ws.root / "model" / "a.bin").symlink_to("b.bin")
    (ws.root / "model" / "b.bin").symlink_to("a.bin")


def non_utf8_name(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    with open(os.fsencode(ws.root / "model") + b"/w\xff.bin", "wb") as f:
        f.write(b"w")


def config_line(line: str) -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        config = ws.root / ".hfgit.yaml"
        config.write_text(config.read_text() + line + "\n")

    return setup


def model_dir_named(name: str) -> Setup:
    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        config = ws.root / ".hfgit.yaml"
        config.write_text(config.read_text().replace("model_dir: model", f"model_dir: {name}"))

    return setup


def moved_tag(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    ws.commit("fix: retrain")
    ws.git("tag", "-f", "v0.1.0")


def tree_tag(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    ws.git("tag", "-a", "v0.0.9", "-m", "a tree, not a commit", "HEAD^{tree}")


def state_dir_is_a_file(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    state = ws.root / ".git" / "hfgit"
    shutil.rmtree(state, ignore_errors=True)
    state.write_text("not a folder")


def no_config(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    (ws.root / ".hfgit.yaml").unlink()


def shallow_clone(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    ws.tag("v0.1.0")
    ws.commit("fix: one")
    ws.commit("fix: two")
    clone = ws.root.parent / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-tags", f"file://{ws.root}", str(clone)],
        check=True,
    )
    mp.chdir(clone)


def no_commit_yet(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    fresh = ws.root.parent / "fresh"
    fresh.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(fresh)], check=True)
    shutil.copy(ws.root / ".hfgit.yaml", fresh / ".hfgit.yaml")
    mp.chdir(fresh)


def outside_any_repository(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    elsewhere = ws.root.parent / "elsewhere"
    elsewhere.mkdir()
    mp.chdir(elsewhere)


def metadata_is_a_folder(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    (ws.root / "model" / "experiment_metadata.json").mkdir()


def pulled_into(folder: str, then_delete: str, listing: bool = True) -> Setup:
    """A download into `folder` that lacks a file; without the library's own listing of
    the version's files (as an older huggingface_hub left it) when `listing` is False."""

    def setup(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
        _ok(ws.run("pull", "v0.1.0", "--local-dir", folder))
        (ws.root / folder / then_delete).unlink()
        if not listing:
            shutil.rmtree(ws.root / folder / ".cache" / "huggingface" / "trees")

    return setup


def offline(ws: Workspace, mp: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setattr(constants, "HF_HUB_OFFLINE", True)  # read once, at import


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- afterwards ----------------------------------------------------------------------------


def not_created(relative: str) -> Callable[[Workspace], None]:
    def check(ws: Workspace) -> None:
        assert not (ws.root / relative).exists(), f"{relative} was created"

    return check


def no_new_tag(ws: Workspace) -> None:
    assert ws.git("tag") == "", ws.git("tag")


# --- the corpus ------------------------------------------------------------------------------

NO_TOKEN: dict[str, str | None] = {"HF_TOKEN": None}

# One case per line, read as a table.
# fmt: off
CASES = [
    # the model folder, refused before anything reaches the Hub
    Case("push-model-folder-missing", ("push",), 1, ("model/", "does not exist"), (tagged, no_model_folder)),
    Case("push-model-folder-is-a-file", ("push",), 1, ("model", "is a file"), (tagged, model_folder_is_a_file)),
    Case("push-model-folder-empty", ("push",), 1, ("model/", "holds no files"), (tagged, empty_model_folder)),
    Case("push-model-folder-only-a-readme", ("push",), 1, ("model/", "holds no files"), (tagged, only_a_readme)),
    Case("push-dangling-symlink", ("push",), 1, ("model/gone.bin", "does not exist"), (tagged, model_link("gone.bin", "missing.bin"))),
    Case("push-symlink-loop", ("push",), 1, ("model/a.bin", "leads back"), (tagged, symlink_loop)),
    Case("push-symlink-out-of-the-folder", ("push",), 1, ("model/notes.txt", "outside the model folder"), (tagged, model_link("notes.txt", outside_file))),
    Case("push-readme-symlink-out-of-the-folder", ("push",), 1, ("model/README.md", "outside"), (tagged, model_link("README.md", outside_file))),
    Case("push-fifo", ("push",), 1, ("model/pipe", "named pipe"), (tagged, fifo)),
    Case("push-socket", ("push",), 1, ("model/s.sock", "socket"), (tagged, unix_socket)),
    Case("push-name-of-250-bytes", ("push",), 1, ("model/" + "w" * 250, "more than 240"), (tagged, in_model("w" * 250))),
    Case("push-path-too-long", ("push",), 1, ("model/" + "d" * 200, "more than 768"), (tagged, in_model("/".join(["d" * 200] * 4) + "/w.bin"))),
    Case("push-newline-in-a-name", ("push",), 1, ("new\\nline.bin", "U+000A"), (tagged, in_model("new\nline.bin"))),
    Case("push-tab-in-a-name", ("push",), 1, ("a\\tb.bin", "U+0009"), (tagged, in_model("a\tb.bin"))),
    Case("push-backslash-in-a-name", ("push",), 1, ("model/a\\b.bin", "backslash"), (tagged, in_model("a\\b.bin"))),
    Case("push-dot-git-folder", ("push",), 1, ("model/.GIT/config", "git's own folder name"), (tagged, in_model(".GIT/config"))),
    Case("push-name-not-utf8", ("push",), 1, ("model/w\\udcff.bin", "not valid UTF-8"), (tagged, non_utf8_name)),
    Case("push-readme-not-utf8", ("push",), 1, ("model/README.md", "not UTF-8"), (tagged, in_model("README.md", b"\xff\xfe# card"))),
    Case("push-dry-run-refuses-too", ("push", "--dry-run"), 1, ("model/pipe",), (tagged, fifo)),
    Case("card-refuses-an-empty-folder", ("card", "v0.1.0"), 1, ("model/", "holds no files"), (tagged, empty_model_folder)),
    # git hf record: the folder training wrote, never created
    Case("record-misspelt-model-dir", ("record", "--model-dir", "modle"), 1, ("modle", "does not exist"), check=not_created("modle")),
    Case("record-configured-folder-missing", ("record",), 1, ("model", "does not exist"), (no_model_folder,), not_created("model")),
    Case("record-configured-folder-is-a-file", ("record",), 1, ("model", "is a file"), (model_folder_is_a_file,)),
    Case("record-model-dir-option-is-a-file", ("record", "--model-dir", "train.py"), 2, ("train.py", "is a file")),
    Case("record-params-not-yaml", ("record", "--params", "bad.yaml"), 1, ("bad.yaml", "not valid JSON or YAML"), (file_at("bad.yaml", "lr: [0.1\n"),)),
    Case("record-params-a-list", ("record", "--params", "list.json"), 1, ("list.json", "expected an object"), (file_at("list.json", "[1, 2]"),)),
    Case("record-params-alias-loop", ("record", "--params", "loop.yaml"), 1, ("loop.yaml", "refers back to itself"), (file_at("loop.yaml", "a: &x [*x]\n"),)),
    Case("record-params-nested-too-deep", ("record", "--params", "deep.yaml"), 1, ("deep.yaml", "nested too deeply"), (file_at("deep.yaml", "[" * 100_000),)),
    Case("record-metrics-missing", ("record", "--metrics", "eval/nope.json"), 2, ("eval/nope.json", "does not exist")),
    Case("record-metadata-path-is-a-folder", ("record",), 1, ("experiment_metadata.json", "cannot write"), (metadata_is_a_folder,)),
    # git hf bump
    Case("bump-pre-with-a-space", ("bump", "minor", "--pre", "rc 1"), 2, ("'rc 1'", "pre-release"), check=no_new_tag),
    Case("bump-pre-empty", ("bump", "minor", "--pre", ""), 2, ("''", "pre-release"), check=no_new_tag),
    Case("bump-pre-empty-identifier", ("bump", "patch", "--pre", "rc..1"), 2, ("'rc..1'",), check=no_new_tag),
    Case("bump-pre-non-ascii", ("bump", "major", "--pre", "bêta"), 2, ("'bêta'",), check=no_new_tag),
    Case("bump-pre-on-timestamp-tags", ("bump", "minor", "--pre", "rc"), 2, ("'rc'", "timestamp"), (config_line("tag_pattern: timestamp"),), no_new_tag),
    Case("bump-commit-already-a-version", ("bump", "patch"), 1, ("v0.1.0", "already version"), (tagged,)),
    Case("bump-dry-run-commit-already-a-version", ("bump", "minor", "--dry-run"), 1, ("v0.1.0",), (tagged,)),
    Case("bump-shallow-clone-without-tags", ("bump", "patch"), 1, ("shallow clone", "git fetch --unshallow --tags"), (shallow_clone,)),
    Case("bump-before-the-first-commit", ("bump", "patch"), 1, ("no commit yet",), (no_commit_yet,)),
    Case("bump-unknown-kind", ("bump", "huge"), 2, ("'huge'",), check=no_new_tag),
    # git hf card
    Case("card-output-into-a-missing-folder", ("card", "v0.1.0", "-o", "no/such/dir/README.md"), 1, ("no/such/dir does not exist",), (tagged,)),
    Case("card-output-under-a-file", ("card", "v0.1.0", "-o", "train.py/README.md"), 1, ("train.py is not a folder",), (tagged,)),
    Case("card-unknown-version", ("card", "v9.9.9"), 1, ("v9.9.9",)),
    Case("card-not-a-version", ("card", "latest"), 1, ("'latest'", "not a version tag")),
    # git hf push: what is on the Hub, as it is
    Case("push-tag-moved-after-publishing", ("push",), 1, ("v0.1.0 diverged", "--force"), (published, moved_tag)),
    Case("push-unknown-tag", ("push", "v9.9.9"), 1, ("'v9.9.9'",)),
    Case("push-a-tag-of-a-tree", ("push", "v0.0.9"), 1, ("'v0.0.9'",), (tree_tag,)),
    Case("push-state-folder-is-a-file", ("push",), 1, (".git/hfgit", "must be a folder"), (tagged, state_dir_is_a_file)),
    Case("push-a-tag-that-is-no-version", ("push", "latest"), 1, ("'latest'", "not a version tag"), (tag("latest"),)),
    Case("push-without-a-token-to-a-private-repo", ("push", "v0.2.0"), 1, ("no token was sent", "HF_TOKEN"), (published, commit_and_tag("v0.2.0")), env=NO_TOKEN),
    Case("push-with-a-rejected-token", ("push",), 1, ("rejected the token",), (tagged,), env={"HF_TOKEN": WRONG_TOKEN}),
    Case("push-to-a-hub-that-is-down", ("push", "--endpoint", f"http://127.0.0.1:{closed_port()}"), 1, ("cannot reach",), (tagged,)),
    Case("push-endpoint-not-http", ("push", "--endpoint", "ftp://hub.example"), 2, ("ftp://hub.example",)),
    Case("push-endpoint-unclosed-ipv6", ("push", "--endpoint", "http://[::1"), 2, ("http://[::1",)),
    Case("log-hf-endpoint-unclosed-ipv6", ("log",), 1, ("$HF_ENDPOINT", "http://[::1"), (published, file_at(".hfgit.yaml", "repo_id: alice/tool-caller\nmodel_dir: model\n")), env={"HF_ENDPOINT": "http://[::1"}),
    Case("validate-endpoint-unclosed-ipv6", ("validate",), 1, ("endpoint", "http://[::1"), (file_at(".hfgit.yaml", "repo_id: alice/tool-caller\nmodel_dir: model\nendpoint: http://[::1\n"),)),
    Case("push-token-with-a-space", ("push", "--token", "hf_a b"), 2, ("one word",)),
    # reading the Hub without a token: said as that, not as "not there"
    Case("log-without-a-token", ("log",), 1, ("no token was sent", REPO), (published,), env=NO_TOKEN),
    Case("status-without-a-token", ("status",), 1, ("no token was sent", REPO), (published,), env=NO_TOKEN),
    Case("experiments-without-a-token", ("experiments",), 1, ("no token was sent",), (published,), env=NO_TOKEN),
    Case("pull-without-a-token", ("pull", "v0.1.0"), 1, ("no token was sent",), (published,), env=NO_TOKEN),
    # git hf pull
    Case("pull-a-version-the-hub-lacks", ("pull", "v9.9.9"), 1, ("v9.9.9 is not on", "git hf log"), (published,)),
    Case("pull-offline-not-cached", ("pull", "v0.1.0"), 1, ("HF_HUB_OFFLINE", "v0.1.0", "not in the local cache"), (published, offline)),
    Case("pull-offline-download-cut-short", ("pull", "v0.1.0", "--local-dir", "dl"), 1, ("v0.1.0 is only partly in the cache",), (published, pulled_into("dl", "model.safetensors"), offline)),
    Case("pull-offline-cut-short-no-listing", ("pull", "v0.1.0", "--local-dir", "dl"), 1, ("dl holds v0.1.0 only in part", "model.safetensors"), (recorded_and_published, pulled_into("dl", "model.safetensors", listing=False), offline), process=True),
    Case("pull-offline-no-metadata-no-listing", ("pull", "v0.1.0", "--local-dir", "dl"), 1, ("v0.1.0", "incomplete", "experiment_metadata.json is missing"), (published, pulled_into("dl", "experiment_metadata.json", listing=False), offline), process=True),
    Case("pull-into-a-device", ("pull", "v0.1.0", "--local-dir", "/dev/null"), 1, ("/dev/null", "not a folder"), (published,)),
    Case("pull-into-a-file", ("pull", "v0.1.0", "--local-dir", "train.py"), 2, ("train.py",)),
    # git hf init
    Case("init-without-repo-id-or-token", ("init", "--no-hooks"), 2, ("--repo-id", "no token"), (no_config,), not_created(".hfgit.yaml"), NO_TOKEN),
    Case("init-with-a-rejected-token", ("init", "--no-hooks"), 1, ("rejected the token", "--repo-id"), (no_config,), not_created(".hfgit.yaml"), {"HF_TOKEN": WRONG_TOKEN}),
    Case("init-repo-id-without-namespace", ("init", "--repo-id", "tool-caller", "--no-hooks"), 2, ("--repo-id",), (no_config,), not_created(".hfgit.yaml")),
    Case("init-model-dir-outside", ("init", "--repo-id", REPO, "--model-dir", "../out", "--no-hooks"), 2, ("--model-dir", "../out"), (no_config,), not_created(".hfgit.yaml")),
    Case("init-over-an-existing-config", ("init", "--repo-id", REPO, "--no-hooks"), 1, (".hfgit.yaml", "--force")),
    # anywhere
    Case("push-outside-a-repository", ("push",), 1, ("not inside a git repository", "git init"), (outside_any_repository,)),
    Case("serve-root-is-a-file", ("serve", "--root", "train.py", "--port", "0"), 1, ("train.py",)),
    Case("login-endpoint-not-http", ("login", "--endpoint", "ftp://x", "--token", "hf_x"), 2, ("ftp://x",)),
]
# fmt: on


def _ok(result: Result) -> None:
    assert result.code == 0, result.err


def in_a_process(args: tuple[str, ...]) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "hfgit.cli", *args], capture_output=True, text=True, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


def hub_state(hub: Any) -> tuple[Any, ...]:
    """What the Hub holds: every repository it stores, and the refs and commits of REPO as the
    real client reads them (None when there is no such repository)."""
    from huggingface_hub import constants
    from huggingface_hub.errors import RepositoryNotFoundError

    repos = sorted(p.relative_to(hub.root).as_posix() for p in hub.root.glob("repos/*/*/*.git"))
    api = hub.api("alice")
    offline, constants.HF_HUB_OFFLINE = constants.HF_HUB_OFFLINE, False  # the test looks
    try:
        refs = api.list_repo_refs(REPO)
        commits = [c.commit_id for c in api.list_repo_commits(REPO)]
    except RepositoryNotFoundError:
        return repos, None
    finally:
        constants.HF_HUB_OFFLINE = offline
    branches = {b.name: b.target_commit for b in refs.branches}
    return repos, branches, {t.name: t.target_commit for t in refs.tags}, commits


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_wrong_input_is_one_line_naming_it_and_leaves_the_hub_as_it_was(
    case: Case, workspace: Workspace, monkeypatch: pytest.MonkeyPatch, hf_cache: Path
) -> None:
    for setup in case.setup:
        setup(workspace, monkeypatch)
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    before = hub_state(workspace.hub)

    result = in_a_process(case.args) if case.process else workspace.run(*case.args)

    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.err
    assert result.code == case.code, result.err
    for name in case.names:
        assert name in result.err, f"{name!r} not in {result.err!r}"
    assert "unexpected error" not in result.err
    assert hub_state(workspace.hub) == before
    if case.check is not None:
        case.check(workspace)


def test_the_corpus_is_large_and_each_case_distinct() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
