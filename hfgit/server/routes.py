"""URL map of the hub: decoded path segments -> endpoint.

Revisions, branch/tag names and tree paths arrive as single `%2F`-encoded segments; when a
client sends them unencoded, the remaining segments are joined back with `/`.
"""

from __future__ import annotations

from hfgit.server import (
    api,
    cardmeta,
    cas,
    commits,
    discussions,
    files,
    githttp,
    lfsapi,
    misc,
    pages,
    refs,
    settings,
    squash,
)
from hfgit.server.context import Context
from hfgit.server.messages import Request, Response
from hfgit.server.naming import REPO_KINDS
from hfgit.server.problems import ApiError, repo_not_found


def not_found(request: Request) -> ApiError:
    return ApiError(404, f"Not found: {request.method} {request.path}")


class App:
    """The WSGI-less application: `app(request) -> response`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, request: Request) -> Response:
        segs, method = request.segments, request.method
        if segs[:1] == ["api"]:
            return self._api(request, segs[1:], method)
        if segs[:2] == ["lfs", "upload"] and len(segs) == 3 and method == "PUT":
            return lfsapi.upload(self.ctx, request, segs[2])
        if segs == ["lfs", "verify"] and method == "POST":
            return lfsapi.verify(self.ctx, request)
        if segs[:2] == ["lfs", "objects"] and len(segs) == 3 and method in ("GET", "HEAD"):
            return lfsapi.download(self.ctx, request, segs[2])
        if pages.is_site_path(request):
            return pages.site(self.ctx, request)
        kind = "model"
        if segs[:1] == ["datasets"]:
            kind, segs = "dataset", segs[1:]
        return self._repo_files(request, kind, segs, method)

    def _api(self, request: Request, segs: list[str], method: str) -> Response:
        ctx = self.ctx
        if segs[:1] == ["cas"]:
            return cas.handle(ctx, request, segs[1:])
        simple = {
            ("GET", "whoami-v2"): api.whoami,
            ("POST", "repos/create"): api.create_repo,
            ("DELETE", "repos/delete"): api.delete_repo,
            ("POST", "validate-yaml"): cardmeta.validate_yaml,
            ("POST", "repos/move"): settings.move_repo,
            ("GET", "agent-harnesses"): misc.agent_harnesses,
        }
        handler = simple.get((method, "/".join(segs)))
        if handler is not None:
            return handler(ctx, request)
        if not segs or segs[0] not in REPO_KINDS:
            raise not_found(request)
        kind = REPO_KINDS[segs[0]]
        if len(segs) < 3:
            raise repo_not_found("/".join(segs[1:]))
        ns, name, action, rest = segs[1], segs[2], segs[3:4], segs[4:]
        joined = "/".join(rest)
        if not action and method == "GET":
            return api.repo_info(ctx, request, kind, ns, name, None)
        route = (method, action[0] if action else "", bool(rest))
        if route in (("GET", "xet-write-token", True), ("GET", "xet-read-token", True)):
            write = action == ["xet-write-token"]
            return cas.token_endpoint(ctx, request, kind, ns, name, joined, write)
        if route == ("GET", "revision", True):
            return api.repo_info(ctx, request, kind, ns, name, joined)
        if route == ("GET", "refs", False):
            return refs.list_refs(ctx, request, kind, ns, name)
        if route == ("GET", "commits", True):
            return api.list_commits(ctx, request, kind, ns, name, joined)
        if route == ("GET", "tree", True):
            return files.list_tree(ctx, request, kind, ns, name, rest[0], "/".join(rest[1:]))
        if route == ("POST", "paths-info", True):
            return files.paths_info(ctx, request, kind, ns, name, joined)
        if route == ("POST", "preupload", True):
            return commits.preupload(ctx, request, kind, ns, name, joined)
        if route == ("POST", "commit", True):
            return commits.commit(ctx, request, kind, ns, name, joined)
        if route == ("POST", "tag", True):
            return refs.create_tag(ctx, request, kind, ns, name, joined)
        if route == ("DELETE", "tag", True):
            return refs.delete_ref(ctx, request, kind, ns, name, joined, "tags")
        if route == ("POST", "branch", True):
            return refs.create_branch(ctx, request, kind, ns, name, joined)
        if route == ("DELETE", "branch", True):
            return refs.delete_ref(ctx, request, kind, ns, name, joined, "heads")
        if action == ["discussions"]:
            return discussions.handle(ctx, request, kind, ns, name, rest)
        if route == ("PUT", "settings", False):
            return settings.update_settings(ctx, request, kind, ns, name)
        if method == "GET" and action == ["auth-check"]:
            return settings.auth_check(ctx, request, kind, ns, name, rest)
        if route == ("POST", "super-squash", True):
            return squash.super_squash(ctx, request, kind, ns, name, joined)
        if method == "POST" and action == ["user-access-request"] and rest == ["grant"]:
            return settings.grant_access(ctx, request, kind, ns, name)
        ctx.repo(request, kind, ns, name)  # no such repo (`gpt2/...`: a legacy id): RepoNotFound
        raise not_found(request)

    def _repo_files(self, request: Request, kind: str, segs: list[str], method: str) -> Response:
        if len(segs) >= 5 and segs[2] == "resolve" and method in ("GET", "HEAD"):
            ns, name, rev, path = segs[0], segs[1], segs[3], "/".join(segs[4:])
            return files.resolve_file(self.ctx, request, kind, ns, name, rev, path)
        lfs_batch = ["info", "lfs", "objects", "batch"]
        if (
            len(segs) == 6
            and segs[1].endswith(".git")
            and segs[2:] == lfs_batch
            and method == "POST"
        ):
            return lfsapi.batch(self.ctx, request, kind, segs[0], segs[1].removesuffix(".git"))
        if len(segs) >= 3 and githttp.is_git_path(segs[2:]):
            return githttp.serve(self.ctx, request, kind, segs[0], segs[1], segs[2:])
        if len(segs) >= 5 and segs[1].endswith(".git") and segs[2:5] == ["info", "lfs", "locks"]:
            name = segs[1].removesuffix(".git")
            return lfsapi.locks(self.ctx, request, kind, segs[0], name, segs[5:])
        if len(segs) >= 3 and (segs[1] == "resolve" or segs[0].endswith(".git")):
            raise repo_not_found(segs[0].removesuffix(".git"))  # a legacy id (`gpt2/resolve/...`)
        page = pages.repo_page(self.ctx, request, kind, segs)
        if page is not None:
            return page
        raise not_found(request)
