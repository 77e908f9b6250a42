"""git over HTTP against the embedded hub, with real `git` and `git-lfs`: clone, fetch and push
as on the Hub, the Hub's access rules, and a push held to the rules of an API commit."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from gitdriver import GIT_LFS, NO_GIT_LFS, Git, basic, commit_with_path
from hubhttp import Client
from huggingface_hub import hf_hub_download

from hfgit.server.lfs import format_pointer

needs_git_lfs = pytest.mark.skipif(GIT_LFS is None, reason=NO_GIT_LFS)
WEIGHTS_V1 = b"\x00weights of v1 " + bytes(range(256)) * 40
WEIGHTS_V2 = b"\x00weights of v2 " + bytes(range(256)) * 41


@pytest.fixture
def git(hub, tmp_path: Path) -> Git:  # type: ignore[no-untyped-def]
    return Git(tmp_path / "git-home", hub.url)


@pytest.fixture
def lfs_git(git: Git) -> Git:
    if GIT_LFS is None:
        pytest.skip(NO_GIT_LFS)
    git.install_lfs()
    return git


@pytest.fixture
def secret(hub) -> str:  # type: ignore[no-untyped-def]
    """alice's private model: weights through LFS, tagged v1.0, then changed on main."""
    api = hub.api()
    api.create_repo("alice/secret", private=True)
    api.upload_file(
        path_or_fileobj=WEIGHTS_V1, path_in_repo="model.safetensors", repo_id="alice/secret"
    )
    api.upload_file(path_or_fileobj=b"{}\n", path_in_repo="config.json", repo_id="alice/secret")
    api.create_tag("alice/secret", tag="v1.0")
    api.upload_file(
        path_or_fileobj=WEIGHTS_V2, path_in_repo="model.safetensors", repo_id="alice/secret"
    )
    return "alice/secret"


def _clone(git: Git, url: str, dest: Path, *options: str) -> Path:
    git("clone", *options, url, str(dest))
    return dest


