"""Bookkeeping tables: change feed, e-mail outbox, audit log, settings, sign-in throttle."""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, utcnow


class Change(BaseModel):
    """One row per committed write; the live feed reads rows after the last id it saw."""

    topic = pw.CharField()  # requests | notifications | settings | access | directory | reset
    entity_id = pw.IntegerField(null=True)
    at = pw.DateTimeField(default=utcnow)


class EmailOutbox(BaseModel):
    to = pw.CharField()
    subject = pw.CharField()
    body = pw.TextField()
    message_id = pw.CharField(unique=True)
    status = pw.CharField(default="queued", index=True)  # queued | sending | sent | failed
    attempts = pw.IntegerField(default=0)
    last_error = pw.TextField(null=True)
    next_attempt_at = pw.DateTimeField(default=utcnow)
    claimed_by = pw.CharField(null=True)
    claimed_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "email_outbox"


class AuditEvent(BaseModel):
    """Hash-chained: each event's hash covers its content and the previous event's hash."""

    seq = pw.IntegerField(unique=True)
    at = pw.DateTimeField()
    actor = pw.CharField(null=True)
    action = pw.CharField(index=True)
    target = pw.CharField(null=True)
    application_id = pw.IntegerField(null=True, index=True)
    details = pw.TextField()
    prev_hash = pw.CharField()
    hash = pw.CharField()

    class Meta:
        table_name = "audit_event"
        indexes = ((("actor",), False),)


class AuditSigningKey(BaseModel):
    """The audit log's Ed25519 public keys, oldest first: the rotation history. Each row is
    signed by the key before it (the first by itself); the private keys live on desktops."""

    id = pw.IntegerField(primary_key=True)  # 1, 2, ... in rotation order (signed)
    key_id = pw.CharField(unique=True)
    public_key = pw.CharField()  # raw 32 bytes, base64
    created_at = pw.DateTimeField()
    endorsement = pw.TextField()  # signature by the previous key (key 1: by itself), base64

    class Meta:
        table_name = "audit_signing_key"


class AuditCheckpoint(BaseModel):
    """A signed statement: event `seq` had hash `hash` at time `at`. Numbered 1, 2, ... with
    no gap; written at least every 100 events and at every export."""

    id = pw.IntegerField(primary_key=True)  # the checkpoint's number (signed)
    seq = pw.IntegerField(index=True)
    hash = pw.CharField()
    at = pw.DateTimeField()
    key_id = pw.CharField()
    signature = pw.TextField()  # base64

    class Meta:
        table_name = "audit_checkpoint"


class Setting(BaseModel):
    key = pw.CharField(unique=True)
    value = pw.TextField()


class SchemaInfo(BaseModel):
    """One row: marks the database as Access Desk's and records its schema version."""

    product = pw.CharField()
    version = pw.IntegerField()
    upgraded_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "schema_info"


class SignInFailure(BaseModel):
    """Failed sign-ins in a row, per UPN typed: the only table a failed sign-in touches."""

    upn = pw.CharField(unique=True)
    failures = pw.IntegerField(default=0)
    last_failed_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sign_in_failure"


class SignInSession(BaseModel):
    """A signed-in device of team mode: only a hash of its token is kept (the token itself is
    given once, at sign-in). ARCHITECTURE.md binds session tables to names starting sign_in."""

    token_hash = pw.CharField(unique=True)
    user = pw.IntegerField(index=True)  # the person's id; his rows go when he is deleted
    client = pw.CharField(default="")  # what the client says it is, e.g. "access-desk cli 1.9"
    address = pw.CharField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    last_seen = pw.DateTimeField(default=utcnow)
    idle_expires_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)
    revoked_why = pw.CharField(null=True)

    class Meta:
        table_name = "sign_in_session"
