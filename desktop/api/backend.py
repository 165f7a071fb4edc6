"""Where a use case runs: in this process (the services on the database it opened) or on an
Access Desk server. The command line, the windows and the tray call `Backend.call` with an
operation's name; they cannot tell the two apart, so output, messages and exit codes are the
same either way."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Backend(Protocol):
    remote: bool

    def call(self, name: str, /, **params: Any) -> Any: ...

    def iterate(self, name: str, /, **params: Any) -> Iterator[Any]: ...

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

    def iterate(self, name: str, /, **params: Any) -> Iterator[Any]:
        """A listing's rows as they are read, a page at a time (constant memory)."""
        from .operations import operation

        op = operation(name)
        op.arguments(params)  # the same checks as `call`, before the first row
        function = op.function()
        return listing_rows(lambda page: function(self._actor(), **op.arguments(page)),
                            params, op.keyset, LOCAL_PAGE)

    def desk(self, fresh: bool = False) -> dict[str, Any]:
        if self._desk is None or fresh:
            self._desk = self.call("me.desk")
        return self._desk

    def worker(self) -> AbstractContextManager[Any]:
        return database_context()


# Rows read per query when a listing is streamed in this process (one SQL query a page). Each
# page re-reads who is asking and what he may decide (the rights hold for that page): 5,000
# rows, a few MB, keep that a small share of a long listing and the memory flat.
LOCAL_PAGE = 5000


def listing_rows(fetch: Callable[[dict[str, Any]], list[Any]], params: dict[str, Any],
                 keyset: str | None, size: int) -> Iterator[Any]:
    """A listing's rows as the command line promises them: all of them unless `params` holds
    a limit, read `size` at a time with `fetch(params of a page)`; by key (`after` the last
    row's) where the listing has one and no sort is asked, so a deep page costs what the
    first does."""
    query = dict(params)
    limit = query.pop("limit", None)
    offset = int(query.pop("offset", 0) or 0)
    after, sent = query.pop("after", None), 0
    while limit is None or sent < limit:
        want = size if limit is None else min(size, limit - sent)
        page_params = {**query, "limit": want}
        if after is not None:
            page_params["after"] = after
        else:
            page_params["offset"] = offset
        page = fetch(page_params)
        yield from page
        sent += len(page)
        offset += len(page)
        if len(page) < want:
            return
        if keyset and not query.get("sort") and page[-1].get(keyset) is not None:
            after = page[-1][keyset]


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
