"""Reads for an approver's Approvals window: pending requests for his applications, history."""

from __future__ import annotations

from typing import Any

import peewee as pw

from desktop.errors import Refused
from desktop.models import AccessRequest, Application, User
from desktop.models.requests import STATUSES

from . import lookup
from .catalog import catalog_query
from .core import iso
from .policy import approver_apps_subquery, approver_problem, is_approver_anywhere
from .requests import SORT_LEADS, can_see, request_page, sorted_page
from .rights import fresh
from .views import View

DECIDED = tuple(s for s in STATUSES if s != "pending")  # History's
SORTS = {
    "app": lambda: pw.fn.LOWER(Application.name),
    "requester_name": lambda: pw.fn.LOWER(User.alias("requester").display_name),
    "created_at": lambda: AccessRequest.id,
    "decided_at": lambda: AccessRequest.decided_at,
    "status": lambda: AccessRequest.status,
}


def is_approver(actor: User) -> bool:
    return is_approver_anywhere(fresh(actor))


def _row(r: AccessRequest, deciders: dict[int, User]) -> View:
    requester = r.requester
    decider = deciders.get(r.decided_by_id) if r.decided_by_id else None
    away = deciders.get(r.decided_for) if r.decided_for else None  # rule 19
    return {
        "id": r.id,
        "app": r.application.name,
        "application_id": r.application_id,
        "requester": requester.upn,
        "requester_name": requester.display_name,
        "department": requester.department,
        "license": requester.license,
        "justification": r.justification,
        "status": r.status,
        "created_at": iso(r.created_at),
        "decided_by": decider.upn if decider else None,
        "decided_by_name": decider.display_name if decider else None,
        "decided_for": away.upn if away else None,
        "decided_for_name": away.display_name if away else None,
        "decided_at": iso(r.decided_at),
        "reason": r.reason,
        # Rules 16-17: a pending request that already waited past its reminder/escalation.
        "reminded": r.reminded_at is not None,
        "escalated": r.escalated_at is not None,
    }


def _rows(query: pw.ModelSelect[Any]) -> list[View]:
    rows: list[AccessRequest] = list(query)
    ids = {r.decided_by_id for r in rows if r.decided_by_id}
    ids |= {r.decided_for for r in rows if r.decided_for}
    deciders = {u.id: u for u in User.select().where(User.id.in_(list(ids)))} if ids else {}
    return [_row(r, deciders) for r in rows]


def _order(sort: str | None, default: list[Any]) -> list[Any]:
    name = (sort or "").lstrip("-")
    if name in SORTS:
        key = SORTS[name]()
        desc = sort is not None and sort.startswith("-")
        return [key.desc() if desc else key.asc(), AccessRequest.id.desc()]
    return default


def list_pending(actor: User, search: str | None = None, *, limit: int | None = None,
                 offset: int = 0, sort: str | None = None) -> list[View]:
    """Pending requests the actor may decide (never his own), oldest first by default (read
    from the applications' index in id order: ``requests.request_page``)."""
    if not sort:
        return _rows(request_page(actor, "to_approve", status="pending", search=search,
                                  newest_first=False, offset=offset, limit=limit))
    return _rows(sorted_page(actor, "to_approve", _order(sort, [AccessRequest.id.asc()]),
                             lead=SORT_LEADS.get(sort.lstrip("-")), offset=offset,
                             limit=limit, sort=sort, status="pending", search=search))


def list_decided(actor: User, search: str | None = None, *, limit: int | None = None,
                 offset: int = 0, sort: str | None = None) -> list[View]:
    """Requests for the actor's applications that are no longer pending, newest first."""
    order = _order(sort, [AccessRequest.decided_at.desc(), AccessRequest.id.desc()])
    return _rows(sorted_page(actor, "to_approve", order,
                             lead=SORT_LEADS.get((sort or "").lstrip("-")), offset=offset,
                             limit=limit, where=(AccessRequest.status != "pending",),
                             by_decision=sort in (None, "", "-decided_at"), sort=sort,
                             statuses=DECIDED, search=search))


def request_detail(actor: User, request_id: int | str) -> View:
    """One request with names, for a window that shows who decided and when."""
    actor = fresh(actor)
    req = lookup.request(request_id)
    if not can_see(actor, req):
        raise Refused("rights table", f"request {req.id} is neither yours nor yours to approve")
    deciders = {}
    if req.decided_by_id:
        decider = User.get_or_none(User.id == req.decided_by_id)
        if decider is not None:
            deciders[decider.id] = decider
    if req.decided_for:
        away = User.get_or_none(User.id == req.decided_for)
        if away is not None:
            deciders[away.id] = away
    return _row(req, deciders)


def approved_apps(actor: User) -> list[str]:
    """Names of the applications whose requests reach the actor now, alphabetically: offered
    for self-service (the catalog's own predicate: on, rules 1-2), needing approval, with him
    among their approvers, and he able to approve (rule 4)."""
    from desktop.models import SelfServiceSettings

    actor = fresh(actor)
    if approver_problem(actor):
        return []
    rows = (catalog_query()
            .where(Application.id.in_(approver_apps_subquery(actor))
                   & SelfServiceSettings.require_approval)
            .order_by(pw.fn.LOWER(Application.name)))
    return [a.name for a in rows]
