"""Rules 16-17: pending requests that wait: reminders, escalation, expiry (sweep steps).

Each request's deadlines were fixed when it was made (``policy.request_deadlines``). A sweep
reads what is due first, then handles each request in its own transaction by a conditional
update (``WHERE reminded_at IS NULL``, ``WHERE status = 'pending'``) and acts only when that
update changed the row: a second sweep, or one racing in another process, finds nothing to
do for it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from desktop.models import AccessRequest, Application, SelfServiceSettings, User

from .core import audit, iso, notify, publish, transaction
from .notice_kinds import ESCALATED, EXPIRED, REMINDER
from .policy import (
    EXPIRED_REASON,
    deciders,
    eligible_approvers,
    escalation_approvers_of,
    reachable,
)


def _due(condition: Any) -> list[int]:
    return [r.id for r in AccessRequest.select(AccessRequest.id)
            .where((AccessRequest.status == "pending") & condition)
            .order_by(AccessRequest.id)]


def sweep(now: dt.datetime) -> dict[str, Any]:
    """Requests whose time has come at `now`: expired first (an expiring request is neither
    reminded nor escalated), then escalated, then reminded. What was done, by kind."""
    expired = sum(_expire(i, now) for i in _due(AccessRequest.expires_at <= now))
    escalated = sum(_escalate(i, now) for i in _due(
        (AccessRequest.escalate_at <= now) & AccessRequest.escalated_at.is_null()))
    reminded = sum(_remind(i, now) for i in _due(
        (AccessRequest.remind_at <= now) & AccessRequest.reminded_at.is_null()))
    return {"requests_expired": expired, "requests_escalated": escalated,
            "requests_reminded": reminded}


def _settings(req: AccessRequest) -> SelfServiceSettings | None:
    return SelfServiceSettings.get_or_none(  # type: ignore[no-any-return]
        SelfServiceSettings.application == req.application_id)


def _expire(request_id: int, at: dt.datetime) -> bool:
    """Rule 16: pending at its deadline -> expired, no decider, a standard reason."""
    with transaction():
        req = AccessRequest.get_by_id(request_id)
        if req.expires_at is None:
            return False
        days = max(1, round((req.expires_at - req.created_at) / dt.timedelta(days=1)))
        reason = EXPIRED_REASON.format(days=days)
        won = (AccessRequest.update(status="expired", decided_by=None, decided_at=at,
                                    reason=reason)
               .where((AccessRequest.id == req.id) & (AccessRequest.status == "pending")
                      & (AccessRequest.expires_at <= at))
               .execute())
        if not won:
            return False
        Application.update(pending_count=Application.pending_count - 1).where(
            Application.id == req.application_id).execute()
        app = req.application
        audit(None, "request.expire", f"request {req.id}",
              {"reason": reason, "requester": req.requester.upn}, application_id=app.id)
        text = f"Your request for {app.name} expired: {reason}"
        notify(req.requester, EXPIRED, text, request_id=req.id, application_id=app.id)
        settings = _settings(req)
        if settings is not None and settings.email_approvers and req.requester.mail:
            _mail(req.requester, f"Your request for {app.name}: expired", f"{text}.\n",
                  f"expired-{req.id}")
        publish("requests", req.id)
        return True


def _remind(request_id: int, at: dt.datetime) -> bool:
    """Rule 16: each eligible approver is reminded once; one away is not, his delegate is
    (rule 19)."""
    with transaction():
        won = (AccessRequest.update(reminded_at=at)
               .where((AccessRequest.id == request_id) & (AccessRequest.status == "pending")
                      & AccessRequest.reminded_at.is_null() & (AccessRequest.remind_at <= at))
               .execute())
        if not won:
            return False
        req = AccessRequest.get_by_id(request_id)
        settings = _settings(req)
        people = reachable(eligible_approvers(settings, excluding=req.requester), at,
                           excluding=req.requester) if settings else []
        _tell(req, settings, people, REMINDER, "still waits for a decision", "Reminder", at)
        audit(None, "request.remind", f"request {req.id}",
              {"approvers": [u.upn for u in people]}, application_id=req.application_id)
        publish("requests", req.id)
        return True


def _escalate(request_id: int, at: dt.datetime) -> bool:
    """Rule 17: nobody decided within E days: the escalation approvers are asked, and may
    decide from now on."""
    with transaction():
        won = (AccessRequest.update(escalated_at=at)
               .where((AccessRequest.id == request_id) & (AccessRequest.status == "pending")
                      & AccessRequest.escalated_at.is_null() & (AccessRequest.escalate_at <= at))
               .execute())
        if not won:
            return False
        req = AccessRequest.get_by_id(request_id)
        settings = _settings(req)
        people = reachable(deciders(escalation_approvers_of(settings), excluding=req.requester),
                           at, excluding=req.requester, delegates=False)
        _tell(req, settings, people, ESCALATED, "was escalated to you: nobody decided it in time",
              "Escalated", at)
        audit(None, "request.escalate", f"request {req.id}",
              {"escalation_approvers": [u.upn for u in people]},
              application_id=req.application_id)
        publish("requests", req.id)
        return True


def _tell(req: AccessRequest, settings: SelfServiceSettings | None, people: list[User],
          kind: str, what: str, subject: str, at: dt.datetime) -> None:
    requester, app = req.requester, req.application
    days = (at - req.created_at).days
    text = (f"{requester.display_name}'s request for {app.name} (request {req.id}, "
            f"{days} day{'' if days == 1 else 's'} old) {what}")
    for person in people:
        notify(person, kind, text, request_id=req.id, application_id=app.id)
        if settings is not None and settings.email_approvers and person.mail:
            _mail(person, f"{subject}: {requester.display_name} requests {app.name}",
                  f"{text}.\n\nBusiness justification: {req.justification or '(none given)'}\n"
                  f"Requested: {iso(req.created_at)}\n\n"
                  f"Answer from the Approvals window of Access Desk, or from a terminal:\n"
                  f"  access-desk --as {person.upn} approve {req.id}\n"
                  f"  access-desk --as {person.upn} deny {req.id} --reason '...'\n",
                  f"{kind}-{req.id}-to-{person.id}")


def _mail(person: User, subject: str, body: str, what: str) -> None:
    from .mail import queue

    assert person.mail is not None
    queue(person.mail, subject, body, f"<{what}-{uuid.uuid4().hex[:12]}@access-desk>")
