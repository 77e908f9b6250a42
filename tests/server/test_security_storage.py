"""Hostile clients against the hub's storage: private LFS objects, collection, paths, trees,
`.gitattributes` patterns and the cost of regular files.

Everything goes through real HTTP: the huggingface_hub client where it can say it, raw
requests where it cannot (or where it would refuse on its own before sending).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pygit2
import pytest
from huggingface_hub import CommitOperationAdd, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError

from hfgit.server import collector
from hfgit.server.gitattributes import default_gitattributes, lfs_rules
from hfgit.server.lfs import format_pointer
from hfgit.server.wildmatch import GlobSet

SECRET = b"\x00alice's private weights " + bytes(range(256)) * 8
SECRET_OID = hashlib.sha256(SECRET).hexdigest()
NDJSON = {"Content-Type": "application/x-ndjson"}


def _ndjson(*lines: dict) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def _header(summary: str = "change") -> dict:
    return {"key": "header", "value": {"summary": summary, "description": ""}}


def _file(path: str, content: bytes) -> dict:
    encoded = base64.b64encode(content).decode()
    return {"key": "file", "value": {"path": path, "content": encoded, "encoding": "base64"}}


def _lfs_line(path: str, oid: str, size: int | None) -> dict:
    value: dict = {"path": path, "algo": "sha256", "oid": oid}
    if size is not None:
        value["size"] = size
    return {"key": "lfsFile", "value": value}


def _commit(http, headers, repo_id: str, *lines: dict):  # type: ignore[no-untyped-def]
    body = _ndjson(_header(), *lines)
    return http.post(
        f"/api/models/{repo_id}/commit/main", content=body, headers={**headers, **NDJSON}
    )


def _batch(http, headers, repo_id: str, operation: str, oid: str, size: int):  # type: ignore[no-untyped-def]
    request = {
        "operation": operation,
        "transfers": ["basic"],
        "objects": [{"oid": oid, "size": size}],
    }
    return http.post(f"/{repo_id}.git/info/lfs/objects/batch", json=request, headers=headers)


def _stored(hub, oid: str) -> Path:  # type: ignore[no-untyped-def]
    return hub.root / "lfs" / oid[:2] / oid[2:4] / oid


@pytest.fixture
def secret(hub):  # type: ignore[no-untyped-def]
    """alice's private repo holding SECRET as an LFS file; bob's own public repo."""
    hub.api().create_repo("alice/secret", private=True)
    hub.api().upload_file(path_or_fileobj=SECRET, path_in_repo="w.bin", repo_id="alice/secret")
    assert _stored(hub, SECRET_OID).exists()
    hub.api("bob").create_repo("bob/mine")
    return "alice/secret"


# --- private LFS objects -----------------------------------------------------------------


@pytest.mark.parametrize("deleted", [False, True], ids=["alice-repo-live", "alice-repo-deleted"])
@pytest.mark.parametrize("size", [len(SECRET), None], ids=["with-size", "copy-without-size"])
def test_an_lfs_line_naming_another_users_private_object_is_refused_like_a_missing_one(
    hub, secret, http, auth, deleted, size
):
    if deleted:
        hub.api().delete_repo(secret)
    head = hub.api("bob").repo_info("bob/mine").sha
    stolen = _commit(http, auth("bob"), "bob/mine", _lfs_line("w.bin", SECRET_OID, size))
    unknown_oid = hashlib.sha256(b"nobody has this").hexdigest()
    unknown = _commit(http, auth("bob"), "bob/mine", _lfs_line("w.bin", unknown_oid, size))
    assert stolen.status_code == unknown.status_code == 422
    assert stolen.json()["error"].replace(SECRET_OID, "X") == unknown.json()["error"].replace(
        unknown_oid, "X"
    )
    assert hub.api("bob").repo_info("bob/mine").sha == head


@pytest.mark.parametrize("deleted", [False, True], ids=["alice-repo-live", "alice-repo-deleted"])
def test_a_regular_file_holding_a_pointer_to_a_private_object_is_served_as_its_text(
    hub, secret, http, auth, tmp_path, deleted
):
    if deleted:
        hub.api().delete_repo(secret)
    bob = hub.api("bob")
    pointer = format_pointer(SECRET_OID, len(SECRET))
    bob.upload_file(path_or_fileobj=pointer, path_in_repo="stolen.txt", repo_id="bob/mine")
    downloaded = hf_hub_download(
        "bob/mine", "stolen.txt", endpoint=hub.url, token=hub.tokens["bob"], cache_dir=tmp_path
    )
    assert Path(downloaded).read_bytes() == pointer
    entry = next(e for e in bob.list_repo_tree("bob/mine") if e.path == "stolen.txt")
    assert entry.lfs is None and entry.size == len(pointer)
    ranged = http.get("/bob/mine/resolve/main/stolen.txt", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == pointer[:10]
    info = bob.model_info("bob/mine", files_metadata=True)
    sibling = next(s for s in info.siblings if s.rfilename == "stolen.txt")
    assert sibling.lfs is None and sibling.size == len(pointer)


@pytest.mark.parametrize("deleted", [False, True], ids=["alice-repo-live", "alice-repo-deleted"])
def test_batch_download_and_verify_say_not_found_for_objects_the_caller_cannot_read(
    hub, secret, http, auth, deleted
):
    if deleted:
        hub.api().delete_repo(secret)
    size = len(SECRET)
    own = _batch(http, auth("bob"), "bob/mine", "download", SECRET_OID, size)
    assert own.status_code == 200
    assert own.json()["objects"][0]["error"]["code"] == 404
    assert "actions" not in own.json()["objects"][0]
    for who, status in (({}, 401), (auth("bob"), 404)):  # git-lfs needs a 401 to send a token
        theirs = _batch(http, who, secret, "download", SECRET_OID, size)
        assert theirs.status_code == status and theirs.headers["X-Error-Code"] == "RepoNotFound"
    body = {"oid": SECRET_OID, "size": size}
    assert http.post("/lfs/verify?repo=models/bob/mine", json=body).status_code == 401
    mine = http.post("/lfs/verify?repo=models/bob/mine", json=body, headers=auth("bob"))
    assert mine.status_code == 404
    hers = http.post(f"/lfs/verify?repo=models/{secret}", json=body, headers=auth("bob"))
    assert hers.status_code == 404 and hers.headers["X-Error-Code"] == "RepoNotFound"
    resolve = http.get(f"/{secret}/resolve/main/w.bin", headers=auth("bob"))
    assert resolve.status_code == 404 and SECRET not in resolve.content


def test_the_owner_still_downloads_and_verifies_her_private_object(hub, secret, http, auth):
    batch = _batch(http, auth("alice"), secret, "download", SECRET_OID, len(SECRET))
    href = batch.json()["objects"][0]["actions"]["download"]["href"]
    assert href.startswith(hub.url) and hub.tokens["alice"] not in href
    assert http.get(href).content == SECRET
    assert http.get(href.replace("sig=", "sig=0")).status_code == 403
    verify = http.post(
        f"/lfs/verify?repo=models/{secret}",
        json={"oid": SECRET_OID, "size": len(SECRET)},
        headers=auth("alice"),
    )
    assert verify.status_code == 200


def test_an_upload_request_for_an_object_held_only_elsewhere_asks_for_the_bytes(
    hub, secret, http, auth, tmp_path
):
    unknown = hashlib.sha256(b"nobody has this").hexdigest()
    held = _batch(http, auth("bob"), "bob/mine", "upload", SECRET_OID, len(SECRET)).json()
    fresh = _batch(http, auth("bob"), "bob/mine", "upload", unknown, 15).json()
    assert (
        set(held["objects"][0])
        == set(fresh["objects"][0])
        == {"oid", "size", "authenticated", "actions"}
    )
    href = held["objects"][0]["actions"]["upload"]["href"]
    assert (
        http.put(href, content=b"\x00not the secret" + b"!" * (len(SECRET) - 15)).status_code == 400
    )
    assert (
        _commit(http, auth("bob"), "bob/mine", _lfs_line("w.bin", SECRET_OID, None)).status_code
        == 422
    )
    # Whoever has the bytes may upload them: then (and only then) bob's repo may use them.
    assert http.put(href, content=SECRET).status_code == 200
    committed = _commit(http, auth("bob"), "bob/mine", _lfs_line("w.bin", SECRET_OID, len(SECRET)))
    assert committed.status_code == 200
    again = _batch(http, auth("bob"), "bob/mine", "upload", SECRET_OID, len(SECRET)).json()
    assert "actions" not in again["objects"][0]
    downloaded = hf_hub_download("bob/mine", "w.bin", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(downloaded).read_bytes() == SECRET


def test_an_object_of_a_public_repo_may_be_referenced_by_anyone_who_can_read_it(
    hub, http, auth, lfs_puts
):
    data = b"\x00public weights"
    oid = hashlib.sha256(data).hexdigest()
    hub.api().create_repo("alice/open")
    hub.api().upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/open")
    hub.api("bob").create_repo("bob/fork")
    hub.api("bob").upload_file(path_or_fileobj=data, path_in_repo="copy.bin", repo_id="bob/fork")
    assert lfs_puts == [oid]  # already readable: bob sends no bytes
    entry = next(e for e in hub.api("bob").list_repo_tree("bob/fork") if e.path == "copy.bin")
    assert entry.lfs is not None and entry.lfs.sha256 == oid
    hub.api().delete_repo("alice/open")
    assert http.get("/bob/fork/resolve/main/copy.bin").content == data


# --- collection ---------------------------------------------------------------------------


def _age(path: Path, seconds: float = 2 * collector.GRACE) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _serve_gc(root: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(root), "--gc"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_serve_gc_removes_objects_of_deleted_repos_and_stale_temps_and_keeps_the_rest(
    hub, tmp_path
):
    api = hub.api()
    shared, orphan, recent = b"\x00shared", b"\x00only in the deleted repo", b"\x00recent orphan"
    api.create_repo("alice/keep")
    api.create_repo("alice/gone")
    api.upload_file(path_or_fileobj=shared, path_in_repo="s.bin", repo_id="alice/keep")
    for name, data in (("s.bin", shared), ("o.bin", orphan), ("r.bin", recent)):
        api.upload_file(path_or_fileobj=data, path_in_repo=name, repo_id="alice/gone")
    oids = {data: hashlib.sha256(data).hexdigest() for data in (shared, orphan, recent)}
    for data in (shared, orphan):
        _age(_stored(hub, oids[data]))
    stale, fresh = hub.root / "lfs" / "tmp" / "killed-upload", hub.root / "lfs" / "tmp" / "live"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    _age(stale)
    api.delete_repo("alice/gone")

    result = _serve_gc(hub.root)  # another process, while this hub keeps serving

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(
        f"removed 1 unreferenced LFS object(s) ({len(orphan)} bytes) and 1 stale temp file(s)"
    )
    assert not _stored(hub, oids[orphan]).exists() and not stale.exists()
    assert _stored(hub, oids[shared]).exists() and _stored(hub, oids[recent]).exists()
    assert fresh.exists()
    downloaded = hf_hub_download("alice/keep", "s.bin", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(downloaded).read_bytes() == shared
    assert _serve_gc(hub.root).stdout.startswith("removed 0 unreferenced")


def test_serve_gc_on_a_folder_without_a_hub_says_so_in_one_line(tmp_path):
    result = _serve_gc(tmp_path / "nothing")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no hub at" in result.stderr


def test_serve_sweeps_at_start(hub, tmp_path):
    data = b"\x00left by a deleted repo"
    oid = hashlib.sha256(data).hexdigest()
    hub.api().create_repo("alice/gone")
    hub.api().upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/gone")
    hub.api().delete_repo("alice/gone")
    _age(_stored(hub, oid))
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(hub.root), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # generous: the sweep runs beside the server
        while _stored(hub, oid).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _stored(hub, oid).exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_repo_from_before_lfs_indexes_keeps_serving_its_lfs_files(hub, repo_id, tmp_path):
    data = b"\x00weights committed by an older hub"
    hub.api().upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
    missing = format_pointer(hashlib.sha256(b"never stored").hexdigest(), 12)
    hub.api().upload_file(path_or_fileobj=missing, path_in_repo="p.txt", repo_id=repo_id)
    shutil.rmtree(hub.root / "repos" / "models" / f"{repo_id}.git" / "hub-lfs")
    entries = {e.path: e for e in hub.api().list_repo_tree(repo_id)}
    assert entries["w.bin"].lfs is not None and entries["p.txt"].lfs is None
    downloaded = hf_hub_download(repo_id, "w.bin", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(downloaded).read_bytes() == data


def test_an_upload_landing_while_the_collector_runs_is_kept(hub, http, auth, monkeypatch):
    """The collector has marked (the object is in no index), then bob uploads the object:
    the sweep that follows must spare it, even with no grace at all."""
    data = b"\x00uploaded during collection"
    oid = hashlib.sha256(data).hexdigest()
    hub.api().create_repo("alice/gone")
    hub.api().upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id="alice/gone")
    hub.api().delete_repo("alice/gone")
    hub.api("bob").create_repo("bob/late")
    _age(_stored(hub, oid))
    storage = hub_storage(hub)
    real_oids = storage.lfs.oids

    def oids_then_upload():  # type: ignore[no-untyped-def]
        listed = list(real_oids())
        batch = _batch(http, auth("bob"), "bob/late", "upload", oid, len(data)).json()
        assert (
            http.put(batch["objects"][0]["actions"]["upload"]["href"], content=data).status_code
            == 200
        )
        return iter(listed)

    monkeypatch.setattr(storage.lfs, "oids", oids_then_upload)
    report = collector.collect(storage, grace=0)
    assert report.objects == 0 and _stored(hub, oid).exists()
    assert (
        _commit(http, auth("bob"), "bob/late", _lfs_line("w.bin", oid, len(data))).status_code
        == 200
    )
    assert http.get("/bob/late/resolve/main/w.bin").content == data


def hub_storage(hub):  # type: ignore[no-untyped-def]
    """A second Storage on the hub's root: the collector as another process would run it."""
    from hfgit.server.storage import Storage

    return Storage(hub.root, sweep_temps=False)


