"""Where a use case runs: in this process (the services on the database it opened) or on an
Access Desk server. The command line calls `Backend.call` with an operation's name; it cannot
tell the two apart, so its output and exit codes are the same either way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .operations import operation


class Backend(Protocol):
    remote: bool

    def call(self, name: str, /, **params: Any) -> Any: ...


class LocalBackend:
    """The services in process, acting as the person `actor()` signs in (lazily: commands
    that fail on their arguments never ask for a password)."""

    remote = False

    def __init__(self, actor: Callable[[], Any]) -> None:
        self._actor = actor

    def call(self, name: str, /, **params: Any) -> Any:
        op = operation(name)
        return op.function()(self._actor(), **op.arguments(params))
