"""The self-service catalog a user browses in My Apps ("Request new apps")."""

from __future__ import annotations

from typing import Any

import peewee as pw

from desktop.models import (
    SELF_SERVICE_ORIGINS,
    AccessRequest,
    Application,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.models import User as UserModel

from .eligibility import apps_with_access
from .rights import fresh
from .views import View, application_views

LICENSE_MESSAGE = (
    "You need a Microsoft Entra ID P1 or P2 license to request applications (rule 7); "
    "ask your administrator for one."
)


def catalog_query(search: str | None = None) -> pw.ModelSelect[Any]:
    """Applications offered for self-service: enabled and eligible (rules 1-2), in SQL."""
    query = (
        Application.select(Application, SelfServiceSettings)
        .join(SelfServiceSettings)
        .where(
            SelfServiceSettings.enabled
            & ~Application.hidden
            & ~Application.public_client_flows
            & Application.origin.in_(sorted(SELF_SERVICE_ORIGINS))
        )
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
    pending = {
        r.application_id
        for r in AccessRequest.select(AccessRequest.application).where(
            (AccessRequest.requester == actor) & (AccessRequest.status == "pending")
            & AccessRequest.application.in_([a.id for a in apps])
        )
    }
    # A page is read in a fixed number of queries, whatever its length.
    owned = apps_with_access(actor, [a.id for a in apps])
    approvers: dict[int, list[str]] = {}
    for row in (SelfServiceApprover.select(SelfServiceApprover, User)
                .join(User)
                .where(SelfServiceApprover.settings.in_(
                    [a.selfservicesettings.id for a in apps]))
                .order_by(SelfServiceApprover.position, SelfServiceApprover.id)):
        approvers.setdefault(row.settings_id, []).append(row.user.upn)
    rows = []
    for app, view in zip(apps, application_views(apps), strict=True):
        settings = app.selfservicesettings
        if not actor.licensed:
            state = "license_required"
        elif app.id in pending:
            state = "requested"
        elif app.id in owned:
            state = "owned"
        else:
            state = "requestable"
        view.update({
            "publisher": app.publisher,
            "description": app.description,
            "state": state,
            "requires_approval": bool(settings.require_approval),
            "approvers": approvers.get(settings.id, []) if settings.require_approval else [],
        })
        rows.append(view)
    return rows, None if actor.licensed else LICENSE_MESSAGE