# --- paths ---------------------------------------------------------------------------------

# (path, whether the huggingface_hub client sends it: it refuses `.git` and `..` itself)
REFUSED_PATHS = [
    (".git/config", False),
    ("a/.git/hooks/pre-commit", False),
    ("../escape.txt", False),
    ("", False),
    ("/abs.txt", False),  # the client strips the leading slash
    ("\ud800.txt", False),  # a lone surrogate: not UTF-8
    (".GIT/config", True),
    (".Git/hooks/post-checkout", True),
    (".g\u200cit/hooks/post-checkout", True),
    (".g\u200dit/config", True),
    ("\u200e.git/config", True),
    (".gi\u200ft/config", True),
    (".git\u202a/config", True),
    (".g\u202eit/config", True),
    (".gi\u206at/config", True),
    (".git\u206f/config", True),
    ("\ufeff.git/config", True),
    ("git~1/config", True),
    ("GIT~1/hooks/x", True),
    (".git./config", True),
    (".git . ./config", True),
    (".git::$INDEX_ALLOCATION/config", True),
    (".git:stream", True),
    ("line\nbreak.txt", True),
    ("escape\x1b[31m.txt", True),
    ("tab\tname.txt", True),
    ("del\x7f.txt", True),
    ("c1\x85control.txt", True),
    ("nul\x00.txt", True),
    ("x" * 256, True),
    ("\u00e9" * 128, True),  # 256 bytes in UTF-8
    ("/".join(["d"] * 64) + "/f.txt", True),  # 65 levels
    ("/".join(["y" * 250] * 17), True),  # 4266 bytes
    ("a//b.txt", True),
    ("a/./b.txt", True),
    ("a/../b.txt", False),
    ("dir/", True),
    ("back\\slash.txt", True),
]

