"""A rotating log file under the user log folder; secrets are masked before any line is written."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from desktop.paths import log_dir

_secrets: set[str] = set()
MASK = "********"


# Shorter values are not masked: a short password ("user", "name") would garble every
# message containing that word and, by the masks, tell an observer what it was. Nothing
# writes a secret into a message on purpose; the mask is the second line of defence.
MIN_MASKED = 8


def register_secret(value: str | None) -> None:
    """A secret of MIN_MASKED characters or more is replaced by a mask wherever it appears
    exactly in a log line or an error message, tracebacks included."""
    if value and len(value) >= MIN_MASKED:
        _secrets.add(value)


def mask(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file and its rotated copies are created readable by their owner only."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # a log file made by an older version was readable by others
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        """A log line that cannot be written (a full disk) is lost quietly: logging's own
        report would print a traceback where the command line promises one line."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handleError(record)


def log_file() -> Path:
    return log_dir() / "access-desk.log"


def setup(debug: bool = False) -> Path:
    """Idempotent; returns the log file's path."""
    root = logging.getLogger()
    path = log_file()
    if any(getattr(h, "_access_desk", False) for h in root.handlers):
        return path
    handler = _PrivateRotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler._access_desk = True  # type: ignore[attr-defined]
    handler.setFormatter(
        _MaskingFormatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # peewee logs every SQL statement with its parameters at DEBUG: parameters can hold
    # ciphertext or hashes, so keep it quiet even with --debug.
    logging.getLogger("peewee").setLevel(logging.INFO)
    return path
