"""Reading and verifying the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import peewee as pw

from desktop.errors import UsageError
from desktop.models import AuditEvent, User

from . import auditchain, lookup
from .core import iso, sort_order, stored_time
from .rights import require_admin, require_global_admin
from .views import View


def event_view(e: AuditEvent) -> View:
    return _view(e.seq, e.at, e.actor, e.action, e.target, e.application_id, e.details, e.hash)


def _view(seq: int, at: dt.datetime, actor: str | None, action: str, target: str | None,
          application_id: int | None, details: str, hash_: str) -> View:
    return {
        "seq": seq, "at": iso(at), "actor": actor, "action": action, "target": target,
        "application_id": application_id, "details": json.loads(details), "hash": hash_,
    }


# An event as one tuple (the arguments of _view), not a model object: listings of millions.
_COLUMNS = (AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
            AuditEvent.target, AuditEvent.application_id, AuditEvent.details, AuditEvent.hash)


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
    # By time is the log's own order: events are numbered as they are appended, under the
    # write lock, and stamped then; `seq` is indexed, `at` is not (a sort over 5,000,000
    # events took seconds). Desktops with skewed clocks can stamp out of order: the log's
    # order is still the order things happened in.
    "seq": AuditEvent.seq, "at": AuditEvent.seq, "actor": AuditEvent.actor,
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
    # As the driver gives them, only the time converted as the model does (peewee's
    # converter for every column was a third of a long listing's time).
    return [_view(seq, stored_time(at), *rest) for seq, at, *rest in
            AuditEvent._meta.database.execute(query.select(*_COLUMNS)).fetchall()]


def count_events(actor: User, *, at_most: int | None = None, **filters: object) -> int:
    """How many events `list_events` lists with these filters; at most `at_most` counted."""
    query = audit_query(actor, **filters).select(AuditEvent.seq)  # type: ignore[arg-type]
    return int((query.limit(at_most) if at_most else query).count())


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
