"""Reading and verifying the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import peewee as pw

from desktop.models import AuditEvent, User

from . import lookup
from .core import GENESIS_HASH, event_hash, get_setting, iso
from .rights import require_admin
from .views import View


def event_view(e: AuditEvent) -> View:
    return {
        "seq": e.seq, "at": iso(e.at), "actor": e.actor, "action": e.action,
        "target": e.target, "details": json.loads(e.details), "hash": e.hash,
    }


def audit_query(actor: User, *, app: str | None = None, actor_upn: str | None = None,
                action: str | None = None, since: dt.datetime | None = None) -> pw.ModelSelect:
    require_admin(actor, "read the audit log")
    query = AuditEvent.select()
    if app:
        query = query.where(AuditEvent.application_id == lookup.application(app).id)
    if actor_upn:
        query = query.where(AuditEvent.actor == actor_upn.strip().lower())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if since:
        query = query.where(AuditEvent.at >= since)
    return query


def list_events(actor: User, *, limit: int | None = None, offset: int = 0,
                **filters: object) -> list[View]:
    query = audit_query(actor, **filters).order_by(AuditEvent.seq.desc()).offset(offset)  # type: ignore[arg-type]
    if limit is not None:
        query = query.limit(limit)
    return [event_view(e) for e in query]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    events: int
    first_bad: int | None
    message: str


def verify(actor: User) -> Verdict:
    """Recompute every hash in order; an edited, deleted, reordered or cut-off event is found."""
    require_admin(actor, "verify the audit log")
    prev, expected_seq, count = GENESIS_HASH, 1, 0
    for e in AuditEvent.select().order_by(AuditEvent.seq).iterator():
        if e.seq != expected_seq:
            return Verdict(False, count, e.seq,
                           f"event {expected_seq} is missing (the next one is {e.seq})")
        if e.prev_hash != prev:
            return Verdict(False, count, e.seq,
                           f"event {e.seq} does not follow event {e.seq - 1}")
        digest = event_hash(e.seq, e.at, e.actor, e.action, e.target, e.details, e.prev_hash)
        if digest != e.hash:
            return Verdict(False, count, e.seq, f"event {e.seq} was changed after it was written")
        prev, expected_seq, count = e.hash, expected_seq + 1, count + 1
    head = get_setting("audit_head")
    if count and head != f"{count}:{prev}":
        return Verdict(False, count, count + 1,
                       f"the log ends at event {count} but event {head.split(':')[0] if head else '?'}"
                       " was written: events were removed from the end")
    if not count and head:
        return Verdict(False, 0, 1, "every event was removed")
    return Verdict(True, count, None, f"the audit chain of {count} events is intact")
