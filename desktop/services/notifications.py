"""What a person has not seen yet: notifications, the badges' counts, marking them read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from desktop.models import AccessRequest, Application, Notification, User

from .core import iso, now, publish, transaction
from .notice_kinds import DECISION_KINDS, NEW_REQUEST  # noqa: F401 - named here too
from .policy import to_approve_sql
from .rights import fresh
from .views import View


def _query(actor: User, kinds: Sequence[str] | None, unread_only: bool):  # type: ignore[no-untyped-def]
    query = Notification.select().where(Notification.recipient == actor)
    if kinds:
        query = query.where(Notification.kind.in_(list(kinds)))
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return query


def unread_count(actor: User, kinds: Sequence[str] | None = DECISION_KINDS) -> int:
    """Unread notifications of these kinds (by default: decisions and access changes)."""
    return int(_query(actor, kinds, True).count())


def notification_view(n: Notification, app_name: str | None = None) -> View:
    return {
        "id": n.id,
        "kind": n.kind,
        "message": n.message,
        "request_id": n.request_id,
        "application_id": n.application_id,
        "app": app_name,
        "created_at": iso(n.created_at),
        "read": n.read_at is not None,
    }


def list_notifications(
    actor: User, limit: int | None = 50, offset: int = 0, *,
    kinds: Sequence[str] | None = None, unread_only: bool = False, after_id: int = 0,
) -> list[View]:
    """Newest first; `after_id` keeps only newer ones (the tray asks for what is new)."""
    query = _query(fresh(actor), kinds, unread_only)
    if after_id:
        query = query.where(Notification.id > after_id)
    query = query.order_by(Notification.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = list(query)
    app_ids = {n.application_id for n in rows if n.application_id}
    names = {a.id: a.name for a in Application.select(Application.id, Application.name)
             .where(Application.id.in_(list(app_ids)))} if app_ids else {}
    return [notification_view(n, names.get(n.application_id)) for n in rows]


def latest_id(actor: User) -> int:
    """The newest notification id of this person (0 when none): where the tray starts."""
    row = Notification.select(Notification.id).where(Notification.recipient == actor).order_by(
        Notification.id.desc()).first()
    return int(row.id) if row else 0


def mark_read(actor: User, ids: Iterable[int] | Literal["all"],
              kinds: Sequence[str] | None = None) -> int:
    """Mark the actor's own notifications read; returns how many changed. Not audited."""
    with transaction():
        actor = fresh(actor)
        query = Notification.update(read_at=now()).where(
            (Notification.recipient == actor) & Notification.read_at.is_null()
        )
        if ids != "all":
            wanted = [int(i) for i in ids]
            if not wanted:
                return 0
            query = query.where(Notification.id.in_(wanted))
        if kinds:
            query = query.where(Notification.kind.in_(list(kinds)))
        changed = int(query.execute())
        if changed:
            publish("notifications", actor.id)
        return changed


def unread_request_ids(actor: User) -> set[int]:
    """Requests of the actor whose outcome he has not seen yet (bold in My requests)."""
    rows = _query(actor, ("decided",), True).where(Notification.request.is_null(False))
    return {int(n.request_id) for n in rows}


def pending_to_approve_query(actor: User) -> Any:
    """The pending requests this approver may decide (``policy.to_approve_sql``), for the
    badges' counts: no join (a count needs neither the application nor the requester), so
    the (application_id, status) index finds them."""
    return AccessRequest.select().where(
        to_approve_sql(fresh(actor)) & (AccessRequest.status == "pending"))


def pending_to_approve_count(actor: User) -> int:
    """Pending requests this approver may decide: the Approvals tab's and the tray's badge."""
    return int(pending_to_approve_query(actor).count())


def pending_to_approve_counts(actor: User) -> dict[str, int]:
    """The badge with its emphasis (rule 16): the pending requests this approver may decide,
    and how many of them already waited past their reminder or escalation, in one query."""
    import peewee as pw

    waited = (AccessRequest.reminded_at.is_null(False)
              | AccessRequest.escalated_at.is_null(False))
    query = pending_to_approve_query(actor).select(
        pw.fn.COUNT(AccessRequest.id),
        pw.fn.COALESCE(pw.fn.SUM(pw.Case(None, [(waited, 1)], 0)), 0))
    pending, overdue = query.tuples().get()
    return {"pending": int(pending), "overdue": int(overdue)}


def request_exists(request_id: int) -> bool:
    return AccessRequest.select().where(AccessRequest.id == request_id).exists()
