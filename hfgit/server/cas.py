"""Xet uploads: the Hub's token endpoints and the CAS endpoints the tokens open.

`GET /api/{type}s/{id}/xet-write-token/{rev}` (`None?create_pr=1` to open a pull request) and
`xet-read-token/{rev}` answer `{"accessToken", "exp", "casUrl"}`, also as `X-Xet-*` headers,
to whoever may upload LFS objects to the revision (read: read its files). The CAS lives at
`{casUrl} = {hub}/api/cas/{storage instance}`; every call there needs one of those tokens:

- `GET  v1/chunks/{prefix}/{hash}` (global dedupe): 404, the client dedupes on its own;
- `POST v1/xorb-grants/...`: 404, so the client sends the xorb itself;
- `POST v1/xorbs/{prefix}/{hash}`: a xorb, stored once every chunk and its hash check
  (`xetstore`); `{"was_inserted": bool}`;
- `POST v2/shards`: 404, so the client falls back to `POST v1/shards`: a shard, whose files
  are registered for the token's repository once fully verified (`xetshards`); `{"result":
  1}` when something new was registered, else 0.

Downloads are not served here: the hub never advertises Xet for them (`resolve` serves the
bytes). Any other path under `api/cas` is a 404 (never 405: the client reads a 405 as a
failure, a 404 as "not offered").
"""

from __future__ import annotations

import logging

from hfgit.server.context import Context
from hfgit.server.messages import Request, Response, StreamBroken, json_response
from hfgit.server.problems import ApiError, forbidden, unavailable
from hfgit.server.pulls import check_upload
from hfgit.server.shardformat import parse_shard
from hfgit.server.xethash import XetFormatError
from hfgit.server.xettokens import Grant
from hfgit.server.xorbformat import MAX_XORB_BODY

MAX_SHARD_BYTES = 64 * 1024 * 1024
log = logging.getLogger("hfgit.server")


def token_endpoint(
    ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str, write: bool
) -> Response:
    """A Xet token for one repository (write: to upload for `rev`; read: its files)."""
    if write:
        repo, caller = ctx.repo(request, kind, ns, name)
        ref = None if request.flag("create_pr") else repo.branch_ref(rev) or rev
        check_upload(caller, repo, {"name": ref})  # who may upload LFS objects there
    else:
        repo, _ = ctx.repo(request, kind, ns, name, content=True)
    storage = ctx.storage
    token, expires = storage.xet_tokens.issue(repo.key, "write" if write else "read")
    cas_url = f"{request.base_url}/api/cas/{storage.xet.instance}"
    headers = {
        "X-Xet-Access-Token": token,
        "X-Xet-Token-Expiration": str(expires),
        "X-Xet-Cas-Url": cas_url,
        "Cache-Control": "no-store",
    }
    body = {"accessToken": token, "exp": expires, "casUrl": cas_url}
    return json_response(body, headers=headers)


def handle(ctx: Context, request: Request, segs: list[str]) -> Response:
    """A CAS call: `segs` is the path after `api/cas`. Whatever fails unexpectedly is
    answered in the Hub's error shape as a 503 the client retries, never a bare 500."""
    try:
        return _handle(ctx, request, segs)
    except (ApiError, StreamBroken):
        raise
    except XetFormatError as e:
        raise ApiError(400, f"Invalid Xet data: {e}") from None
    except Exception:  # a disk error, or a bug: logged, and the client's retry may succeed
        log.exception("CAS %s %s failed", request.method, request.path)
        raise unavailable("The Xet storage could not complete this request; retry") from None


def _handle(ctx: Context, request: Request, segs: list[str]) -> Response:
    if not segs or segs[0] != ctx.storage.xet.instance:
        raise _not_found(request)
    grant = ctx.storage.xet_tokens.check(request.headers.get("Authorization"))
    route, method = segs[1:], request.method
    if method == "POST" and route[:2] == ["v1", "xorbs"] and len(route) == 4:
        _check_write(grant)
        request.body.cap = MAX_XORB_BODY
        inserted = ctx.storage.xet.receive_xorb(route[3], request.body.read)
        return json_response({"was_inserted": inserted})
    if method == "POST" and route == ["v1", "shards"]:
        _check_write(grant)
        request.body.cap = MAX_SHARD_BYTES
        return json_response({"result": _receive_shard(ctx, request, grant)})
    raise _not_found(request)  # dedupe queries, xorb grants, v2 shards, telemetry, the rest


def _receive_shard(ctx: Context, request: Request, grant: Grant) -> int:
    storage = ctx.storage
    with storage.xet.spooled(request.body.read, MAX_SHARD_BYTES, "shard") as (_, view):
        try:
            shard = parse_shard(view)
        except XetFormatError as e:
            raise ApiError(400, f"Invalid shard: {e}") from None
    return 1 if storage.register_shard(grant.repo_key, shard, ctx.limits.lfs_bytes) else 0


def _check_write(grant: Grant) -> None:
    if grant.mode != "write":
        raise forbidden("This Xet token is for reading; ask for a write token to upload")


def _not_found(request: Request) -> ApiError:
    return ApiError(404, f"Not found: {request.method} {request.path}")