ACCEPTED_PATHS = [
    ".github/workflows/ci.yml",
    ".gitignore",
    "a.git/x.txt",
    ".gitx/y.txt",
    "git~2/x.txt",
    "\u00fcber/\u30d5\u30a1\u30a4\u30eb.txt",
    "with space/and #hash%.txt",
    "x" * 255,
    "/".join(["d"] * 63) + "/f.txt",
]


@pytest.mark.parametrize(
    ("path", "client_sends"), REFUSED_PATHS, ids=[ascii(p)[:40] for p, _ in REFUSED_PATHS]
)
def test_paths_git_would_refuse_are_refused_with_422(hub, repo_id, http, auth, path, client_sends):
    head = hub.api().repo_info(repo_id).sha
    response = _commit(http, auth(), repo_id, _file("fine.txt", b"ok"), _file(path, b"x"))
    assert response.status_code == 422 and response.json()["error"]
    if client_sends:
        with pytest.raises(HfHubHTTPError) as raised:
            hub.api().upload_file(path_or_fileobj=b"x", path_in_repo=path, repo_id=repo_id)
        assert raised.value.response.status_code == 422
    assert hub.api().repo_info(repo_id).sha == head


@pytest.mark.parametrize("path", ACCEPTED_PATHS, ids=[p[:40] for p in ACCEPTED_PATHS])
def test_paths_git_accepts_round_trip(hub, repo_id, tmp_path, path):
    hub.api().upload_file(path_or_fileobj=b"content", path_in_repo=path, repo_id=repo_id)
    assert path in hub.api().list_repo_files(repo_id)
    downloaded = hf_hub_download(repo_id, path, endpoint=hub.url, cache_dir=tmp_path)
    assert Path(downloaded).read_bytes() == b"content"


