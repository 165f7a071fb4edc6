"""The database proxy and the base model every table derives from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import peewee as pw

# Bound at run time to SQLite or PostgreSQL by desktop.models.database.open_database.
database_proxy = pw.DatabaseProxy()


def system_utcnow() -> dt.datetime:
    """Naive UTC with microseconds (second precision is not enough for ordering)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# Every time a row is stamped with comes from here; the demo builder swaps it for a frozen
# clock (services.core.frozen_clock) so the demo directory is the same every time.
clock: Callable[[], dt.datetime] = system_utcnow


def utcnow() -> dt.datetime:
    return clock()


class BaseModel(pw.Model):
    id = pw.AutoField()

    if TYPE_CHECKING:
        # Foreign keys' `<name>_id` attributes and selected aliases exist only at run time.
        def __getattr__(self, name: str) -> Any: ...

    class Meta:
        database = database_proxy
        legacy_table_names = False
