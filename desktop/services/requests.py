"""The request life cycle: pending -> approved | denied | cancelled | closed | expired (rules 4,
7-11, 16-17: deadlines fixed at creation, escalation approvers deciding, a reason to approve)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import peewee as pw

from desktop.errors import Conflict, Refused, UsageError
from desktop.models import (
    STATUSES,
    AccessGrant,
    AccessRequest,
    Application,
    Assignment,
    GroupMember,
    SelfServiceSettings,
    User,
)

from . import grants, lookup, validators
from .core import audit, iso, notify, now, publish, sort_order, transaction
from .policy import (
    approver_apps_subquery,
    can_be_decided,
    eligible_approvers,
    has_access,
    is_offered,
    may_cancel,
    may_decide,
    may_see_request,
    no_approver_reason,
    open_request,
    reachable,
    reason_to_approve_problem,
    request_deadlines,
    standing_in_for,
    to_approve_sql,
    unavailable_reason,
)
from .rights import fresh, require_admin, require_license
from .views import View, request_view, request_views


def check_reason(reason: str | None) -> str | None:
    """A reason a requester reads (deny, close), checked: None when empty."""
    return validators.text(reason, "the reason", cap=validators.MAX_REASON, lines=True)


# --- what approval grants (rule 8) ---------------------------------------------------------


def grant_access(req: AccessRequest, settings: SelfServiceSettings, decider: User | None
                 ) -> AccessGrant | None:
    """Add the requester to the group and, where set, assign the role directly; where the
    application's access is time-bound (rule 18), record the grant with what it added."""
    user, app = req.requester, req.application
    at = now()
    added_membership, added_assignment = False, None
    if settings.group_id is not None:
        exists = GroupMember.select().where(
            (GroupMember.group == settings.group_id) & (GroupMember.user == user)
        ).exists()
        if not exists:
            GroupMember.create(
                group=settings.group_id, user=user, source="self_service",
                added_by=decider, added_at=at,
            )
            added_membership = True
    if settings.role_id is not None:
        direct = Assignment.get_or_none(
            (Assignment.application == app) & (Assignment.user == user)
        )
        if direct is None:
            added_assignment = Assignment.create(
                application=app, user=user, role=settings.role_id, via_request=req.id,
                created_at=at,
            ).id
        else:
            Assignment.update(role=settings.role_id, via_request=req.id).where(
                Assignment.id == direct.id
            ).execute()
    publish("access", app.id)
    return grants.record(req, settings, at, added_membership, added_assignment)


def _grant(req: AccessRequest, settings: SelfServiceSettings, decider: User | None
           ) -> tuple[dict[str, Any], AccessGrant | None]:
    """What approving does: access (rule 8), or a longer grant for an extension (rule 18).
    Returns the approval event's details about it, and the grant (time-bound access)."""
    if req.kind == "extension":
        grant = grants.extend_by_request(req, settings)
        return {"extends_grant": grant.id, "until": iso(grant.ends_at)}, grant
    made = grant_access(req, settings, decider)
    details = {"group": settings.group.name if settings.group else None,
               "role": settings.role.value if settings.role else None}
    if made is not None:
        details["until"] = iso(made.ends_at)
    return details, made


def _finish(
    req: AccessRequest, status: str, decider: User | None, reason: str | None
) -> None:
    """Conditional update: exactly one decision wins, even if two raced past every check."""
    decided_at = now()
    won = (
        AccessRequest.update(
            status=status, decided_by=decider, decided_at=decided_at, reason=reason
        )
        .where((AccessRequest.id == req.id) & (AccessRequest.status == "pending"))
        .execute()
    )
    if not won:
        raise _already_decided(AccessRequest.get_by_id(req.id))
    Application.update(pending_count=Application.pending_count - 1).where(
        Application.id == req.application_id
    ).execute()
    req.status, req.decided_by, req.decided_at, req.reason = status, decider, decided_at, reason


def _already_decided(req: AccessRequest) -> Conflict:
    decider = User.get_or_none(User.id == req.decided_by_id) if req.decided_by_id else None
    who = decider.upn if decider else "Access Desk"
    return Conflict(f"request {req.id} was already {req.status} by {who} at {iso(req.decided_at)}")


