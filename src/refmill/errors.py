"""refmill's exceptions and exit codes.

The core raises these; only cli.py turns them into a message and an exit code.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Exit codes a script can trust (the README's table)."""

    OK = 0
    NO_MATCH = 1  # search found nothing
    ERROR = 2  # usage error, unreadable input, failed write: nothing written
    PARTIAL = 3  # some input skipped; what was skipped is named on stderr


class RefmillError(Exception):
    """Base class: a failure with a message fit for a user."""

    exit_code = ExitCode.ERROR


class InputError(RefmillError):
    """Input that cannot be read: missing, binary, wrongly encoded, too large, malformed."""


class LibraryError(RefmillError):
    """The library cannot be read, locked or written."""


class ExportError(RefmillError):
    """Records cannot be written in the asked format."""


class CrossrefError(RefmillError):
    """Crossref could not be asked or did not answer usefully."""


@dataclass(frozen=True)
class Problem:
    """Something skipped or doubtful in the input: data, not a crash.

    `skipped` is False for input that was read, but not as written (a duplicate key read
    under a new key): worth a note, not a partial result.
    """

    source: str
    line: int | None
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"
