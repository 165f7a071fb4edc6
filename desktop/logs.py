"""A rotating log file under the user log folder; secrets are masked before any line is written."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from desktop.paths import log_dir

_secrets: set[str] = set()
MASK = "********"


def register_secret(value: str | None) -> None:
    """Anything registered here is replaced by a mask in every log line, tracebacks included."""
    if value and len(value) >= 4:
        _secrets.add(value)


def mask(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def log_file() -> Path:
    return log_dir() / "access-desk.log"


def setup(debug: bool = False) -> Path:
    """Idempotent; returns the log file's path."""
    root = logging.getLogger()
    path = log_file()
    if any(getattr(h, "_access_desk", False) for h in root.handlers):
        return path
    handler = logging.handlers.RotatingFileHandler(
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
