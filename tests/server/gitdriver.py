"""Real `git` (and `git-lfs`) against the embedded hub: one isolated home per test, a credential
helper per user, plumbing to craft the objects a normal git would refuse to make."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

TIMEOUT = 120  # seconds for any one git command: a hung transfer fails the test, never hangs it
GIT_LFS = shutil.which("git-lfs")
NO_GIT_LFS = "git-lfs is not installed (CI installs it: apt-get install git-lfs)"


class Git:
    """`git` with its own HOME and global config, never prompting."""

    def __init__(self, home: Path, hub_url: str) -> None:
        self.home = home
        self.hub_url = hub_url
        home.mkdir(parents=True, exist_ok=True)
        config = home / ".gitconfig"
        config.write_text(
            "[user]\n\tname = Test Pusher\n\temail = pusher@example.com\n"
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SSH_"))},
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
        }

    def run(
        self, *args: str, cwd: Path | None = None, check: bool = True, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.home,
            env=self.env,
            input=input,
            capture_output=True,
            timeout=TIMEOUT,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"git {' '.join(args)} failed ({done.returncode}):\n{done.stderr.decode()}"
            )
        return done

    def __call__(self, *args: str, cwd: Path | None = None) -> str:
        return self.run(*args, cwd=cwd).stdout.decode().strip()

    def fails(self, *args: str, cwd: Path | None = None) -> str:
        """Run a command that must fail; its stderr."""
        done = self.run(*args, cwd=cwd, check=False)
        assert done.returncode != 0, f"git {' '.join(args)} succeeded"
        return done.stderr.decode()

    def install_lfs(self) -> None:
        self("lfs", "install", "--skip-repo")

    def login(self, token: str) -> None:
        """Answer git's (and git-lfs') credential requests with `token`, as a helper would."""
        helper = (
            f"!f() {{ test \"$1\" = get && printf 'username=hf\\npassword=%s\\n' {token}; }}; f"
        )
        self("config", "--global", "credential.helper", helper)

    def url(self, repo_path: str, token: str | None = None) -> str:
        """The clone URL of `repo_path` (`alice/demo`, `datasets/alice/data.git`), with a
        token in it if given."""
        if token is None:
            return f"{self.hub_url}/{repo_path}"
        parts = urlsplit(self.hub_url)
        return f"{parts.scheme}://hf:{token}@{parts.netloc}/{repo_path}"


def basic(token: str, user: str = "anyone") -> dict[str, str]:
    """The Authorization header git sends: the token as the password of HTTP Basic."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


# --- objects a normal git refuses to make ------------------------------------------------


def write_object(git: Git, repo: Path, kind: str, data: bytes) -> str:
    done = git.run("hash-object", "-w", "--literally", "-t", kind, "--stdin", cwd=repo, input=data)
    return done.stdout.decode().strip()


def raw_tree(git: Git, repo: Path, entries: dict[bytes, tuple[str, str]]) -> str:
    """A tree object of `name -> (mode, object id)`, exactly as given (sorted as git sorts)."""

    def key(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == "40000" else name

    body = b"".join(
        entries[name][0].encode() + b" " + name + b"\0" + bytes.fromhex(entries[name][1])
        for name in sorted(entries, key=key)
    )
    return write_object(git, repo, "tree", body)


def commit_with_path(git: Git, repo: Path, path: list[bytes], content: bytes) -> str:
    """A commit on top of HEAD whose tree adds one file at `path` (components as bytes),
    whatever git would say about that path."""
    node = write_object(git, repo, "blob", content)
    mode = "100644"
    for name in reversed(path[1:]):
        node, mode = raw_tree(git, repo, {name: (mode, node)}), "40000"
    head_tree = git("rev-parse", "HEAD^{tree}", cwd=repo)
    entries = {}
    for line in git.run("ls-tree", "-z", head_tree, cwd=repo).stdout.split(b"\0"):
        if line:
            meta, name = line.split(b"\t", 1)
            entry_mode, _, oid = meta.decode().split()
            entries[name] = (entry_mode.lstrip("0") or "0", oid)
    entries[path[0]] = (mode, node)
    tree = raw_tree(git, repo, entries)
    return git("commit-tree", tree, "-p", "HEAD", "-m", "odd path", cwd=repo)
