"""The database proxy and the base model every table derives from."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
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


def random_guid() -> str:
    return str(uuid.uuid4())


# Every GUID a row is created with (users, groups, applications, app roles: their ids in
# Microsoft Graph's shape) comes from here; the demo builder swaps it with the clock.
guid: Callable[[], str] = random_guid


def new_guid() -> str:
    return guid()


def new_assignment_key() -> str:
    """An appRoleAssignment id as Graph writes one: 32 bytes, base64url without padding."""
    raw = uuid.UUID(guid()).bytes + uuid.UUID(guid()).bytes
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class BaseModel(pw.Model):
    id = pw.AutoField()

    if TYPE_CHECKING:
        # Foreign keys' `<name>_id` attributes and selected aliases exist only at run time.
        def __getattr__(self, name: str) -> Any: ...

    class Meta:
        database = database_proxy
        legacy_table_names = False
