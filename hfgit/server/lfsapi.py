"""LFS endpoints: the batch API (basic transfer), signed uploads and downloads, and verify.

Every answer about an object is scoped to one repo: an object the repo may not use (see
`repoobjects`) is "not found" to downloads and verify, and "please upload" to uploads, exactly
as if no repo held it; the bytes of an upload are checked against the sha256 before the repo
may use them. Transfer URLs carry their repo and are signed, so they need no token.

git-lfs is served too: it reads `message` in errors, and sends credentials only once asked,
so an anonymous request that needs them gets a 401 with a Basic challenge (a private repo and
a missing one alike). Lock verification answers that no file is locked.
"""

from __future__ import annotations

from typing import Any

from hfgit.server.auth import Caller, can_read, challenged
from hfgit.server.context import Context
from hfgit.server.files import parse_range
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_sha256, is_sha256
from hfgit.server.problems import (
    ApiError,
    bad_request,
    repo_not_found,
    too_large,
    unauthorized,
)
from hfgit.server.pulls import check_upload

LFS_JSON = "application/vnd.git-lfs+json"
DOWNLOAD_TTL = 3600
NOT_FOUND = {"code": 404, "message": "Object does not exist"}


def batch(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    try:
        return _batch(ctx, request, kind, ns, name)
    except ApiError as error:
        raise _for_git_lfs(request, error) from None


def locks(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rest: list[str]
) -> Response:
    """The locking API, reduced to "nothing is locked": `git lfs push` verifies locks first."""
    try:
        if rest == ["verify"] and request.method == "POST":
            ctx.repo(request, kind, ns, name, write=True)
            answer: dict[str, Any] = {"ours": [], "theirs": []}
        elif not rest and request.method == "GET":
            ctx.repo(request, kind, ns, name)
            answer = {"locks": []}
        else:
            raise ApiError(501, "File locking is not supported")
    except ApiError as error:
        raise _for_git_lfs(request, error) from None
    return json_response(answer, content_type=LFS_JSON)


def _for_git_lfs(request: Request, error: ApiError) -> ApiError:
    error = challenged(error, anonymous=not request.headers.get("Authorization"))
    error.body.setdefault("message", error.message)
    return error


def _batch(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    body = request.json_object(ctx.limits.json_bytes)
    operation = body.get("operation")
    if operation not in ("upload", "download"):
        raise bad_request("The LFS 'operation' must be 'upload' or 'download'")
    repo, caller = ctx.repo(request, kind, ns, name, content=operation == "download")
    if operation == "upload":
        check_upload(caller, repo, body.get("ref"))  # writers, and pull request authors
    objects = body.get("objects")
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise bad_request("'objects' must be a list of {oid, size}")
    if operation == "upload":
        copyable = _copyable(ctx, repo, caller, objects)
        answers = [_plan_upload(ctx, request, repo, copyable, item) for item in objects]
    else:
        answers = [_plan_download(ctx, request, repo, item) for item in objects]
    return json_response(
        {"transfer": "basic", "objects": answers, "hash_algo": "sha256"}, content_type=LFS_JSON
    )


def _checked(ctx: Context, item: dict[str, Any]) -> tuple[str, int] | dict[str, Any]:
    """(oid, size) of a batch item, or the per-object error to answer."""
    oid, size = item.get("oid"), item.get("size")
    if not is_sha256(oid) or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return {
            "oid": str(oid)[:64],
            "size": 0,
            "error": {"code": 422, "message": "Invalid oid or size"},
        }
    assert isinstance(oid, str)
    if size > ctx.limits.lfs_bytes:
        message = f"Object too large (limit: {ctx.limits.lfs_bytes} bytes)"
        return {"oid": oid, "size": size, "error": {"code": 413, "message": message}}
    return oid, size


def _copyable(ctx: Context, repo: HubRepo, caller: Caller, objects: list[Any]) -> set[str]:
    """Oids of the request that a repo the caller can read has committed (no need to send
    them: the commit may reference them, see `commits`)."""
    oids = {o.get("oid") for o in objects if is_sha256(o.get("oid"))}
    wanted = {oid for oid in oids if oid not in repo.objects}
    if not wanted:
        return set()
    return ctx.storage.copyable(wanted, lambda other: can_read(caller, other.owner, other.private))


def _plan_upload(
    ctx: Context, request: Request, repo: HubRepo, copyable: set[str], item: dict[str, Any]
) -> dict[str, Any]:
    checked = _checked(ctx, item)
    if isinstance(checked, dict):
        return checked
    oid, size = checked
    if (oid in repo.objects or oid in copyable) and ctx.storage.has_content(oid, size):
        return {"oid": oid, "size": size}  # usable here: no actions, nothing to send
    # Held by repos the caller cannot read, or by none: the same answer (send the bytes).
    # Once they match the sha256, this repo may use them.
    query = ctx.storage.lfs.sign("upload", repo.key, oid, size)
    check = ctx.storage.lfs.sign("verify", repo.key, oid, size)
    return {
        "oid": oid,
        "size": size,
        "authenticated": True,
        "actions": {
            "upload": {"href": f"{request.base_url}/lfs/upload/{oid}?{query}"},
            "verify": {"href": f"{request.base_url}/lfs/verify?oid={oid}&{check}"},
        },
    }


def _plan_download(
    ctx: Context, request: Request, repo: HubRepo, item: dict[str, Any]
) -> dict[str, Any]:
    checked = _checked(ctx, item)
    if isinstance(checked, dict):
        return checked
    oid, size = checked
    if oid not in repo.objects or not ctx.storage.has_content(oid, size):
        return {"oid": oid, "size": size, "error": NOT_FOUND}
    query = ctx.storage.lfs.sign("download", repo.key, oid, size, ttl=DOWNLOAD_TTL)
    href = f"{request.base_url}/lfs/objects/{oid}?{query}"
    return {
        "oid": oid,
        "size": size,
        "authenticated": True,
        "actions": {"download": {"href": href, "expires_in": DOWNLOAD_TTL}},
    }


def upload(ctx: Context, request: Request, oid: str) -> Response:
    """PUT of raw bytes to a signed URL; the repo may use them once sha256 and size match."""
    check_sha256(oid)
    repo_key, size = ctx.storage.lfs.check_signature("upload", oid, request.param)
    if size > ctx.limits.lfs_bytes:
        raise too_large(ctx.limits.lfs_bytes)
    if request.body.declared is not None and request.body.declared != size:
        raise bad_request(f"Content-Length must be {size}")
    request.body.cap = size
    ctx.storage.receive_upload(repo_key, oid, size, request.body.read)
    return json_response({"success": True})


def download(ctx: Context, request: Request, oid: str) -> Response:
    """GET/HEAD of an object's bytes through a signed URL from a download batch."""
    check_sha256(oid)
    repo_key, size = ctx.storage.lfs.check_signature("download", oid, request.param)
    repo = ctx.storage.open_key(repo_key)
    headers = {
        "Content-Type": "application/octet-stream",
        "ETag": f'"{oid}"',
        "Accept-Ranges": "bytes",
    }
    byte_range = parse_range(request.headers.get("Range"), size)
    start, end = byte_range or (0, size - 1)
    body = None
    if repo is not None and oid in repo.objects:  # an LFS object, or a Xet file rebuilt
        body = ctx.storage.content(oid, size, start, end - start + 1)
    if body is None:
        raise ApiError(404, "Object does not exist")
    if byte_range is None:
        return Response(200, headers, body)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(206, headers, body)


def verify(ctx: Context, request: Request) -> Response:
    """After an upload: 200 if the repo now has the object, else 404. Needs a token that may
    upload to the repo (a writer, or anyone feeding a pull request), or the signed URL of an
    upload batch (git-lfs sends no credentials with it)."""
    if request.param("sig") is not None:
        return _verify_signed(ctx, request)
    if ctx.caller(request).name is None:
        raise unauthorized()
    repo_key = request.param("repo") or ""
    kind_dir, _, repo_id = repo_key.partition("/")
    ns, _, name = repo_id.partition("/")
    if kind_dir not in ("models", "datasets") or not ns or not name:
        raise repo_not_found(repo_id or repo_key)
    repo, caller = ctx.repo(request, kind_dir.removesuffix("s"), ns, name)
    check_upload(caller, repo, None)
    body = request.json_object(ctx.limits.json_bytes)
    oid, size = body.get("oid"), body.get("size")
    if not is_sha256(oid) or not isinstance(size, int) or isinstance(size, bool):
        raise bad_request("Verify needs {oid, size}")
    assert isinstance(oid, str)
    if oid not in repo.objects or not ctx.storage.has_content(oid, size):
        raise ApiError(404, f"Object {oid} of {size} bytes was not uploaded to this repository")
    return json_response({"success": True})


def _verify_signed(ctx: Context, request: Request) -> Response:
    oid = check_sha256(request.param("oid"))
    repo_key, size = ctx.storage.lfs.check_signature("verify", oid, request.param)
    body = request.json_object(ctx.limits.json_bytes)
    if body.get("oid") != oid or body.get("size") != size:
        raise bad_request(f"This URL verifies LFS object {oid} of {size} bytes only")
    repo = ctx.storage.open_key(repo_key)
    if repo is None or oid not in repo.objects or not ctx.storage.has_content(oid, size):
        raise ApiError(404, f"Object {oid} of {size} bytes was not uploaded to this repository")
    return json_response({"success": True})