# --- closing (rule 11) ---------------------------------------------------------------------


def close_requests(requests: Iterable[AccessRequest], reason: str, by: User | None) -> list[int]:
    """Close pending requests with a reason the requester sees; returns the ids closed."""
    closed = []
    for req in requests:
        if req.status != "pending":
            continue
        _finish(req, "closed", by, reason)
        audit(by, "request.close", f"request {req.id}", {"reason": reason},
              application_id=req.application_id)
        notify(req.requester, "decided",
               f"Your request for {req.application.name} was closed: {reason}",
               request_id=req.id, application_id=req.application_id)
        closed.append(req.id)
    if closed:
        publish("requests")
    return closed


def pending_for_app(app_id: int) -> list[AccessRequest]:
    return list(
        AccessRequest.select().where(
            (AccessRequest.application == app_id) & (AccessRequest.status == "pending")
        )
    )


def close_unapprovable(app_ids: Iterable[int], by: User | None) -> list[int]:
    """Close pending requests no eligible approver other than the requester could decide."""
    closed: list[int] = []
    for app_id in set(app_ids):
        settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == app_id)
        if settings is None or not settings.require_approval:
            continue
        stranded = [r for r in pending_for_app(app_id) if not can_be_decided(settings, r.requester)]
        closed += close_requests(
            stranded, "no eligible approver is left for this application; ask again later", by
        )
    return closed


def apps_approved_by(user: User) -> list[int]:
    return [r.application_id for r in approver_apps_subquery(user)]


# --- use cases -----------------------------------------------------------------------------


def create_request(actor: User, app_name: str, justification: str | None = None,
                   extend: bool = False) -> View:
    """`extend`: ask to extend one's time-bound access (rule 18; exempt from rule 9's
    "already has access"), decided as a request is."""
    justification = validators.text(justification, "the justification",
                                    cap=validators.MAX_JUSTIFICATION, lines=True)
    with transaction():
        actor = fresh(actor)
        require_license(actor, "request an application")
        app = lookup.application(app_name)
        settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)
        why = unavailable_reason(app)
        if why:
            raise Refused(*why)
        if not is_offered(app, settings):
            raise Refused("rule 1", f"{app.name} is not offered for self-service")
        assert settings is not None
        extends = grants.extension_target(actor, app, settings) if extend else None
        if extends is None and has_access(actor, app):
            raise Refused("rule 9", f"you already have access to {app.name}")
        already = open_request(actor, app)
        if already is not None:
            raise Conflict(
                f"you already have an open request for {app.name} (request {already.id}) "
                "(rule 9)"
            )
        no_approver = no_approver_reason(app, settings, actor)
        if no_approver:
            raise Refused("rule 4", no_approver)
        created = now()
        req = AccessRequest.create(
            application=app, requester=actor, justification=justification,
            status="pending", created_at=created, **request_deadlines(settings, created),
            kind="extension" if extends else "access",
            extends_grant=extends.id if extends else None,
        )
        Application.update(pending_count=Application.pending_count + 1).where(
            Application.id == app.id
        ).execute()
        audit(actor, "request.create", f"request {req.id}",
              {"app": app.name, "justification": justification,
               **({"kind": "extension", "extends_grant": extends.id} if extends else {})},
              application_id=app.id)
        if settings.require_approval:
            asks = (f"asks to extend his access to {app.name}" if extends
                    else f"requests {app.name}")
            # Rule 14; rule 19: not those away, their delegates instead.
            for approver in reachable(eligible_approvers(settings, excluding=actor), created,
                                      excluding=actor):
                notify(approver, "new_request",
                       f"{actor.display_name} {asks}",
                       request_id=req.id, application_id=app.id)
                if settings.email_approvers and approver.mail:
                    _queue_request_mail(approver, actor, app, req)
        else:
            _finish(req, "approved", None, "approval is not required")
            granted, made = _grant(req, settings, None)
            audit(None, "request.approve", f"request {req.id}",
                  {"automatic": True, **granted}, application_id=app.id)
            notify(actor, "decided",
                   f"Your access to {app.name} was extended until "
                   f"{grants.describe_end(made.ends_at)}" if extends and made
                   else f"{app.name} was added to your apps",
                   request_id=req.id, application_id=app.id)
        publish("requests", req.id)
        return request_view(req, None)