def _commit_file(git: Git, work: Path, path: str, content: bytes, message: str) -> str:
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_bytes(content)
    git("add", path, cwd=work)
    git("commit", "-q", "-m", message, cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


# --- clone and fetch ---------------------------------------------------------------------


@needs_git_lfs
def test_a_private_repo_clones_at_a_version_tag_with_its_lfs_weights(
    hub, secret, lfs_git, tmp_path
):
    lfs_git.login(hub.tokens["alice"])
    work = _clone(lfs_git, lfs_git.url(secret), tmp_path / "v1", "--branch", "v1.0")
    assert (work / "model.safetensors").read_bytes() == WEIGHTS_V1
    assert (work / "config.json").read_text() == "{}\n"
    tagged = hub.api().list_repo_refs(secret).tags[0].target_commit
    assert lfs_git("rev-parse", "HEAD", cwd=work) == tagged
    lfs_git("fetch", "-q", "origin", cwd=work)
    lfs_git("checkout", "-q", "main", cwd=work)
    assert (work / "model.safetensors").read_bytes() == WEIGHTS_V2


@needs_git_lfs
def test_git_lfs_pull_fetches_the_bytes_with_the_token_of_the_clone_url(
    hub, secret, lfs_git, tmp_path
):
    lfs_git.env["GIT_LFS_SKIP_SMUDGE"] = "1"
    url = lfs_git.url(f"{secret}.git", token=hub.tokens["alice"])
    work = _clone(lfs_git, url, tmp_path / "pointers")
    pointer = format_pointer(hashlib.sha256(WEIGHTS_V2).hexdigest(), len(WEIGHTS_V2))
    assert (work / "model.safetensors").read_bytes() == pointer
    del lfs_git.env["GIT_LFS_SKIP_SMUDGE"]
    lfs_git("lfs", "pull", cwd=work)
    assert (work / "model.safetensors").read_bytes() == WEIGHTS_V2


def test_anonymous_access_to_a_private_repo_is_refused_like_a_missing_one(
    hub, secret, git, tmp_path
):
    private = git.fails("clone", git.url(secret), "clone", cwd=tmp_path)
    missing = git.fails("clone", git.url("alice/nothing"), "clone", cwd=tmp_path)
    assert "could not read Username" in private  # git was asked for credentials
    assert private.replace(secret, "X") == missing.replace("alice/nothing", "X")
    client = Client(hub.url)
    answers = {}
    for repo in (secret, "alice/nothing"):
        for who, headers in (("anonymous", {}), ("bob", basic(hub.tokens["bob"]))):
            response = client.get(f"/{repo}/info/refs?service=git-upload-pack", headers=headers)
            challenge = response.headers.get("WWW-Authenticate", "")
            body = response.content.replace(repo.encode(), b"X")
            answers[repo, who] = (response.status_code, challenge.split(" ")[0], body)
    assert answers[secret, "anonymous"] == answers["alice/nothing", "anonymous"]
    assert answers[secret, "anonymous"][:2] == (401, "Basic")
    assert answers[secret, "bob"] == answers["alice/nothing", "bob"]
    assert answers[secret, "bob"][:2] == (404, "")
    batch = {"operation": "download", "objects": [{"oid": "0" * 64, "size": 1}]}
    lfs = [
        client.post(f"/{repo}.git/info/lfs/objects/batch", json=batch)
        for repo in (secret, "alice/nothing")
    ]
    assert [(r.status_code, r.headers["LFS-Authenticate"]) for r in lfs] == [
        (401, 'Basic realm="Authentication required", charset="UTF-8"')
    ] * 2
    assert lfs[0].json()["message"].replace(secret, "X") == lfs[1].json()["message"].replace(
        "alice/nothing", "X"
    )


def test_a_gated_repo_clones_only_for_its_owner_and_granted_users(hub, git, tmp_path):
    api = hub.api()
    api.create_repo("alice/gated")
    api.update_repo_settings("alice/gated", gated="auto")
    assert "could not read Username" in git.fails(
        "clone", git.url("alice/gated"), "a", cwd=tmp_path
    )
    refused = git.fails("clone", git.url("alice/gated", hub.tokens["bob"]), "b", cwd=tmp_path)
    assert "not in the authorized list" in refused
    api.grant_access("alice/gated", "bob")
    git("clone", "-q", git.url("alice/gated", hub.tokens["bob"]), str(tmp_path / "c"))


def test_a_wrong_token_fails_authentication_another_users_token_finds_nothing(
    hub, secret, git, tmp_path
):
    url = git.url(secret, token="hf_notAToken0123456789")
    assert "Authentication failed" in git.fails("clone", url, "c", cwd=tmp_path)
    bobs = git.fails("clone", git.url(secret, hub.tokens["bob"]), "d", cwd=tmp_path)
    assert f"repository '{git.url(secret)}/' not found" in bobs


@pytest.mark.parametrize(
    ("kind", "path"),
    [("model", "alice/demo"), ("model", "alice/demo.git"), ("dataset", "datasets/alice/demo.git")],
)
def test_a_pushed_commit_is_read_through_the_hub_api(hub, git, tmp_path, kind, path):
    api = hub.api()
    api.create_repo("alice/demo", repo_type=kind)
    git.login(hub.tokens["alice"])
    work = _clone(git, git.url(path), tmp_path / "work")
    pushed = _commit_file(git, work, "docs/notes.txt", b"pushed with git\n", "Notes from git")
    git("push", "-q", "origin", "main", cwd=work)
    commits = api.list_repo_commits("alice/demo", repo_type=kind)
    assert (commits[0].commit_id, commits[0].title) == (pushed, "Notes from git")
    assert api.repo_info("alice/demo", repo_type=kind).sha == pushed
    downloaded = hf_hub_download(
        "alice/demo", "docs/notes.txt", repo_type=kind, endpoint=hub.url, cache_dir=tmp_path
    )
    assert Path(downloaded).read_bytes() == b"pushed with git\n"
    # and the other way round: an API commit comes back with a fetch
    api.upload_file(
        path_or_fileobj=b"api\n", path_in_repo="api.txt", repo_id="alice/demo", repo_type=kind
    )
    git("pull", "-q", "--ff-only", cwd=work)
    assert (work / "api.txt").read_bytes() == b"api\n"


@needs_git_lfs
def test_an_lfs_file_pushed_with_git_lfs_downloads_through_the_hub_client(hub, lfs_git, tmp_path):
    api = hub.api()
    api.create_repo("alice/demo")
    lfs_git.login(hub.tokens["alice"])
    work = _clone(lfs_git, lfs_git.url("alice/demo"), tmp_path / "work")
    weights = os.urandom(300_000)
    _commit_file(lfs_git, work, "model.bin", weights, "Weights")  # *.bin: LFS by default
    lfs_git("push", "-q", "origin", "main", cwd=work)
    info = api.model_info("alice/demo", files_metadata=True)
    sibling = next(s for s in info.siblings if s.rfilename == "model.bin")
    assert sibling.lfs is not None and sibling.lfs.sha256 == hashlib.sha256(weights).hexdigest()
    downloaded = hf_hub_download("alice/demo", "model.bin", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(downloaded).read_bytes() == weights


# --- what a push may do ------------------------------------------------------------------


@pytest.fixture
def demo(hub, git, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    """alice's public alice/demo, cloned by alice (who may push) without git-lfs."""
    hub.api().create_repo("alice/demo")
    git.login(hub.tokens["alice"])
    return _clone(git, git.url("alice/demo"), tmp_path / "demo")


def _main(hub) -> str:  # type: ignore[no-untyped-def]
    return str(hub.api().list_repo_refs("alice/demo").branches[0].target_commit)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ([b".GIT", b"config"], "hasDotgit"),  # git's own check, on receiving the objects
        ([b".g\xe2\x80\x8cit", b"hooks", b"post-checkout"], "hasDotgit"),  # .git on HFS+
        ([b"git~1", b"config"], "hasDotgit"),  # .git on NTFS
        ([b"bell\x07.txt"], "control character U+0007"),  # the hub's, before any ref moves
        ([b"x" * 300], "longer than 255 bytes"),
        ([b"d"] * 70, "more than 64 levels deep"),
    ],
    ids=["dotgit-case", "dotgit-hfs", "dotgit-ntfs", "control-char", "long-name", "too-deep"],
)
def test_a_push_with_a_path_the_api_refuses_is_refused(hub, git, demo, path, why):
    before = _main(hub)
    commit = commit_with_path(git, demo, path, b"payload\n")
    refused = git.fails("push", "origin", f"{commit}:refs/heads/main", cwd=demo)
    assert why in refused
    assert _main(hub) == before
    assert hub.api().list_repo_commits("alice/demo")[0].commit_id == before


def test_a_push_of_a_file_over_10_mib_is_refused_with_a_hint_to_use_lfs(hub, git, demo):
    before = _main(hub)
    _commit_file(git, demo, "big.dat", os.urandom(10 * 1024 * 1024 + 1), "Too big")
    refused = git.fails("push", "origin", "main", cwd=demo)
    assert "big.dat" in refused and "LFS" in refused
    assert _main(hub) == before


def test_a_push_of_a_symbolic_link_is_refused(hub, git, demo):
    before = _main(hub)
    (demo / "link").symlink_to("/etc/passwd")
    git("add", "link", cwd=demo)
    git("commit", "-q", "-m", "A link", cwd=demo)
    assert "'link' is a symbolic link" in git.fails("push", "origin", "main", cwd=demo)
    assert _main(hub) == before


def test_a_push_naming_an_lfs_object_not_uploaded_to_the_repo_is_refused(hub, git, demo, tmp_path):
    bob = hub.api("bob")
    bob.create_repo("bob/private", private=True)
    bob.upload_file(path_or_fileobj=WEIGHTS_V1, path_in_repo="w.safetensors", repo_id="bob/private")
    before = _main(hub)
    pointer = format_pointer(hashlib.sha256(WEIGHTS_V1).hexdigest(), len(WEIGHTS_V1))
    _commit_file(git, demo, "stolen.bin", pointer, "Point at bob's weights")
    refused = git.fails("push", "origin", "main", cwd=demo)
    assert "stolen.bin" in refused and "was not uploaded to this repository" in refused
    assert _main(hub) == before
    assert b"weights" not in Client(hub.url).get("/alice/demo/resolve/main/stolen.bin").content


def test_a_push_may_point_at_an_lfs_object_of_the_repo_under_a_new_path(hub, git, demo, tmp_path):
    hub.api().upload_file(path_or_fileobj=WEIGHTS_V1, path_in_repo="w.bin", repo_id="alice/demo")
    git("pull", "-q", cwd=demo)
    pointer = (demo / "w.bin").read_bytes()  # no git-lfs here: the pointer itself
    assert pointer.startswith(b"version https://git-lfs")
    _commit_file(git, demo, "copies/w2.bin", pointer, "Copy the weights")
    git("push", "-q", "origin", "main", cwd=demo)
    copy = hf_hub_download("alice/demo", "copies/w2.bin", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(copy).read_bytes() == WEIGHTS_V1


def test_force_push_and_deletion_of_main_are_refused_other_branches_may_be_rewritten(
    hub, git, demo
):
    kept = _commit_file(git, demo, "a.txt", b"a\n", "Keep me")
    git("push", "-q", "origin", "main", cwd=demo)
    git("commit", "-q", "--amend", "-m", "Rewritten", cwd=demo)
    refused = git.fails("push", "--force", "origin", "main", cwd=demo)
    assert "force-push refused" in refused and "main is protected" in refused
    assert "Cannot delete refs/heads/main" in git.fails("push", "origin", ":main", cwd=demo)
    assert _main(hub) == kept
    git("push", "-q", "origin", "HEAD:refs/heads/dev", cwd=demo)
    git("commit", "-q", "--amend", "-m", "Rewritten again", cwd=demo)
    git("push", "-q", "--force", "origin", "HEAD:refs/heads/dev", cwd=demo)
    refs = hub.api().list_repo_refs("alice/demo")
    assert {b.name: b.target_commit for b in refs.branches}["dev"] == git(
        "rev-parse", "HEAD", cwd=demo
    )
    git("push", "-q", "origin", ":dev", cwd=demo)
    assert [b.name for b in hub.api().list_repo_refs("alice/demo").branches] == ["main"]


def test_a_readme_with_invalid_metadata_is_refused_and_warnings_are_shown(hub, git, demo):
    before = _main(hub)
    _commit_file(git, demo, "README.md", b"---\ntags: 5\n---\n# Demo\n", "Bad card")
    refused = git.fails("push", "origin", "main", cwd=demo)
    assert "Invalid metadata in README.md." in refused and "tags" in refused
    assert _main(hub) == before
    _commit_file(git, demo, "README.md", b"# Demo, no metadata\n", "Plain card")
    pushed = git.run("push", "origin", "main", cwd=demo).stderr.decode()
    assert "remote: Warnings while validating metadata in README.md" in pushed
    assert _main(hub) == git("rev-parse", "HEAD", cwd=demo)


def test_pushed_tags_are_hub_tags(hub, git, demo, tmp_path):
    commit = _commit_file(git, demo, "v.txt", b"two\n", "Version two")
    git("tag", "-a", "v2.0", "-m", "Release 2.0", cwd=demo)
    git("tag", "light", cwd=demo)
    git("push", "-q", "origin", "main", "v2.0", "light", cwd=demo)
    tags = {t.name: t.target_commit for t in hub.api().list_repo_refs("alice/demo").tags}
    assert tags == {"v2.0": commit, "light": commit}
    downloaded = hf_hub_download(
        "alice/demo", "v.txt", revision="v2.0", endpoint=hub.url, cache_dir=tmp_path
    )
    assert Path(downloaded).read_bytes() == b"two\n"


def test_a_push_needs_write_access_to_the_namespace(hub, git, demo):
    _commit_file(git, demo, "b.txt", b"b\n", "From bob")
    git.login(hub.tokens["bob"])
    refused = git.fails("push", "origin", "main", cwd=demo)
    assert "403" in refused and "rights to write to the 'alice' namespace" in refused
    git("config", "--global", "--unset", "credential.helper")
    assert "could not read Username" in git.fails("push", "origin", "main", cwd=demo)
    client = Client(hub.url)
    anonymous = client.get("/alice/demo/info/refs?service=git-receive-pack")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic ")
    reader = client.get("/alice/demo/info/refs?service=git-upload-pack")
    assert reader.status_code == 200 and b"refs/heads/main" in reader.content