def test_folder_deletes_and_file_deletes_follow_the_same_rules(hub, repo_id, http, auth):
    for op in ("deletedFile", "deletedFolder"):
        line = {"key": op, "value": {"path": ".g\u200cit"}}
        assert _commit(http, auth(), repo_id, line).status_code == 422


# --- trees no commit can break -----------------------------------------------------------


def _push_deep_path(repo_dir: Path, depth: int, content: bytes) -> str:
    """Commit `d/d/.../deep.txt` straight into the bare repo, as `git push` could."""
    git = pygit2.Repository(str(repo_dir))
    oid, name, mode = git.create_blob(content), "deep.txt", pygit2.GIT_FILEMODE_BLOB
    for _ in range(depth):
        builder = git.TreeBuilder()
        builder.insert(name, oid, mode)
        oid, name, mode = builder.write(), "d", pygit2.GIT_FILEMODE_TREE
    head = git.references["refs/heads/main"].peel(pygit2.Commit)
    root = git.TreeBuilder(head.tree)
    root.insert("d", oid, pygit2.GIT_FILEMODE_TREE)
    sig = pygit2.Signature("mallory", "m@example.com")
    git.create_commit("refs/heads/main", sig, sig, "deep", root.write(), [head.id])
    return "/".join(["d"] * depth) + "/deep.txt"


