"""The typed errors the services raise; windows show their message, the CLI maps exit codes."""

from __future__ import annotations


class AccessDeskError(Exception):
    """Base class. `exit_code` is what the command line returns for it."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AccessDeskError):
    """Unparseable input, or a name matching several objects."""

    exit_code = 2


class Refused(AccessDeskError):
    """A rule of SPEC.md or a missing right said no. `rule` is e.g. 'rule 4' or 'right'."""

    exit_code = 3

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{message} ({rule})" if rule else message)
        self.rule = rule
        self.plain = message


class NotSignedIn(Refused):
    def __init__(self, message: str) -> None:
        super().__init__("", message)


class NotFound(AccessDeskError):
    exit_code = 4


class DatabaseUnusable(AccessDeskError):
    """Needs `init`, is newer than this program, or is not an Access Desk database."""

    exit_code = 4


class Conflict(AccessDeskError):
    """Someone else already decided, a duplicate, a taken name or a stale version."""

    exit_code = 5
