"""Reads for a person's My Apps window: his applications, his requests, what a request needs."""

from __future__ import annotations

from typing import Any

import peewee as pw

from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    PasswordCredential,
    SelfServiceSettings,
    User,
)

from . import grants, lookup
from .catalog import catalog_query
from .core import iso, now, time_zone
from .policy import (
    access_subquery,
    approvers_of,
    apps_with_open_request,
    eligible_approvers,
    extension_problem,
    has_access,
    is_offered,
    is_password_sso,
    no_approver_reason,
    open_request,
    request_state,
)
from .rights import fresh
from .views import View

MY_REQUEST_SORTS = {
    "app": pw.fn.LOWER(Application.name),
    "status": AccessRequest.status,
    "created_at": AccessRequest.id,
    "decided_at": AccessRequest.decided_at,
}


def _apps_query(actor: User) -> pw.ModelSelect[Any]:
    """Applications the actor has access to (rule 9: ``policy.access_subquery``), not hidden."""
    return Application.select().where(Application.id.in_(access_subquery(actor))
                                      & ~Application.hidden)


def my_apps(actor: User, search: str | None = None, *, limit: int | None = None,
            offset: int = 0) -> list[View]:
    """Tiles for My Apps, by name: name, publisher, role, and whether sign-in details were
    set. A page of them (`limit`, `offset`): a person in a large group may have thousands."""
    actor = fresh(actor)
    query = _apps_query(actor)
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(pw.fn.LOWER(Application.name).contains(text)
                            | pw.fn.LOWER(Application.publisher).contains(text))
    query = query.order_by(pw.fn.LOWER(Application.name), Application.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    apps: list[Application] = list(query)
    ids = [a.id for a in apps]
    creds = {c.application_id: c for c in PasswordCredential.select().where(
        (PasswordCredential.user == actor) & PasswordCredential.application.in_(ids))}
    roles: dict[int, str] = {}
    for a in (Assignment.select(Assignment, AppRole)
              .join(AppRole, on=(Assignment.role == AppRole.id))
              .where((Assignment.user == actor) & Assignment.application.in_(ids))):
        if a.role is not None:
            roles[a.application_id] = a.role.display_name
    ends = grants.ends_by_app(actor, ids)  # rule 18: access that ends
    extensions = _extensions(actor, apps, ends)
    return [
        {
            "id": a.id,
            "name": a.name,
            "publisher": a.publisher,
            "description": a.description,
            "sso": a.sso_mode,
            "password_sso": is_password_sso(a.sso_mode),  # rule 12: sign-in details kept
            "homepage": a.homepage,
            "role": roles.get(a.id),
            "has_credentials": a.id in creds,
            "credentials_set_at": iso(creds[a.id].set_at) if a.id in creds else None,
            "until": iso(ends[a.id].ends_at) if a.id in ends else None,
            "extension": extensions.get(a.id),
        }
        for a in apps
    ]


def _extensions(actor: User, apps: list[Application], ends: dict[int, Any]
                ) -> dict[int, View]:
    """Rule 18, for the applications whose access ends: whether the person may ask to extend
    it (state requestable | requested | unavailable, and why not)."""
    if not ends:
        return {}
    pending = apps_with_open_request(actor, list(ends))
    settings = {s.application_id: s for s in SelfServiceSettings.select().where(
        SelfServiceSettings.application.in_(list(ends)))}
    at, zone = now(), time_zone()
    out: dict[int, View] = {}
    for app in apps:
        if app.id not in ends:
            continue
        if app.id in pending:
            out[app.id] = {"state": "requested", "reason": None}
            continue
        why = extension_problem(app, settings.get(app.id), ends[app.id], at, zone)
        if why is None and not is_offered(app, settings.get(app.id)):
            why = f"{app.name} is no longer offered for self-service"
        out[app.id] = {"state": "unavailable" if why else "requestable", "reason": why}
    return out


def request_preview(actor: User, app: str) -> View:
    """What requesting this application means for the actor: approval, who approves, the role."""
    actor = fresh(actor)
    application = lookup.application(app)
    settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == application)
    approvers: list[User] = []
    if settings is not None and settings.require_approval:
        approvers = eligible_approvers(settings, excluding=actor)
    pending = open_request(actor, application) is not None
    no_approver = no_approver_reason(application, settings, actor) if settings else None
    state = request_state(actor, is_offered(application, settings), pending,
                          not pending and has_access(actor, application), no_approver)
    return {
        "app": application.name,
        "publisher": application.publisher,
        "description": application.description,
        "state": state,
        "reason": no_approver if state == "no_approver" else None,
        "requires_approval": bool(settings and settings.require_approval),
        "approvers": [{"upn": u.upn, "name": u.display_name} for u in approvers],
        "role": settings.role.display_name if settings and settings.role else None,
        "access_lasts": grants.duration(settings),  # rule 18: None when it does not end
    }


def catalog_count(search: str | None = None) -> int:
    return int(catalog_query(search).count())


def list_my_requests(actor: User, search: str | None = None, *, limit: int | None = None,
                     offset: int = 0, sort: str | None = None) -> list[View]:
    """The actor's own requests, newest first, with who decided or who may decide."""
    actor = fresh(actor)
    query = (AccessRequest.select(AccessRequest, Application)
             .join(Application, on=(AccessRequest.application == Application.id))
             .where(AccessRequest.requester == actor))
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(pw.fn.LOWER(Application.name).contains(text)
                            | (AccessRequest.status == text))
    if sort and sort.lstrip("-") in MY_REQUEST_SORTS:
        key = MY_REQUEST_SORTS[sort.lstrip("-")]
        query = query.order_by(key.desc() if sort.startswith("-") else key.asc(),
                               AccessRequest.id.desc())
    else:
        query = query.order_by(AccessRequest.id.desc())
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = list(query)
    decider_ids = {r.decided_by_id for r in rows if r.decided_by_id}
    decider_ids |= {r.decided_for for r in rows if r.decided_for}  # rule 19
    deciders = {u.id: u for u in User.select().where(User.id.in_(list(decider_ids)))} \
        if decider_ids else {}
    approver_names: dict[int, str] = {}
    for r in rows:
        if r.status == "pending" and r.application_id not in approver_names:
            people = approvers_of(SelfServiceSettings.get_or_none(
                SelfServiceSettings.application == r.application_id))
            approver_names[r.application_id] = ", ".join(
                u.display_name for u in people if u.id != actor.id)
    result = []
    for r in rows:
        decider = deciders.get(r.decided_by_id)
        if r.status == "pending":
            approver = approver_names.get(r.application_id) or ""
        elif decider is not None:
            approver = decider.display_name
            away = deciders.get(r.decided_for) if r.decided_for else None
            if away is not None:  # rule 19: "approved by X for Y"
                approver = f"{decider.display_name} for {away.display_name}"
        elif r.status == "approved":
            approver = "Automatic (no approval needed)"
        else:
            approver = "Access Desk"
        result.append({
            "id": r.id,
            "app": r.application.name,
            "application_id": r.application_id,
            "status": r.status,
            "kind": r.kind,  # access | extension (rule 18)
            "approver": approver,
            "decided_by": decider.upn if decider else None,
            "reason": r.reason,
            "justification": r.justification,
            "created_at": iso(r.created_at),
            "decided_at": iso(r.decided_at),
        })
    return result
