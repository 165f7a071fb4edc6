"""The desktop's own settings (QSettings): the last database, window sizes, the last user."""

from __future__ import annotations

from PySide6.QtCore import QSettings

SETTINGS = ("access-desk", "access-desk")


def settings() -> QSettings:
    return QSettings(*SETTINGS)


def last_database() -> str | None:
    """The database the GUI last opened (the CLI may offer it when none is given)."""
    value = settings().value("database/last")
    return str(value) if value else None
