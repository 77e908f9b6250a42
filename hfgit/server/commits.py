"""Preupload and the NDJSON commit endpoint.

A commit body is read line by line from the socket (`commitbody`); blobs go into the object
database as they arrive, then, under the repo lock, the parent is checked, the LFS objects
the commit names are authorised for this repo, the new tree and commit are written, and only
then is the branch ref moved.

Who may commit where (a branch, a pull request's `refs/pr/N`, or `?create_pr=1` to open one,
which needs read access only) is decided by `pulls`; a pull request's commits are recorded as
its events. A README.md added at the root has its metadata checked first (`cardmeta`):
errors refuse the commit with the Hub's 400, warnings come back in an `X-HF-Warning` header,
which the client logs. The preupload answers `shouldIgnore` from the root `.gitignore` (the
one sent along with the files, else the revision's).

LFS objects: a commit may reference an object uploaded to this repo, or one that a commit of
another repo the committer can read references (whoever can read a file can copy it; the Hub
allows the same). Any other oid is refused when it arrives as an `lfsFile` line (422, the
same answer whether or not some other repo holds it, so existence is never revealed). When it
arrives as the text of a regular file, that text is stored and served as it is: a file may
well be a pointer in its own right, and it never resolves to anybody's bytes.
"""

from __future__ import annotations

import pygit2

from hfgit.server import pulls, trees
from hfgit.server.auth import Caller, can_read
from hfgit.server.cardmeta import INVALID, check_card
from hfgit.server.commitbody import CommitRequest, LfsRef, b64decode, read_commit
from hfgit.server.context import Context, repo_url, resolve
from hfgit.server.discussionstore import Discussion, Discussions
from hfgit.server.gitattributes import NO_RULES, lfs_rules, upload_mode
from hfgit.server.gitignore import GitIgnore, parse
from hfgit.server.hubrepo import HubRepo, signature
from hfgit.server.lfs import format_pointer
from hfgit.server.messages import Request, Response, json_response
from hfgit.server.naming import check_file_path
from hfgit.server.problems import STALE_PARENT, ApiError, bad_request, revision_not_found, too_large
from hfgit.server.repoobjects import COMMITTED
from hfgit.server.treeedit import TreeEditor

README = "README.md"