def _queue_request_mail(approver: User, requester: User, app: Application,
                        req: AccessRequest) -> None:
    from .mail import queue

    asks = ("asks to extend his access to" if req.kind == "extension"  # rule 18
            else "requests access to")
    body = (
        f"{requester.display_name} ({requester.upn}) {asks} {app.name}.\n\n"
        f"Business justification: {req.justification or '(none given)'}\n"
        f"Requested: {iso(req.created_at)}\n\n"
        f"Answer from the Approvals window of Access Desk, or from a terminal:\n"
        f"  access-desk --as {approver.upn} approve {req.id}\n"
        f"  access-desk --as {approver.upn} deny {req.id} --reason '...'\n"
    )
    assert approver.mail is not None  # the caller checked
    queue(approver.mail, f"Access request: {requester.display_name} requests {app.name}", body,
          f"<request-{req.id}-to-{approver.id}-{uuid.uuid4().hex[:12]}@access-desk>")


def _queue_decision_mail(req: AccessRequest, settings: SelfServiceSettings, text: str) -> None:
    """The requester hears of the decision by e-mail too, when the application mails."""
    requester = req.requester
    if not (settings.email_approvers and requester.mail):
        return
    from .mail import queue

    age = now() - req.created_at
    body = (f"{text}.\n\nYou asked on {iso(req.created_at)} "
            f"({age.days} days ago). Open My Apps in Access Desk to see it.\n")
    queue(requester.mail, f"Your request for {req.application.name}: {req.status}", body,
          f"<decision-{req.id}-{uuid.uuid4().hex[:12]}@access-desk>")


def _decide(actor: User, request_id: int | str, approve: bool, reason: str | None) -> View:
    reason = check_reason(reason)
    with transaction():
        actor = fresh(actor)
        req = lookup.request(request_id)
        settings = SelfServiceSettings.get_or_none(
            SelfServiceSettings.application == req.application_id
        )
        if settings is None or not may_decide(actor, req):  # rule 17: escalated, too
            raise Refused(
                "rights table",
                f"only an approver of {req.application.name} may approve or deny its requests",
            )
        require_license(actor, "approve or deny requests")
        if req.requester_id == actor.id:
            raise Refused("rule 4", "nobody decides his own request")
        if req.status != "pending":
            raise _already_decided(req)
        if not approve and not reason:
            raise Refused("rule 10", "a reason is required to deny a request")
        assert settings is not None
        no_reason = reason_to_approve_problem(settings, req.application, reason) if approve \
            else None
        if no_reason:
            raise Refused("rule 17", no_reason)
        status = "approved" if approve else "denied"
        away = standing_in_for(actor, req)  # rule 19: a delegate decides for an away approver
        _finish(req, status, actor, reason)
        app = req.application
        standing_in: dict[str, Any] = {}
        if away is not None:
            AccessRequest.update(decided_for=away.id).where(AccessRequest.id == req.id).execute()
            req.decided_for = away.id
            standing_in = {"delegate": actor.upn, "for": away.upn}
        granted: dict[str, Any] = {"group": None, "role": None}
        if approve:
            granted, grant = _grant(req, settings, actor)
            message = f"{actor.display_name} approved your request for {app.name}"
            if req.kind == "extension" and grant is not None:
                message = (f"{actor.display_name} extended your access to {app.name} until "
                           f"{grants.describe_end(grant.ends_at)}")
        else:
            message = f"{actor.display_name} denied your request for {app.name}: {reason}"
        if away is not None:
            message = message.replace(actor.display_name,
                                      f"{actor.display_name} (for {away.display_name})", 1)
        audit(actor, f"request.{'approve' if approve else 'deny'}", f"request {req.id}",
              {"reason": reason, "requester": req.requester.upn, **granted, **standing_in},
              application_id=app.id)
        notify(req.requester, "decided", message, request_id=req.id, application_id=app.id)
        _queue_decision_mail(req, settings, message)
        publish("requests", req.id)
        return request_view(req, actor.upn)


def approve(actor: User, request_id: int | str, reason: str | None = None) -> View:
    return _decide(actor, request_id, True, reason)


