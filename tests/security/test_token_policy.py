"""Where the user's Hub token goes: only to endpoints the user chose outside the repository.

Each case runs `git hf log` in a repository whose committed .hfgit.yaml names listener A, and
reads the Authorization headers that listeners A and B received."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from securityhelpers import approve, credential_store, git_config

HELD = "hf_heldByTheUser0123456789"
STORED = "hf_storedForHostA0123456789"
OTHER = "hf_storedForHostB0123456789"


def _env(name: str) -> Callable[[pytest.MonkeyPatch, Path], None]:
    return lambda mp, _tmp: mp.setenv(name, HELD)


def _login_file(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    home = tmp / "hf-home"
    home.mkdir(exist_ok=True)
    (home / "token").write_text(HELD)
    mp.setenv("HF_HOME", str(home))


SOURCES = {
    "HF_TOKEN": _env("HF_TOKEN"),
    "HUGGINGFACE_TOKEN": _env("HUGGINGFACE_TOKEN"),
    "HUGGING_FACE_HUB_TOKEN": _env("HUGGING_FACE_HUB_TOKEN"),
    "hf auth login": _login_file,
}


@dataclass(frozen=True)
class Route:
    """How the user (or only the repository) names an endpoint, and what must follow."""

    setup: Callable[[pytest.MonkeyPatch, Path, str, str], list[str]]
    called: int  # 0: A (the repository's endpoint), 1: B
    token: str | None  # what the called listener receives

    def run(self, mp: pytest.MonkeyPatch, tmp: Path, a: str, b: str) -> list[str]:
        return self.setup(mp, tmp, a, b)


def _nothing(mp, tmp, a, b):  # type: ignore[no-untyped-def]
    return []


def _hf_endpoint(which: int):  # type: ignore[no-untyped-def]
    def setup(mp, tmp, a, b):  # type: ignore[no-untyped-def]
        mp.setenv("HF_ENDPOINT", (a, b)[which])
        return []

    return setup


def _flag(which: int):  # type: ignore[no-untyped-def]
    return lambda mp, tmp, a, b: ["--endpoint", (a, b)[which]]


def _git_config(which: int):  # type: ignore[no-untyped-def]
    def setup(mp, tmp, a, b):  # type: ignore[no-untyped-def]
        git_config("--add", "hfgit.endpoint", (a, b)[which] + "/")  # spelling does not matter
        return []

    return setup


def _stored_for(which: int):  # type: ignore[no-untyped-def]
    def setup(mp, tmp, a, b):  # type: ignore[no-untyped-def]
        credential_store(tmp)
        approve((a, b)[which], (STORED, OTHER)[which])
        return []

    return setup


ROUTES = {
    "only .hfgit.yaml names it": Route(_nothing, 0, None),
    "HF_ENDPOINT names another": Route(_hf_endpoint(1), 0, None),
    "HF_ENDPOINT names it": Route(_hf_endpoint(0), 0, HELD),
    "--endpoint names it": Route(_flag(0), 0, HELD),
    "--endpoint names another": Route(_flag(1), 1, HELD),
    "global git config names it": Route(_git_config(0), 0, HELD),
    "global git config names another": Route(_git_config(1), 0, None),
    "credential store holds one for it": Route(_stored_for(0), 0, STORED),
    "credential store holds one for another host": Route(_stored_for(1), 0, None),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("source", SOURCES)
def test_the_token_goes_only_where_the_user_chose(
    source, route, project, listeners, monkeypatch, tmp_path
):
    SOURCES[source](monkeypatch, tmp_path)
    case = ROUTES[route]
    a, b = listeners
    args = case.run(monkeypatch, tmp_path, a.url, b.url)

    result = project.hf("log", *args)

    called, silent = (a, b) if case.called == 0 else (b, a)
    assert called.seen, result.err
    expected = f"Bearer {case.token}" if case.token else None
    assert called.authorizations == {expected}
    assert silent.seen == []
    for secret in (HELD, STORED, OTHER):
        assert secret not in result.out + result.err
    notes = [line for line in result.err.splitlines() if line.startswith("note:")]
    if case.token is None:
        assert notes == [
            f"note: no token sent to {a.url}: only .hfgit.yaml names it; "
            f"`git hf login --endpoint {a.url}` stores a token for it, or pass --token"
        ]
        assert result.code == 1 and "no token was sent" in result.err
    else:
        assert notes == []
        assert result.code == 0, result.err


def test_no_token_at_all_sends_none_and_says_how_to_provide_one(project, listeners):
    a, _ = listeners

    result = project.hf("log")

    assert a.authorizations == {None}
    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert "no token was sent" in line and "does not exist" not in line
    assert f"git hf login --endpoint {a.url}" in line


def test_a_token_on_the_command_line_goes_to_the_endpoint_of_that_command(project, listeners):
    a, b = listeners

    result = project.hf("log", "--token", STORED)

    assert a.authorizations == {f"Bearer {STORED}"} and b.seen == []
    assert STORED not in result.out + result.err


def test_a_token_on_the_command_line_is_for_that_command_only(project, listeners):
    a, _ = listeners
    project.hf("log", "--token", STORED)
    a.seen.clear()

    project.hf("log")

    assert a.authorizations == {None}


def test_the_credential_store_is_asked_for_the_host_of_the_endpoint(project, listeners, tmp_path):
    a, _ = listeners
    store = credential_store(tmp_path)
    approve(a.url, STORED)

    assert project.hf("log").code == 0
    assert a.authorizations == {f"Bearer {STORED}"}
    assert "127.0.0.1" in store.read_text()


def test_asking_git_for_a_credential_never_prompts(project, listeners, tmp_path, monkeypatch):
    """No askpass program runs and no terminal is used: the helper answers, or nothing does."""
    a, _ = listeners
    marker = tmp_path / "asked"
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(f"#!/bin/sh\necho asked >> {marker}\necho {HELD}\n")
    askpass.chmod(0o755)
    monkeypatch.setenv("GIT_ASKPASS", str(askpass))
    monkeypatch.setenv("SSH_ASKPASS", str(askpass))
    git_config("core.askPass", str(askpass))

    result = project.hf("log")

    assert not marker.exists()
    assert a.authorizations == {None}
    assert result.code == 1


def test_login_checks_the_token_and_stores_it_for_that_endpoint(project, listeners, tmp_path):
    a, b = listeners
    credential_store(tmp_path)

    stored = project.hf("login", "--endpoint", a.url, "--token", a.accepted)

    assert stored.code == 0, stored.err
    assert a.accepted not in stored.out + stored.err
    assert f"stored in git's credential store for {a.url}" in stored.err
    a.seen.clear()
    assert project.hf("log").code == 0
    assert a.authorizations == {f"Bearer {a.accepted}"} and b.seen == []


def test_login_reads_the_token_from_stdin(project, listeners, tmp_path, monkeypatch):
    import io

    a, _ = listeners
    credential_store(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(a.accepted + "\n"))

    assert project.hf("login", "--endpoint", a.url).code == 0
    a.seen.clear()
    project.hf("log")
    assert a.authorizations == {f"Bearer {a.accepted}"}


def test_login_with_a_token_the_hub_rejects_stores_nothing(project, listeners, tmp_path):
    a, _ = listeners
    store = credential_store(tmp_path)

    result = project.hf("login", "--endpoint", a.url, "--token", HELD)

    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert "rejected the token (401)" in line and HELD not in line
    assert not store.exists() or HELD not in store.read_text()


def test_login_without_a_credential_helper_says_how_to_set_one(project, listeners):
    a, _ = listeners

    result = project.hf("login", "--endpoint", a.url, "--token", a.accepted)

    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert "credential.helper" in line and a.accepted not in line


@pytest.mark.parametrize(
    ("endpoint", "chosen"),
    [
        ("https://huggingface.co", True),
        ("https://hf.co", True),
        ("https://eu.huggingface.co", True),
        ("http://huggingface.co", False),
        ("https://huggingface.co.attacker.example", False),
        ("https://attacker.example/huggingface.co", False),
    ],
)
def test_only_huggingface_co_over_https_is_chosen_by_default(endpoint, chosen):
    from hfgit.hub import Access
    from hfgit.hub.credentials import user_chose

    assert user_chose(endpoint, Access()) is chosen


def test_a_private_repo_without_a_token_is_not_reported_missing(hub, tmp_path, capsys, monkeypatch):
    from drivers import RepoDriver

    hub.api("alice").create_repo("alice/secret", private=True)
    root = tmp_path / "work"
    root.mkdir()
    repo = RepoDriver(root, hub, capsys)
    repo.git("init", "-q", "-b", "main")
    repo.write(".hfgit.yaml", f"repo_id: alice/secret\nmodel_dir: model\nendpoint: {hub.url}\n")
    monkeypatch.chdir(root)

    for command in ("log", "status"):
        result = repo.hf(command)

        assert result.code == 1, command
        (line,) = result.err.strip().splitlines()
        assert "no token was sent" in line, line
        assert "does not exist" not in line and "rejected" not in line