def test_a_path_a_thousand_levels_deep_pushed_around_the_api_leaves_the_repo_usable(
    hub, repo_id, http, tmp_path
):
    deep = _push_deep_path(hub.root / "repos" / "models" / f"{repo_id}.git", 1000, b"deep")
    api = hub.api()
    assert deep in [s.rfilename for s in api.model_info(repo_id, files_metadata=True).siblings]
    assert deep in api.list_repo_files(repo_id)
    top = [e.path for e in api.list_repo_tree(repo_id)]
    assert "d" in top
    paths_info = api.get_paths_info(repo_id, [deep])
    assert [p.path for p in paths_info] == [deep]
    assert http.get(f"/{repo_id}/resolve/main/{deep}").content == b"deep"
    api.upload_file(path_or_fileobj=b"after", path_in_repo="after.txt", repo_id=repo_id)
    assert {"after.txt", deep} <= set(api.list_repo_files(repo_id))
    api.delete_folder("d", repo_id=repo_id)
    assert not any(p.startswith("d/") for p in api.list_repo_files(repo_id))


# --- .gitattributes patterns -------------------------------------------------------------

PATHOLOGICAL = "*a*a*a*a*a*a*a*a*a*a*b"


def test_a_backtracking_pattern_costs_one_step_per_character_and_stalls_nobody(
    hub, repo_id, http, auth
):
    attributes = (
        f"{PATHOLOGICAL} filter=lfs diff=lfs merge=lfs -text\n**/{PATHOLOGICAL}x filter=lfs\n"
    )
    hub.api().upload_file(
        path_or_fileobj=attributes.encode(), path_in_repo=".gitattributes", repo_id=repo_id
    )
    long_dirs = "/".join(["a" * 250] * 15)
    files = [
        {"path": f"{long_dirs}/{'a' * 250}", "size": 1, "sample": "eA=="},
        {"path": f"{long_dirs}/{'a' * 249}b", "size": 1, "sample": "eA=="},
        {"path": f"{long_dirs}/{'a' * 248}bx", "size": 1, "sample": "eA=="},
    ] * 40
    answers: list = []

    def preupload() -> None:
        response = http.post(
            f"/api/models/{repo_id}/preupload/main", json={"files": files}, headers=auth()
        )
        answers.append(response)

    worker = threading.Thread(target=preupload)
    worker.start()
    assert hub.api().whoami()["name"] == "alice"  # served meanwhile
    worker.join(timeout=300)
    assert not worker.is_alive()
    modes = [f["uploadMode"] for f in answers[0].json()["files"]]
    assert modes == ["regular", "lfs", "lfs"] * 40


