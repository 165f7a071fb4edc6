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


def last_server() -> tuple[str, str | None] | None:
    """The server the windows used last and who signed in there; None when the last place
    was a database (then "database/last" says which)."""
    store = settings()
    url, upn = store.value("server/last"), store.value("server/upn")
    return (str(url), str(upn) if upn else None) if url else None


def remember_server(url: str, upn: str) -> None:
    """The next `access-desk gui` starts on this server with the token kept for him."""
    store = settings()
    store.setValue("server/last", url)
    store.setValue("server/upn", upn)
    store.setValue("welcome/choice", "server")


def forget_server() -> None:
    """A database was used last: the next start reopens it ("server/upn" stays, to be
    offered when he connects to a server again)."""
    settings().remove("server/last")
