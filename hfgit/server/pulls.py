"""Pull requests: who may upload and commit to them, and how one is merged.

A pull request is a discussion whose commits live on `refs/pr/N`, which starts at the head of
its base branch. Merging squashes it as the Hub does: one commit on the base branch, titled
`<PR title> (#N)`, whose tree is the three-way merge of the base branch's head and the
pull request's head (their merge base as ancestor); files both sides changed differently
are conflicts, and a pull request with conflicts is not merged.
"""

from __future__ import annotations

from typing import Any

import pygit2

from hfgit.server.access import can_write, check_participant
from hfgit.server.auth import Caller, check_write
from hfgit.server.discussionstore import Discussion, Discussions
from hfgit.server.hubrepo import HubRepo, signature
from hfgit.server.problems import ApiError, conflict, revision_not_found

DIFF_BYTES = 1024 * 1024


def is_pr_ref(ref: str | None) -> bool:
    return bool(ref) and str(ref).startswith("refs/pr/")


def check_upload(caller: Caller, repo: HubRepo, ref: object) -> None:
    """LFS uploads: writers, and anyone with a token who may open or feed a pull request
    (the client names no ref when it opens one, `refs/pr/N` when it commits to it)."""
    if can_write(caller, repo):
        return
    name = ref.get("name") if isinstance(ref, dict) else None
    if name is None or is_pr_ref(name):
        check_participant(caller)
        return
    check_write(caller, repo.owner)


def check_commit(caller: Caller, repo: HubRepo, ref: str, create_pr: bool) -> None:
    """May `caller` commit to `ref` (or open a pull request on it)? Else 401/403."""
    if create_pr:
        check_participant(caller)
        return
    if can_write(caller, repo):
        return
    if is_pr_ref(ref):
        item = Discussions(repo).load().pull_request(ref)
        if item is not None and caller.name is not None and item.get("author") == caller.name:
            return
    check_write(caller, repo.owner)


def check_open_for_commits(item: Discussion | None) -> None:
    if item is not None and item.get("status") == "merged":
        raise ApiError(400, f"Pull request #{item.get('num')} is merged: open a new one")


def merge(repo: HubRepo, item: Discussion, author: str) -> pygit2.Oid:
    """Squash-merge the pull request into its base branch (call under the repo lock)."""
    base_ref = str(item.get("base") or "refs/heads/main")
    base, head = _heads(repo, item, base_ref)
    tree = merged_tree(repo, base, head)
    if isinstance(tree, list):
        shown = ", ".join(tree[:20]) + (" ..." if len(tree) > 20 else "")
        raise conflict(f"Cannot merge pull request #{item.get('num')}: conflicts in {shown}")
    if tree == base.tree_id:
        raise ApiError(400, f"Pull request #{item.get('num')} has no changes to merge")
    message = f"{item.get('title')} (#{item.get('num')})"
    description = _description(item)
    if description:
        message = f"{message}\n\n{description}"
    sig = signature(author)
    new = repo.git.create_commit(None, sig, sig, message, tree, [base.id])
    repo.git.references.create(base_ref, new, force=True)
    return new


def merged_tree(repo: HubRepo, base: pygit2.Commit, head: pygit2.Commit) -> pygit2.Oid | list[str]:
    """The tree of the base branch with the pull request's changes, or the conflicting paths."""
    ancestor_id = repo.git.merge_base(base.id, head.id)
    ancestor = repo.git[ancestor_id].peel(pygit2.Tree) if ancestor_id else None
    if ancestor is None:  # unrelated histories (a squashed base): the PR's tree as it is
        return head.tree_id
    if ancestor.id == base.tree_id:
        return head.tree_id
    index = repo.git.merge_trees(ancestor, base.tree, head.tree)
    if index.conflicts is not None:
        paths = {
            entry.path for entries in index.conflicts for entry in entries if entry is not None
        }
        return sorted(paths)
    return index.write_tree(repo.git)


def details(repo: HubRepo, item: Discussion, with_diff: bool) -> dict[str, Any]:
    """`changes`, `filesWithConflicts` (and `diff`) of a pull request's details."""
    base_ref = str(item.get("base") or "refs/heads/main")
    changes: dict[str, Any] = {"base": base_ref}
    if item.get("mergeCommitId"):
        changes["mergeCommitId"] = item["mergeCommitId"]
    answer: dict[str, Any] = {"changes": changes, "filesWithConflicts": []}
    try:
        base, head = _heads(repo, item, base_ref)
    except ApiError:  # base branch or PR ref deleted: nothing left to compare
        return answer
    if item.get("status") not in ("merged", "closed"):
        tree = merged_tree(repo, base, head)
        answer["filesWithConflicts"] = tree if isinstance(tree, list) else []
    if with_diff:
        answer["diff"] = _diff(repo, base, head)
    return answer


def _heads(repo: HubRepo, item: Discussion, base_ref: str) -> tuple[pygit2.Commit, pygit2.Commit]:
    pr_ref = f"refs/pr/{item.get('num')}"
    base, head = repo.resolve(base_ref), repo.resolve(pr_ref)
    if base is None:
        raise revision_not_found(base_ref)
    if head is None:
        raise revision_not_found(pr_ref)
    return base, head


def _diff(repo: HubRepo, base: pygit2.Commit, head: pygit2.Commit) -> str:
    """The pull request's changes as a git diff from its merge base, cut at `DIFF_BYTES`."""
    ancestor_id = repo.git.merge_base(base.id, head.id)
    old = repo.git[ancestor_id].peel(pygit2.Tree) if ancestor_id else None
    diff = old.diff_to_tree(head.tree) if old is not None else head.tree.diff_to_tree(swap=True)
    parts, size = [], 0
    for patch in diff:
        data = patch.data if patch is not None else b""
        if size + len(data) > DIFF_BYTES:
            parts.append(b"\n[diff cut: larger than 1 MiB]\n")
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts).decode("utf-8", "replace")


def _description(item: Discussion) -> str:
    events = item.get("events") or []
    first = events[0] if events else {}
    if first.get("type") != "comment":
        return ""
    return str((first.get("data") or {}).get("raw", "")).strip()
