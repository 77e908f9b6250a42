"""git over HTTP, as on the Hub: `git clone / fetch / pull / push http://host/{ns}/{name}`
(and `/datasets/{ns}/{name}`, with or without `.git`).

The protocol is git's own: every request runs `git http-backend` as a CGI program (`cgi.py`)
on the repo's bare repository, with the hub's settings on its command line and nothing of
the server's environment. What the hub adds is who may do what, as on the Hub:

- a token is the password of HTTP Basic (any user name), or a Bearer token;
- reading a private repo needs its owner's token, pushing needs write access to its namespace;
- an anonymous request for a repo that does not exist or that it may not see answers 401 with
  a Basic challenge, the same for both, so that git asks its credential helper (or the user)
  and tries again; with a token, a repo the caller cannot see is "not found";
- a push is checked before git moves any ref (`pushes.py`), by the rules of API commits.

Error answers are plain text: git shows such a body to the user as `remote:` lines.
"""

from __future__ import annotations

import os
import re
import shutil

from hfgit.server.auth import challenged
from hfgit.server.cgi import CgiProcess
from hfgit.server.context import Context
from hfgit.server.hubrepo import HubRepo
from hfgit.server.messages import Body, Request, Response
from hfgit.server.problems import ApiError, too_large
from hfgit.server.pushes import PushGuard, hooks_dir

UPLOAD, RECEIVE = "git-upload-pack", "git-receive-pack"
GIT_PATHS = (["info", "refs"], [UPLOAD], [RECEIVE])
MiB = 1024 * 1024
NEGOTIATION_BYTES = 64 * MiB  # the body of a fetch: the commits wanted and those held
_GIT_PROTOCOL = re.compile(r"[A-Za-z0-9=:.,_-]{1,256}")


def is_git_path(action: list[str]) -> bool:
    """`info/refs`, `git-upload-pack` or `git-receive-pack` after a repo's path."""
    return action in GIT_PATHS


def serve(
    ctx: Context, request: Request, kind: str, ns: str, name: str, action: list[str]
) -> Response:
    try:
        return _serve(ctx, request, kind, ns, name.removesuffix(".git"), action)
    except ApiError as error:
        return _refusal(request, error)


def _serve(
    ctx: Context, request: Request, kind: str, ns: str, name: str, action: list[str]
) -> Response:
    service = _service(request, action)
    writes = service == RECEIVE
    repo, caller = ctx.repo(request, kind, ns, name, write=writes, content=True)
    if service is None:
        raise ApiError(403, "Only git's smart HTTP protocol is served; use git 1.6.6 or later")
    git = shutil.which("git")
    if git is None:
        raise ApiError(501, "git is not installed where the hub runs")
    body = _body(ctx, request, writes) if request.method == "POST" else None
    env = _environment(request, repo, action, service, caller.name or "")
    argv = [git, *_settings(ctx, repo, writes), "http-backend"]
    deadline = ctx.limits.git_seconds
    guard = PushGuard(ctx, repo, caller, deadline) if writes and body is not None else None
    try:
        process = CgiProcess(
            argv,
            {**env, **(guard.env if guard else {})},
            body,
            deadline=deadline,
            cwd=repo.path,
            pass_fds=guard.child_fds if guard else (),
            on_exit=guard.finish if guard else None,
        )
    except BaseException:
        if guard is not None:
            guard.finish()
        raise
    if guard is not None:
        guard.start()
    status, headers = process.head()
    return Response(status, headers, process)


def _service(request: Request, action: list[str]) -> str | None:
    """The service asked for; None for git's old "dumb" protocol (refused once the caller
    may see the repo)."""
    if action == ["info", "refs"]:
        if request.method != "GET":
            raise ApiError(405, "info/refs is read with GET")
        wanted = request.param("service")
        return wanted if wanted in (UPLOAD, RECEIVE) else None
    if request.method != "POST":
        raise ApiError(405, f"{action[0]} takes POST requests")
    return action[0]


def _body(ctx: Context, request: Request, writes: bool) -> Body:
    """The request body under its cap: a pack pushed may be as large as an LFS object, what
    a fetch sends is small."""
    cap = ctx.limits.lfs_bytes if writes else NEGOTIATION_BYTES
    if (request.body.declared or 0) > cap:
        raise too_large(cap)
    request.body.cap = cap
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding not in ("", "gzip", "x-gzip"):
        raise ApiError(415, f"Unsupported Content-Encoding {encoding!r}: gzip only")
    return request.body


def _settings(ctx: Context, repo: HubRepo, writes: bool) -> list[str]:
    """git's settings for this request (`-c name=value`), whatever the machine's config."""
    settings = {
        "http.uploadpack": "true",
        "http.receivepack": "true" if writes else "false",
        "http.getanyfile": "false",
        "http.uploadarch": "false",
        "uploadpack.allowFilter": "true",
        "gc.auto": "0",
    }
    if writes:
        settings |= {
            "core.hooksPath": str(hooks_dir(ctx.storage.root)),
            "receive.fsckObjects": "true",
            # below the body cap, so that git refuses a pack too large in words of its own
            "receive.maxInputSize": str(max(MiB, ctx.limits.lfs_bytes - MiB)),
            "receive.autogc": "false",
            "receive.advertisePushOptions": "false",
        }
    return [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]


def _environment(
    request: Request, repo: HubRepo, action: list[str], service: str, user: str
) -> dict[str, str]:
    """The CGI variables, and a git that reads no configuration but the repo's own."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": request.method,
        "GIT_PROJECT_ROOT": str(repo.path),
        "PATH_INFO": "/" + "/".join(action),
        "QUERY_STRING": f"service={service}" if action == ["info", "refs"] else "",
        "REMOTE_USER": user,
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_HTTP_MAX_REQUEST_BUFFER": str(NEGOTIATION_BYTES),
    }
    headers = request.headers
    if request.method == "POST":
        env["CONTENT_TYPE"] = headers.get("Content-Type") or ""
        if request.body.declared is not None:
            env["CONTENT_LENGTH"] = str(request.body.declared)
        encoding = (headers.get("Content-Encoding") or "").strip().lower()
        if encoding:
            env["HTTP_CONTENT_ENCODING"] = encoding
    protocol = (headers.get("Git-Protocol") or "").strip()
    if _GIT_PROTOCOL.fullmatch(protocol):
        env["HTTP_GIT_PROTOCOL"] = protocol
    return env


def _refusal(request: Request, error: ApiError) -> Response:
    """An error as git shows it: plain text, and a Basic challenge where credentials help."""
    anonymous = not request.headers.get("Authorization")
    error = challenged(error, anonymous)
    headers = {**error.headers, "Content-Type": "text/plain; charset=utf-8"}
    if error.code:
        headers["X-Error-Code"] = error.code
    return Response(error.status, headers, f"{error.message}\n".encode())
