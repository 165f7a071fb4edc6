"""The typed errors the services raise; windows show their message, the CLI maps exit codes."""

from __future__ import annotations

import re


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


class TooLarge(UsageError):
    """An upload (or what it unpacks to) over the server's size cap: the message names the cap
    and the setting that raises it."""


class Refused(AccessDeskError):
    """A rule of SPEC.md or a missing right said no. `rule` is e.g. 'rule 4' or 'right'."""

    exit_code = 3

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{message} ({rule})" if rule else message)
        self.rule = rule
        self.plain = message


# "(rule 7)", "(rules 1-2)", "(rights table)": where the command line names what said no.
_RULE_TAG = re.compile(
    r"\s*\((?:rules? \d+(?:\s*(?:-|–|,|and)\s*\d+)*|rights table|sign-in|audit)\)")
# A message starting with a plain word ("nobody", "self-service") gets its capital; one
# starting with a name ("megan@…", "sg-sales") keeps the name as it is spelled.
_LOWER_WORD = re.compile(r"(?:self-)?[a-z]+(?=[\s,;:]|$)")


def for_people(error: BaseException | str | None) -> str:
    """What a window says for a service's error or reason: a sentence with a capital letter and
    a full stop, without the rule's number (the command line, the log and the audit record keep
    it). A message that starts with a name (an address, "sg-finance") keeps the name as is."""
    if error is None:
        return ""
    if isinstance(error, Refused):
        text = error.plain
    elif isinstance(error, AccessDeskError):
        text = error.message
    elif isinstance(error, BaseException):
        # A full disk or a damaged database says so in the same words as the command line.
        from desktop.models.database import storage_error

        known = storage_error(error)
        text = known.message if known is not None else str(error)
    else:
        text = str(error)
    text = _RULE_TAG.sub("", text).strip()
    if not text:
        return ""
    if _LOWER_WORD.match(text):
        text = text[0].upper() + text[1:]
    if not text.endswith((".", "!", "?", "…")):
        text += "."
    return text


class NotSignedIn(Refused):
    def __init__(self, message: str) -> None:
        super().__init__("", message)


class Throttled(NotSignedIn):
    """Too many failed sign-ins: `retry_after` seconds until the next may be tried."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerUnreachable(AccessDeskError):
    """The Access Desk server cannot be reached (or answered with something not its own)."""

    exit_code = 4


class CertificateMismatch(AccessDeskError):
    """The server's certificate is not the one pinned for its address."""

    exit_code = 3


class NotFound(AccessDeskError):
    exit_code = 4


class DatabaseUnusable(AccessDeskError):
    """Needs `init`, is newer than this program, or is not an Access Desk database."""

    exit_code = 4


class CannotWrite(AccessDeskError):
    """A file could not be written: the disk is full, or the place cannot be used."""

    exit_code = 4


class DiskFull(CannotWrite):
    """The disk (the desktop's or the database server's) is full: nothing was saved.
    Made from the drivers' and the system's errors by models.database.storage_error."""


class DatabaseDamaged(DatabaseUnusable):
    """The database is damaged ("database disk image is malformed"): restore a backup.
    Made from the drivers' errors by models.database.storage_error."""


class Conflict(AccessDeskError):
    """Someone else already decided, a duplicate, a taken name or a stale version."""

    exit_code = 5
