"""`POST /api/{type}s/{id}/super-squash/{branch}`: a branch's history becomes one commit.

The new commit has the branch head's tree, the message sent, and no parent. LFS objects that
only the dropped commits referenced leave the repo's index (`repoobjects`), so that the
collector removes them once no other repo indexes them; objects still referenced by any ref
(other branches, tags, pull requests) stay, and so do objects uploaded but not committed yet
(a commit in flight may be about to use them).
"""

from __future__ import annotations

from hfgit.server.context import Context
from hfgit.server.hubrepo import signature
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.problems import bad_request, revision_not_found
from hfgit.server.repoobjects import pointer_oids


def super_squash(
    ctx: Context, request: Request, kind: str, ns: str, name: str, branch: str
) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name, write=True)
    message = request.json_object(ctx.limits.json_bytes).get("message")
    if message is None:
        message = f"Super-squash branch '{branch}'"
    if not isinstance(message, str) or not message.strip():
        raise bad_request("'message' must be a non-empty string")
    ref_name = f"refs/heads/{branch}"
    with repo.lock():
        if ref_name not in repo.git.references or repo.resolve(ref_name) is None:
            if repo.resolve(branch) is not None:
                raise bad_request(f"Invalid reference for a branch: {branch}")
            raise revision_not_found(branch)
        head = repo.resolve(ref_name)
        assert head is not None
        before = set(pointer_oids(repo.git))
        sig = signature(caller.name or repo.owner)
        new = repo.git.create_commit(None, sig, sig, message.strip(), head.tree_id, [])
        repo.git.references.create(ref_name, new, force=True)
        dropped = before - set(pointer_oids(repo.git))
        repo.objects.forget(sorted(dropped))
    return json_response({"success": True, "commitOid": str(new)})