def test_matching_visits_each_path_character_once(monkeypatch):
    globs = GlobSet([PATHOLOGICAL, f"**/{PATHOLOGICAL}"])
    steps = []
    for nfa in (globs._on_name, globs._on_path):
        real = nfa._closure
        monkeypatch.setattr(
            nfa, "_closure", lambda states, real=real: steps.append(1) or real(states)
        )
    path = "/".join(["a" * 200] * 20)
    assert globs.last_match(path) is None
    assert len(steps) <= 2 * (len(path) + 1)


@pytest.mark.parametrize(
    "pattern",
    [PATHOLOGICAL, "*.bin", "a/**/b", "**/b", "abc/**", "a/*.txt", "[ab]*.txt", "[!a]x", "?.md",
     "saved_model/**/*", "*.tar.*", "*tfevents*", "/top.txt", "dir/", "**/sub/*.bin", "a**b",
     "x\\*y", "a/**/**/b", "[a-c]?z", "sub/**/x/**"],
)  # fmt: skip
def test_patterns_match_what_git_check_attr_matches(tmp_path, pattern):
    paths = ["x.bin", "d/x.bin", "a/b", "a/x/b", "a/xb", "a/x/y/b", "b", "c/b", "abc/x", "abc/d/e",
             "abcd/x", "a/t.txt", "a/b/t.txt", "aab", "zaxab", "a/aab", "at.txt", "ct.txt", "ax",
             "bx", "b.md", "bb.md", "saved_model/v/data", "saved_model/data", "f.tar.gz",
             "runs/ev.tfevents.1", "top.txt", "d/top.txt", "dir/f", "q/sub/w.bin", "sub/w.bin",
             "aXXb", "a/b2", "x*y", "xzy", "a/b/c/b", "bbz", "sub/q/x/r", "sub/x/r", "sub/x",
             "aaaaaaaaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaaaaaa"]  # fmt: skip
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitattributes").write_text(f"{pattern} filter=lfs\n")
    answer = subprocess.run(
        ["git", "check-attr", "--stdin", "filter"],
        input="\n".join(paths), capture_output=True, text=True, cwd=tmp_path, check=True,
    )  # fmt: skip
    by_git = [line.endswith(": lfs") for line in answer.stdout.splitlines()]
    rules = lfs_rules(f"{pattern} filter=lfs\n")
    assert [rules.is_lfs(path) for path in paths] == by_git


def test_default_patterns_and_an_oversized_gitattributes_commit(hub, repo_id, http, auth):
    rules = lfs_rules(default_gitattributes("model"))
    assert rules.is_lfs("a/b/model.safetensors") and not rules.is_lfs("config.json")
    huge = b"".join(b"*.x%d filter=lfs\n" % i for i in range(10_000))
    response = _commit(http, auth(), repo_id, _file(".gitattributes", huge))
    assert response.status_code == 422 and ".gitattributes" in response.json()["error"]


# --- bounded cost of regular files and commit lines --------------------------------------

MiB = 1024 * 1024


def test_a_regular_file_over_10_mb_is_refused_with_a_hint_to_use_lfs(hub, repo_id, http, auth):
    head = hub.api().repo_info(repo_id).sha
    response = _commit(http, auth(), repo_id, _file("big.txt", b"x" * (10 * MiB + 1)))
    assert response.status_code == 413 and "LFS" in response.json()["error"]
    assert hub.api().repo_info(repo_id).sha == head
    at_cap = _commit(http, auth(), repo_id, _file("cap.txt", b"y" * (10 * MiB)))
    assert at_cap.status_code == 200


