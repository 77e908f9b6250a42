"""Hostile and malformed input: traversal in repo ids and file paths, bad bodies, bad uploads."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
from urllib.parse import urlsplit

import pytest


def _raw(hub, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """Send a request target exactly as written (no client-side path normalization)."""
    parts = urlsplit(hub.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _ndjson(*lines: dict) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def _header(summary: str = "evil") -> dict:
    return {"key": "header", "value": {"summary": summary, "description": ""}}


def _file(path: str, content: bytes = b"x") -> dict:
    return {
        "key": "file",
        "value": {
            "path": path,
            "content": base64.b64encode(content).decode(),
            "encoding": "base64",
        },
    }


@pytest.mark.parametrize(
    "target",
    [
        "/api/models/%2E%2E/%2E%2E",
        "/api/models/alice/..%2F..%2Fetc",
        "/api/models/alice/../bob",
        "/api/models/al--ice/demo",
        "/alice/%2E%2E/resolve/main/x",
        "/api/models/alice/demo%00/refs",
    ],
)
def test_traversal_in_repo_ids_never_reaches_the_disk(hub, target):
    status, headers, body = _raw(hub, "GET", target)
    assert status in (400, 404)
    assert "error" in json.loads(body)
    assert headers.get("X-Request-Id")


@pytest.mark.parametrize(
    "name", ["../../escape", "..", "a--b", "x/y", ".hidden", "a" * 97, "ok\x00"]
)
def test_create_repo_refuses_invalid_names(hub, http, auth, name):
    response = http.post(
        "/api/repos/create", json={"name": name, "organization": "alice"}, headers=auth()
    )
    assert response.status_code == 400
    assert not any(
        p.name.startswith(".") or "escape" in p.name
        for p in (hub.root / "repos" / "models").rglob("*")
    )
    assert not (hub.root.parent / "escape.git").exists()


@pytest.mark.parametrize(
    "path",
    [
        "../evil.txt",
        "a/../../evil.txt",
        "/etc/passwd",
        "a\\..\\evil",
        "x\x00y",
        ".git/config",
        "a//b",
        "./a",
        "dir/.git/hooks/x",
        "GIT~1/config",
        ".git./x",
    ],
)
def test_invalid_file_paths_in_a_commit_get_422_and_commit_nothing(hub, repo_id, http, auth, path):
    head = hub.api().repo_info(repo_id).sha
    body = _ndjson(_header(), _file("fine.txt"), _file(path))
    response = http.post(
        f"/api/models/{repo_id}/commit/main",
        content=body,
        headers={**auth(), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 422
    assert response.json()["error"]
    assert hub.api().repo_info(repo_id).sha == head


@pytest.mark.parametrize(
    "body",
    [
        b"not json\n",
        _ndjson(_file("a.txt")),
        _ndjson(_header(""), _file("a.txt")),
        _ndjson(
            _header(),
            {"key": "file", "value": {"path": "a.txt", "content": "***", "encoding": "base64"}},
        ),
        _ndjson(_header(), {"key": "copyEverything", "value": {}}),
        _ndjson(
            _header(), {"key": "lfsFile", "value": {"path": "a.bin", "algo": "sha256", "oid": "zz"}}
        ),
        b"",
    ],
)
def test_malformed_commits_get_a_4xx_json_error_without_traceback(hub, repo_id, http, auth, body):
    response = http.post(
        f"/api/models/{repo_id}/commit/main",
        content=body,
        headers={**auth(), "Content-Type": "application/x-ndjson"},
    )
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text and response.json()["error"]


def test_commit_referencing_an_lfs_object_never_uploaded_is_refused(hub, repo_id, http, auth):
    oid = hashlib.sha256(b"never uploaded").hexdigest()
    line = {"key": "lfsFile", "value": {"path": "w.bin", "algo": "sha256", "oid": oid, "size": 14}}
    response = http.post(
        f"/api/models/{repo_id}/commit/main", content=_ndjson(_header(), line), headers=auth()
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "payload", [b"{not json", b"[1, 2]", b'{"name": 5}', b'{"name": "x", "type": "space"}']
)
def test_malformed_json_bodies_get_400(hub, http, auth, payload):
    response = http.post(
        "/api/repos/create", content=payload, headers={**auth(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"]


def test_oversized_json_body_is_refused_before_reading_it_all(hub, http, auth):
    response = http.post(
        "/api/repos/create", content=b"{" + b" " * (17 * 1024 * 1024) + b"}", headers=auth()
    )
    assert response.status_code == 413


def test_unknown_routes_answer_404_json(hub, http):
    response = http.get("/api/nothing/here")
    assert response.status_code == 404 and response.json()["error"]


def test_lfs_batch_omits_actions_for_objects_already_stored(hub, repo_id, http, auth):
    data = b"\x00stored once"
    hub.api().upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
    known, unknown = hashlib.sha256(data).hexdigest(), hashlib.sha256(b"new").hexdigest()
    request = {
        "operation": "upload",
        "transfers": ["basic"],
        "objects": [{"oid": known, "size": len(data)}, {"oid": unknown, "size": 3}],
    }
    response = http.post(f"/{repo_id}.git/info/lfs/objects/batch", json=request, headers=auth())
    objects = {o["oid"]: o for o in response.json()["objects"]}
    assert "actions" not in objects[known]
    assert objects[unknown]["actions"]["upload"]["href"].startswith(hub.url)
    assert "chunk_size" not in objects[unknown]["actions"]["upload"].get("header", {})


def test_lfs_upload_needs_a_valid_signature_and_matching_content(hub, repo_id, http, auth):
    oid = hashlib.sha256(b"payload").hexdigest()
    forged = http.put(f"/lfs/upload/{oid}?size=7&expires=9999999999&sig=00", content=b"payload")
    assert forged.status_code == 403
    request = {"operation": "upload", "objects": [{"oid": oid, "size": 7}]}
    batch = http.post(f"/{repo_id}.git/info/lfs/objects/batch", json=request, headers=auth()).json()
    href = batch["objects"][0]["actions"]["upload"]["href"]
    assert http.put(href, content=b"PAYLOAD").status_code == 400
    assert not (hub.root / "lfs" / oid[:2] / oid[2:4] / oid).exists()
    assert [p.name for p in (hub.root / "lfs" / "tmp").rglob("*") if p.is_file()] == ["owner.lock"]
    assert http.put(href, content=b"payload").status_code == 200
    verify = batch["objects"][0]["actions"]["verify"]["href"]
    assert http.post(verify, json={"oid": oid, "size": 7}, headers=auth()).status_code == 200


def test_chunked_upload_bodies_are_accepted(hub, repo_id, http, auth):
    oid = hashlib.sha256(b"abc" * 1000).hexdigest()
    request = {"operation": "upload", "objects": [{"oid": oid, "size": 3000}]}
    href = http.post(f"/{repo_id}.git/info/lfs/objects/batch", json=request, headers=auth()).json()[
        "objects"
    ][0]["actions"]["upload"]["href"]
    response = http.put(href, content=iter([b"abc" * 500, b"abc" * 500]))
    assert response.status_code == 200
    assert (hub.root / "lfs" / oid[:2] / oid[2:4] / oid).stat().st_size == 3000


def test_validate_yaml_accepts_cards_and_rejects_non_mapping_front_matter(hub, http):
    ok = http.post(
        "/api/validate-yaml", json={"content": "---\nlicense: mit\n---\nhi", "repoType": "model"}
    )
    assert ok.json() == {"errors": [], "warnings": []}
    bad = http.post(
        "/api/validate-yaml", json={"content": "---\n- a list\n---\n", "repoType": "model"}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["message"]