def deny(actor: User, request_id: int | str, reason: str | None) -> View:
    return _decide(actor, request_id, False, reason)


def cancel(actor: User, request_id: int | str) -> View:
    with transaction():
        actor = fresh(actor)
        req = lookup.request(request_id)
        if not may_cancel(actor, req):
            raise Refused("rule 10", "only the requester may cancel his request")
        if req.status != "pending":
            raise _already_decided(req)
        _finish(req, "cancelled", actor, None)
        audit(actor, "request.cancel", f"request {req.id}", {},
              application_id=req.application_id)
        publish("requests", req.id)
        return request_view(req, actor.upn)


def close(actor: User, request_id: int | str, reason: str) -> View:
    """An administrator closes any pending request, with a reason the requester sees."""
    reason = check_reason(reason) or ""
    with transaction():
        actor = require_admin(actor, "close a request")
        req = lookup.request(request_id)
        if not reason:
            raise Refused("rule 11", "closing a request needs a reason the requester sees")
        if req.status != "pending":
            raise _already_decided(req)
        close_requests([req], reason, actor)
        return request_view(AccessRequest.get_by_id(req.id), actor.upn)


# --- reads ---------------------------------------------------------------------------------


def can_see(actor: User, req: AccessRequest) -> bool:
    """The rights table: ``policy.may_see_request``."""
    return may_see_request(actor, req)


def show(actor: User, request_id: int | str) -> View:
    actor = fresh(actor)
    req = lookup.request(request_id)
    if not can_see(actor, req):
        raise Refused("rights table", f"request {req.id} is neither yours nor yours to approve")
    return request_view(req)


def request_query(
    actor: User,
    scope: str = "mine",
    *,
    status: str | None = None,
    app: str | None = None,
    since: dt.datetime | None = None,
    search: str | None = None,
) -> pw.ModelSelect[Any]:
    """The requests this reader may see, filtered in SQL (the rights live here, not in widgets)."""
    actor = fresh(actor)
    requester = User.alias("requester")
    query = (
        AccessRequest.select(AccessRequest, Application, requester)
        .join(Application, on=(AccessRequest.application == Application.id))
        .switch(AccessRequest)
        .join(requester, on=(AccessRequest.requester == requester.id))
    )
    if scope == "mine":
        query = query.where(AccessRequest.requester == actor)
    elif scope == "to_approve":
        query = query.where(to_approve_sql(actor))
    elif scope == "all":
        require_admin(actor, "see everyone's requests")
    else:
        raise UsageError(f"unknown scope {scope!r}")
    if status:
        if status not in STATUSES:
            raise UsageError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        query = query.where(AccessRequest.status == status)
    if app:
        query = query.where(AccessRequest.application == lookup.application(app))
    if since:
        query = query.where(AccessRequest.created_at >= since)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(
            pw.fn.LOWER(Application.name).contains(search.strip().lower())
            | (pw.fn.LOWER(requester.display_name) ** like)
            | (pw.fn.LOWER(requester.upn) ** like)
        )
    return query


REQUEST_SORTS: dict[str, Any] = {
    "id": AccessRequest.id,
    "app": pw.fn.LOWER(Application.name),
    "requester": pw.Entity("requester", "upn"),  # request_query's alias of User
    "status": AccessRequest.status,
    "created_at": AccessRequest.created_at,
    "decided_at": AccessRequest.decided_at,
}


def list_requests(
    actor: User, scope: str = "mine", *, limit: int | None = None, offset: int = 0,
    newest_first: bool = True, sort: str | None = None, after: int | None = None,
    **filters: Any,
) -> list[View]:
    """`after`: the id of the last request of the previous page, in the default order
    (keyset paging: the next page costs the same however deep it is)."""
    query = request_query(actor, scope, **filters)
    default = AccessRequest.id.desc() if newest_first else AccessRequest.id
    order = sort_order(sort, REQUEST_SORTS, [default], AccessRequest.id)
    query = query.order_by(*order).offset(offset)
    if after is not None:
        if sort is not None:
            raise UsageError("after pages the default order; leave out sort")
        query = query.where(AccessRequest.id < after if newest_first
                            else AccessRequest.id > after)
    if limit is not None:
        query = query.limit(limit)
    return request_views(list(query))

