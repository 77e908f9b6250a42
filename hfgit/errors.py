"""The one exception root. Every message says what failed and what to do next."""

from __future__ import annotations


class HfgitError(Exception):
    """An expected failure: reported as one line, exit code 1."""

    exit_code = 1


class UsageError(HfgitError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


class NotAGitRepoError(HfgitError):
    pass


class ConfigError(HfgitError):
    pass


class VersionTagError(HfgitError):
    """A tag is missing, or is not a version tag under the configured format."""


class ModelFolderError(HfgitError):
    pass


class HubError(HfgitError):
    """The Hub answered with an error, or could not be reached."""


class AuthError(HubError):
    pass


class HubUnreachableError(HubError):
    pass


class NotCachedError(HubUnreachableError):
    """The Hub is out of reach (or offline mode is on) and the cache cannot stand in for it:
    `partial` when the cached copy is known to lack some of the version's files."""

    def __init__(self, message: str, partial: bool = False) -> None:
        super().__init__(message)
        self.partial = partial


class TagConflictError(HubError):
    """A Hub tag exists with the same name but a different git commit."""


class ProvenanceError(HfgitError):
    """Recorded metadata does not match the git commit it claims to come from."""


class ContentChangedError(ProvenanceError):
    """A version's files changed since it was made (recorded or tagged): publishing it would
    put other files under its name."""


class VersionsFailedError(HfgitError):
    """Some versions of a push were not published (each for its own reason); the rest were."""


class GateError(HfgitError):
    """A publish gate (metric threshold, no-regression rule) refused the version."""


class ServerError(HfgitError):
    pass


class StaleParentError(HubError):
    """The Hub branch moved while a version was being published (parentCommit mismatch)."""
