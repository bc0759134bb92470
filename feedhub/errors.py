"""The one exception root, and the few kinds a user can meet.

Every error that reaches a user is one line: what went wrong, where, and what
to do (``str(error)``). The CLI prints it and exits non-zero; the update
pipeline stores it on the failing source and carries on with the others.
"""

from __future__ import annotations


def one_line(value: object) -> str:
    """An exception (or any value) as one line of text, for messages."""
    return " ".join(str(value).split()) or type(value).__name__


class FeedhubError(Exception):
    """Root of every error feedhub raises on purpose."""


class ConfigError(FeedhubError):
    """The config file is missing, unreadable or invalid.

    ``problems`` holds every problem found, each naming the file, the key path
    and the bad value, so that one run reports all of them at once.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the config" if len(self.problems) > 1 else "invalid config"
        super().__init__(head + ":\n  " + "\n  ".join(self.problems))


class SourceError(FeedhubError):
    """A source could not be refreshed this time; stored on the source."""


class FetchError(SourceError):
    """The source could not be retrieved (network, HTTP status, size, time)."""

    def __init__(self, message: str, *, status: int | None = None, headers: tuple[tuple[str, str], ...] = ()):
        self.status = status
        # The response headers that steer the next poll (Retry-After on 429/503).
        self.headers = headers
        super().__init__(message)


class ParseError(SourceError):
    """The source answered, but not with a feed feedhub can read."""


class MergeError(SourceError):
    """The source's entries were parsed but could not be merged and stored
    (an unexpected error, rolled back); stored on the source."""


class StorageError(FeedhubError):
    """The store cannot be opened, migrated or written."""


class PublishError(FeedhubError):
    """An output file could not be written; the previous one is left intact."""


class OutputOwnedError(PublishError):
    """The output folder holds another site's output (publish/owner.py)."""