def preupload(ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    pulls.check_commit(caller, repo, repo.branch_ref(rev) or rev, request.flag("create_pr"))
    commit = resolve(repo, rev)
    body = request.json_object(ctx.limits.json_bytes)
    files = body.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise bad_request("'files' must be a list of objects")
    ignore = _gitignore(commit, body.get("gitIgnore"))
    attributes = trees.lookup(commit.tree, ".gitattributes")
    rules = (
        lfs_rules(attributes.data.decode("utf-8", "replace"))
        if isinstance(attributes, pygit2.Blob)
        else NO_RULES
    )
    answers = []
    for item in files:
        path = check_file_path(item.get("path"))
        size = item.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise bad_request(f"'size' of {path} must be a non-negative integer")
        mode = upload_mode(rules, path, size, b64decode(item.get("sample", ""), path))
        oid = _current_oid(repo, commit.tree, path, mode)
        answers.append(
            {"path": path, "uploadMode": mode, "shouldIgnore": ignore.ignores(path), "oid": oid}
        )
    return json_response({"files": answers, "commitOid": str(commit.id)})


def _gitignore(commit: pygit2.Commit, sent: object) -> GitIgnore:
    """The rules of the `.gitignore` sent with the files, else of the one at the revision."""
    if sent is not None:
        if not isinstance(sent, str):
            raise bad_request("'gitIgnore' must be the text of a .gitignore")
        return parse(sent)
    blob = trees.lookup(commit.tree, ".gitignore")
    if not isinstance(blob, pygit2.Blob):
        return parse("")
    return parse(blob.data.decode("utf-8", "replace"))


def _current_oid(repo: HubRepo, tree: pygit2.Tree, path: str, mode: str) -> str | None:
    """What the client compares its file to: git blob sha1 (regular) or sha256 (lfs)."""
    blob = trees.lookup(tree, path)
    if not isinstance(blob, pygit2.Blob):
        return None
    pointer = trees.pointer_of(blob, repo.objects)
    if mode == "lfs":
        return pointer[0] if pointer else None
    return None if pointer else str(blob.id)


def commit(ctx: Context, request: Request, kind: str, ns: str, name: str, rev: str) -> Response:
    repo, caller = ctx.repo(request, kind, ns, name)
    create_pr = request.flag("create_pr")
    base_ref = repo.branch_ref(rev)
    if base_ref is None or (create_pr and not base_ref.startswith("refs/heads/")):
        raise revision_not_found(rev)
    pulls.check_commit(caller, repo, base_ref, create_pr)
    cap = ctx.limits.commit_bytes
    if (request.body.declared or 0) > cap:
        raise too_large(cap)
    request.body.cap = cap
    wanted = read_commit(request, repo.git, ctx.limits.commit_line_bytes)
    warnings = _check_readme(ctx, repo, wanted)
    author = caller.name or repo.owner
    with repo.lock():
        head = repo.ref_target(base_ref)
        if head is None:
            raise revision_not_found(rev)
        store = Discussions(repo).load()
        pr: Discussion | None
        if create_pr:
            start = _pr_start(repo, wanted.parent, head)
            pr = store.open(author, wanted.summary, wanted.description, True, base_ref)
            pr["status"] = "open"
            target_ref = f"refs/pr/{pr['num']}"
        else:
            if wanted.parent and not head.startswith(wanted.parent.lower()):
                raise ApiError(412, STALE_PARENT)
            start, target_ref = head, base_ref
            pr = store.pull_request(base_ref)
            pulls.check_open_for_commits(pr)
        parent = repo.git[start]
        usable = _usable_objects(ctx, repo, caller, wanted)
        with ctx.storage.collector_guard():
            sizes = _claim(ctx, usable)  # from here the collector spares them (see collector)
        editor = TreeEditor(repo.git, parent.tree)
        for op, path, payload in wanted.ops:
            if isinstance(payload, LfsRef):
                op, payload = "add", repo.git.create_blob(_pointer(payload, sizes))
            editor.apply(op, path, payload)  # type: ignore[arg-type]
        _check_pointer_sizes(wanted, sizes)
        sig = signature(author)
        new = repo.git.create_commit(None, sig, sig, wanted.message, editor.write(), [parent.id])
        with ctx.storage.collector_guard():
            repo.objects.add(sorted(sizes), COMMITTED)  # before the ref names the commit
        if pr is not None:  # recorded first: a pull request that cannot take it stays as it was
            store.event(pr, author, "commit", {"subject": wanted.summary, "oid": str(new)})
            store.save()
        repo.git.references.create(target_ref, new, force=True)
    url = repo_url(request, repo)
    return json_response(
        {
            "success": True,
            "commitOid": str(new),
            "commitUrl": f"{url}/commit/{new}",
            "commitMessage": wanted.message,
            "hookOutput": "",
            "pullRequestUrl": f"{url}/discussions/{pr['num']}" if create_pr and pr else None,
        },
        headers=_warning_headers(warnings),
    )


def _pr_start(repo: HubRepo, parent: str | None, head: str) -> str:
    """Where a new pull request branches off: `parentCommit` if given, else the base's head."""
    if not parent:
        return head
    found = repo.resolve(parent)
    if found is None:
        raise revision_not_found(parent)
    return str(found.id)


def _check_readme(ctx: Context, repo: HubRepo, wanted: CommitRequest) -> list[str]:
    """Refuse a README.md with invalid metadata (400); the warnings about a valid one."""
    added = [payload for op, path, payload in wanted.ops if path == README and op == "add"]
    if not added or not isinstance(added[-1], pygit2.Oid):
        return []
    blob = repo.git.get(added[-1])
    if not isinstance(blob, pygit2.Blob):
        return []
    found = check_card(blob.data.decode("utf-8", "replace"), repo.kind, ctx.limits.yaml_bytes)
    if found.errors:
        errors = [{"message": message} for message in found.errors]
        raise ApiError(400, INVALID, body={"errors": errors})
    return found.warnings


def _warning_headers(warnings: list[str]) -> dict[str, str]:
    if not warnings:
        return {}
    text = "; ".join(warnings)
    safe = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)[:500]
    return {"X-HF-Warning": f"metadata; Warnings while validating metadata in README.md: {safe}"}


def _usable_objects(ctx: Context, repo: HubRepo, caller: Caller, wanted: CommitRequest) -> set[str]:
    """The oids the commit names that this repo may use (refusing unusable `lfsFile` lines)."""
    lfs = {payload.oid for op, _, payload in wanted.ops if isinstance(payload, LfsRef)}
    named = lfs | {oid for oid, _ in wanted.pointer_texts.values()}
    usable = {oid for oid in named if oid in repo.objects}
    if named - usable:

        def readable(other: HubRepo) -> bool:
            return can_read(caller, other.owner, other.private)

        usable |= ctx.storage.copyable(named - usable, readable)
    refused = sorted(lfs - usable)
    if refused:
        raise _not_uploaded(refused[0])
    return usable


def _claim(ctx: Context, usable: set[str]) -> dict[str, int]:
    """Sizes of the usable objects still in the store, each touched so that the collector
    spares it (for its grace period) until this commit's index markers exist (call under the
    collector guard)."""
    sizes = {}
    for oid in sorted(usable):
        size = ctx.storage.claim(oid)  # an LFS object, or a file uploaded over Xet
        if size is not None:
            sizes[oid] = size
    return sizes


def _pointer(ref: LfsRef, sizes: dict[str, int]) -> bytes:
    stored = sizes.get(ref.oid)
    if stored is None:
        raise _not_uploaded(ref.oid)
    if ref.size is not None and ref.size != stored:
        raise ApiError(422, f"LFS object {ref.oid} has {stored} bytes, not {ref.size}")
    return format_pointer(ref.oid, stored)


def _check_pointer_sizes(wanted: CommitRequest, sizes: dict[str, int]) -> None:
    """A pointer text naming a usable object must also name its size (else it would be an
    LFS file whose download cannot match)."""
    for path, (oid, size) in wanted.pointer_texts.items():
        if oid in sizes and sizes[oid] != size:
            raise ApiError(
                422, f"{path} points at LFS object {oid} of {sizes[oid]} bytes, not {size}"
            )


def _not_uploaded(oid: str) -> ApiError:
    return ApiError(
        422, f"LFS object {oid} was not uploaded to this repository; upload it before committing"
    )