def test_the_real_client_sends_a_12_mb_text_file_through_lfs_not_as_a_regular_file(hub, repo_id):
    data = b"text " * (12 * MiB // 5)
    hub.api().create_commit(repo_id, [CommitOperationAdd("big.txt", data)], commit_message="big")
    entry = next(e for e in hub.api().list_repo_tree(repo_id) if e.path == "big.txt")
    assert entry.lfs is not None and entry.size == len(data)


@pytest.mark.parametrize(
    "line",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"key": "file", "value": {"path": {"nested": ["deep"]}, "content": "eA=="}}',
        b'{"key": "file", "value": {"path": "\\ud800", "content": "eA=="}}',
        b'{"key": "file", "value": {"path": "a.txt", "content": "\\ud800", "encoding": "utf-8"}}',
        b'{"key": "lfsFile", "value": {"path": "a.bin", "oid": "'
        + b"a" * 64
        + b'", "size": true}}',
        b'{"key": "lfsFile", "value": {"path": "a.bin", "oid": "'
        + b"a" * 64
        + b'", "size": "12"}}',
        b'{"key": "file", "value": {"path": "a.txt", "content": 5}}',
        b'{"key": "deletedFile", "value": {"path": ["a"]}}',
        b'{"key": "header", "value": {"summary": "\\udfff"}}',
        b"\xff\xfe not utf-8",
    ],
)
def test_malformed_commit_lines_get_a_4xx(hub, repo_id, http, auth, line):
    first = json.dumps(_header()).encode() + b"\n"
    body = line + b"\n" if line.startswith(b'{"key": "header"') else first + line + b"\n"
    response = http.post(
        f"/api/models/{repo_id}/commit/main", content=body, headers={**auth(), **NDJSON}
    )
    assert 400 <= response.status_code < 500 and response.json()["error"]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak RSS from /proc")
def test_a_150_mb_regular_file_is_refused_early_without_the_server_holding_it(tmp_path):
    """`git hf serve` as its own process, so that its peak resident memory is its own."""
    command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(tmp_path / "root"),
               "--port", "0", "--user", "alice", "--token", "hf_peakToken123456"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        from huggingface_hub import HfApi

        HfApi(endpoint=url, token="hf_peakToken123456").create_repo("alice/big")
        before = _peak_rss(process.pid)
        status, body = _send_huge_commit(url, "alice/big", "hf_peakToken123456", 150 * MiB)
        grown = _peak_rss(process.pid) - before
        print(f"\npeak RSS before {before / MiB:.1f} MiB, growth {grown / MiB:.1f} MiB")
        assert status == 413 and b"LFS" in body
        assert grown < 64 * MiB  # a 150 MB file would cost 200+ MB in base64 alone
    finally:
        process.terminate()
        process.wait(timeout=10)


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def _send_huge_commit(url: str, repo_id: str, token: str, size: int) -> tuple[int, bytes]:
    """Stream a commit whose one regular file is `size` bytes, as long as the server reads."""
    head = json.dumps(_header()).encode() + b"\n"
    start = b'{"key": "file", "value": {"path": "huge.txt", "encoding": "base64", "content": "'
    encoded_size = 4 * ((size + 2) // 3)
    tail = b'"}}\n'
    length = len(head) + len(start) + encoded_size + len(tail)
    parts = urlsplit(url)
    request = (
        f"POST /api/models/{repo_id}/commit/main HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/x-ndjson\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as conn:

        def send() -> None:  # while the main thread reads: the answer comes before the end
            chunk = b"QUFB" * (256 * 1024)  # 1 MiB of base64
            try:
                conn.sendall(request + head + start)
                sent = 0
                while sent < encoded_size:
                    piece = chunk[: encoded_size - sent]
                    conn.sendall(piece)
                    sent += len(piece)
                conn.sendall(tail)
            except OSError:
                pass  # the server answered and closed: expected

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = b""
        try:
            while data := conn.recv(65536):
                answer += data
        except OSError:
            pass
        sender.join(timeout=60)
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]
