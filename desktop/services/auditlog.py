"""Reading and verifying the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import peewee as pw

from desktop.models import AuditEvent, User

from . import lookup
from .core import GENESIS_HASH, event_hash, get_setting, iso, sort_order
from .rights import require_admin
from .views import View


def event_view(e: AuditEvent) -> View:
    return {
        "seq": e.seq, "at": iso(e.at), "actor": e.actor, "action": e.action,
        "target": e.target, "details": json.loads(e.details), "hash": e.hash,
    }


def audit_query(actor: User, *, app: str | None = None, actor_upn: str | None = None,
                action: str | None = None, since: dt.datetime | None = None) -> pw.ModelSelect[Any]:
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


EVENT_SORTS: dict[str, Any] = {
    "seq": AuditEvent.seq, "at": AuditEvent.at, "actor": AuditEvent.actor,
    "action": AuditEvent.action, "target": AuditEvent.target,
}


def list_events(actor: User, *, limit: int | None = None, offset: int = 0,
                sort: str | None = None, **filters: object) -> list[View]:
    order = sort_order(sort, EVENT_SORTS, [AuditEvent.seq.desc()], AuditEvent.seq)
    query = audit_query(actor, **filters).order_by(*order).offset(offset)  # type: ignore[arg-type]
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
        last = head.split(":")[0] if head else "?"
        return Verdict(False, count, count + 1,
                       f"the log ends at event {count} but event {last} was written: "
                       "events were removed from the end")
    if not count and head:
        return Verdict(False, 0, 1, "every event was removed")
    return Verdict(True, count, None, f"the audit chain of {count} events is intact")
