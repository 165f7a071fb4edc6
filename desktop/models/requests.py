"""Access requests and the notifications people have not read yet."""

from __future__ import annotations

import peewee as pw

from .applications import Application
from .base import BaseModel, utcnow
from .directory import User

STATUSES = ("pending", "approved", "denied", "cancelled", "closed")


class AccessRequest(BaseModel):
    application = pw.ForeignKeyField(Application, backref="requests", on_delete="CASCADE")
    requester = pw.ForeignKeyField(User, backref="requests", on_delete="CASCADE")
    justification = pw.TextField(null=True)
    status = pw.CharField(default="pending", index=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    decided_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    reason = pw.TextField(null=True)

    class Meta:
        table_name = "access_request"
        indexes = (
            (("application", "status"), False),
            (("requester", "status"), False),
        )


class Notification(BaseModel):
    recipient = pw.ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    request = pw.ForeignKeyField(AccessRequest, null=True, backref="+", on_delete="CASCADE")
    application = pw.ForeignKeyField(Application, null=True, backref="+", on_delete="CASCADE")
    kind = pw.CharField()  # new_request | decided | access_removed | role_changed | credentials
    message = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)
    read_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("recipient", "read_at"), False),)
