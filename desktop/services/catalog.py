"""The self-service catalog a user browses in My Apps ("Request new apps")."""

from __future__ import annotations

from typing import Any

import peewee as pw

from desktop.models import (
    Application,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.models import User as UserModel

from .grants import duration
from .policy import (
    apps_with_access,
    apps_with_open_request,
    is_licensed,
    no_approver_reason,
    offered_sql,
    request_state,
)
from .rights import fresh
from .views import View, application_views

LICENSE_MESSAGE = (
    "You need a Microsoft Entra ID P1 or P2 license to request applications (rule 7); "
    "ask your administrator for one."
)


def catalog_query(search: str | None = None) -> pw.ModelSelect[Any]:
    """Applications offered for self-service (rule 1: ``policy.offered_sql``)."""
    query = (
        Application.select(Application, SelfServiceSettings)
        .join(SelfServiceSettings)
        .where(offered_sql())
    )
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(
            pw.fn.LOWER(Application.name).contains(text)
            | pw.fn.LOWER(Application.publisher).contains(text)
            | pw.fn.LOWER(Application.description).contains(text)
        )
    return query


def catalog(actor: UserModel, search: str | None = None, *, limit: int | None = None,
            offset: int = 0) -> tuple[list[View], str | None]:
    """Rows with a state for this user, and a message to show when he cannot request at all."""
    actor = fresh(actor)
    query = catalog_query(search).order_by(pw.fn.LOWER(Application.name)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    apps = list(query)
    # A page is read in a fixed number of queries, whatever its length.
    pending = apps_with_open_request(actor, [a.id for a in apps])
    owned = apps_with_access(actor, [a.id for a in apps])
    approvers: dict[int, list[User]] = {}
    for row in (SelfServiceApprover.select(SelfServiceApprover, User)
                .join(User)
                .where(SelfServiceApprover.settings.in_(
                    [a.selfservicesettings.id for a in apps]))
                .order_by(SelfServiceApprover.position, SelfServiceApprover.id)):
        approvers.setdefault(row.settings_id, []).append(row.user)
    rows = []
    for app, view in zip(apps, application_views(apps), strict=True):
        settings = app.selfservicesettings
        listed = approvers.get(settings.id, [])
        # Rule 4 as the request checks it: nobody but the requester could decide.
        no_approver = no_approver_reason(app, settings, actor, listed)
        state = request_state(actor, True, app.id in pending, app.id in owned, no_approver)
        view.update({
            "publisher": app.publisher,
            "description": app.description,
            "state": state,
            "requires_approval": bool(settings.require_approval),
            "approvers": [u.upn for u in listed] if settings.require_approval else [],
            # Why it cannot be requested, when a rule of the request says so beforehand.
            "reason": no_approver if state == "no_approver" else None,
            # Rule 18: how long access given now lasts ("30 days", "until 12 March 2027").
            "access_lasts": duration(settings),
        })
        rows.append(view)
    return rows, None if is_licensed(actor) else LICENSE_MESSAGE
