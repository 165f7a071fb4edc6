"""Where a use case runs: in this process (the services on the database it opened) or on an
Access Desk server. The command line, the windows and the tray call `Backend.call` with an
operation's name; they cannot tell the two apart, so output, messages and exit codes are the
same either way."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Backend(Protocol):
    remote: bool

    def call(self, name: str, /, **params: Any) -> Any: ...

    def desk(self, fresh: bool = False) -> dict[str, Any]: ...

    def worker(self) -> AbstractContextManager[Any]: ...


class LocalBackend:
    """The services in process, acting as the person `actor()` signs in (lazily: commands
    that fail on their arguments never ask for a password)."""

    remote = False

    def __init__(self, actor: Callable[[], Any]) -> None:
        self._actor = actor
        self._desk: dict[str, Any] | None = None

    @property
    def person(self) -> Any:
        """The signed-in person's row (a window that is not yet remote reads it)."""
        return self._actor()

    def call(self, name: str, /, **params: Any) -> Any:
        from .operations import operation

        op = operation(name)
        return op.function()(self._actor(), **op.arguments(params))

    def desk(self, fresh: bool = False) -> dict[str, Any]:
        if self._desk is None or fresh:
            self._desk = self.call("me.desk")
        return self._desk

    def worker(self) -> AbstractContextManager[Any]:
        return database_context()


def database_context() -> AbstractContextManager[Any]:
    """A worker thread's own database connection (peewee keeps one per thread), closed when
    the task ends; nothing to open where this process holds no database (a remote desktop)."""
    models = sys.modules.get("desktop.models")
    db = models.database_proxy.obj if models is not None else None
    return db.connection_context() if db is not None else contextlib.nullcontext()


def as_backend(actor: Any) -> Any:
    """A window's backend from what built it: a backend as is, a person's row as the
    services in this process acting as him."""
    if hasattr(actor, "call") and hasattr(actor, "desk"):
        return actor
    return LocalBackend(lambda: actor)
