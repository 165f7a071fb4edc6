"""Reading and verifying the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import peewee as pw

from desktop.errors import UsageError
from desktop.models import AuditEvent, User

from . import auditchain, lookup
from .core import iso, sort_order
from .rights import require_admin, require_global_admin
from .views import View


def event_view(e: AuditEvent) -> View:
    return {
        "seq": e.seq, "at": iso(e.at), "actor": e.actor, "action": e.action,
        "target": e.target, "application_id": e.application_id,
        "details": json.loads(e.details), "hash": e.hash,
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
                sort: str | None = None, after: int | None = None,
                **filters: object) -> list[View]:
    """Newest first. `after`: the `seq` of the last event of the previous page (keyset
    paging: the next page costs the same however deep it is)."""
    order = sort_order(sort, EVENT_SORTS, [AuditEvent.seq.desc()], AuditEvent.seq)
    query = audit_query(actor, **filters).order_by(*order).offset(offset)  # type: ignore[arg-type]
    if after is not None:
        if sort is not None:
            raise UsageError("after pages the newest-first order; leave out sort")
        query = query.where(AuditEvent.seq < after)
    if limit is not None:
        query = query.limit(limit)
    return [event_view(e) for e in query]


# What verify returns: ok, the events checked, the first bad event and a message, with the
# ranges of both hash formulas and the checkpoints (services/auditchain.py).
Verdict = auditchain.Report


def verify(actor: User, since_head: str | None = None) -> Verdict:
    """Recompute every hash in order and check every signed checkpoint and key: an edited,
    deleted, reordered or cut-off event is found (what is proven and what is not:
    docs/audit.md). With since_head ("SEQ:HASH" from `audit head`), only that the log still
    extends that point. Raises auditchain.AuditUnverifiable when the check cannot be made."""
    require_admin(actor, "verify the audit log")
    return auditchain.check(since_head)


def head(actor: User) -> View:
    """The newest event's number and hash (what exports record), the newest checkpoint and
    the signing key's fingerprint."""
    require_admin(actor, "read the audit log")
    return auditchain.head()


def rotate_key(actor: User) -> View:
    """A new signing key, endorsed by the current one. Global Administrators only: the key
    decides whose signatures the log trusts."""
    require_global_admin(actor, "rotate the audit signing key")
    return auditchain.rotate_key()
