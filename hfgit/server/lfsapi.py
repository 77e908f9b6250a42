"""LFS endpoints: the batch API (basic transfer only), signed PUT uploads, and verify."""

from __future__ import annotations

from typing import Any

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_sha256, is_sha256
from hfgit.server.problems import ApiError, bad_request, too_large

LFS_JSON = "application/vnd.git-lfs+json"


def batch(ctx: Context, request: Request, kind: str, ns: str, name: str) -> Response:
    ctx.repo(request, kind, ns, name, write=True)
    body = request.json_object(ctx.limits.json_bytes)
    if body.get("operation") != "upload":
        raise bad_request(
            "Only the 'upload' LFS operation is supported; download files with /resolve"
        )
    objects = body.get("objects")
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise bad_request("'objects' must be a list of {oid, size}")
    answers = [_plan_upload(ctx, request, item) for item in objects]
    return json_response(
        {"transfer": "basic", "objects": answers, "hash_algo": "sha256"}, content_type=LFS_JSON
    )


def _plan_upload(ctx: Context, request: Request, item: dict[str, Any]) -> dict[str, Any]:
    oid, size = item.get("oid"), item.get("size")
    if not is_sha256(oid) or not isinstance(size, int) or size < 0:
        return {
            "oid": str(oid),
            "size": 0,
            "error": {"code": 422, "message": "Invalid oid or size"},
        }
    assert isinstance(oid, str)
    if size > ctx.limits.lfs_bytes:
        message = f"Object too large (limit: {ctx.limits.lfs_bytes} bytes)"
        return {"oid": oid, "size": size, "error": {"code": 413, "message": message}}
    if ctx.storage.lfs.has(oid, size):
        return {"oid": oid, "size": size}  # already stored: no actions, nothing to send
    query = ctx.storage.lfs.sign(oid, size)
    return {
        "oid": oid,
        "size": size,
        "authenticated": True,
        "actions": {
            "upload": {"href": f"{request.base_url}/lfs/upload/{oid}?{query}"},
            "verify": {"href": f"{request.base_url}/lfs/verify"},
        },
    }


def upload(ctx: Context, request: Request, oid: str) -> Response:
    """PUT of raw bytes to a signed URL; stored only if sha256 and size match."""
    check_sha256(oid)
    size = ctx.storage.lfs.check_signature(
        oid,
        request.param("size", "") or "",
        request.param("expires", "") or "",
        request.param("sig", "") or "",
    )
    if size > ctx.limits.lfs_bytes:
        raise too_large(ctx.limits.lfs_bytes)
    if request.body.declared is not None and request.body.declared != size:
        raise bad_request(f"Content-Length must be {size}")
    request.body.cap = size
    ctx.storage.lfs.put(oid, size, request.body.read)
    return json_response({"success": True})


def verify(ctx: Context, request: Request) -> Response:
    body = request.json_object(ctx.limits.json_bytes)
    oid, size = body.get("oid"), body.get("size")
    if not is_sha256(oid) or not isinstance(size, int):
        raise bad_request("Verify needs {oid, size}")
    assert isinstance(oid, str)
    if not ctx.storage.lfs.has(oid, size):
        raise ApiError(404, f"Object {oid} of {size} bytes was not uploaded")
    return json_response({"success": True})
