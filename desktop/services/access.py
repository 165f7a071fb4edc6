"""Who has access through self-service, and removing it or changing the role (rule 13)."""

from __future__ import annotations

from typing import Any

import peewee as pw

from desktop.errors import NotFound
from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    GroupMember,
    SelfServiceSettings,
    User,
)

from . import grants, lookup
from .core import audit, iso, notify, publish, sort_order, transaction
from .eligibility import choosable_role
from .rights import require_admin
from .views import View


def _settings(app: Application) -> SelfServiceSettings | None:
    return SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)


def access_query(actor: User, app_name: str, search: str | None = None) -> pw.ModelSelect[Any]:
    """Members of the application's self-service group, whether or not they came by request."""
    require_admin(actor, "see who has access")
    app = lookup.application(app_name)
    settings = _settings(app)
    group_id = settings.group_id if settings else None
    query = (
        GroupMember.select(GroupMember, User)
        .join(User, on=(GroupMember.user == User.id))
        .where(GroupMember.group == group_id)
    )
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(User.upn.startswith(text)
                            | pw.fn.LOWER(User.display_name).startswith(text))
    return query


ACCESS_SORTS: dict[str, Any] = {"user": User.upn, "since": GroupMember.added_at}


def list_access(actor: User, app_name: str, *, search: str | None = None,
                limit: int | None = None, offset: int = 0,
                sort: str | None = None) -> list[View]:
    app = lookup.application(app_name)
    order = sort_order(sort, ACCESS_SORTS, [User.upn], GroupMember.id)
    query = access_query(actor, app_name, search).order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    members = list(query)
    if not members:
        return []
    settings = _settings(app)
    assert settings is not None
    assert settings.group is not None
    user_ids = [m.user_id for m in members]
    roles: dict[int, Any] = {}
    for a in (Assignment.select(Assignment, AppRole)
              .join(AppRole, pw.JOIN.LEFT_OUTER, on=(Assignment.role == AppRole.id))
              .where((Assignment.application == app) & Assignment.user.in_(user_ids))):
        roles[a.user_id] = a.role.value if a.role else None
    last_request: dict[int, int] = {}
    latest = pw.fn.MAX(AccessRequest.id).alias("rid")
    for r in (AccessRequest.select(AccessRequest.requester, latest)
              .where((AccessRequest.application == app) & (AccessRequest.status == "approved")
                     & AccessRequest.requester.in_(user_ids))
              .group_by(AccessRequest.requester)):
        last_request[r.requester_id] = r.rid
    ends = grants.ends_by_user(app, user_ids)  # rule 18: time-bound access
    return [
        {
            "user": m.user.upn,
            "group": settings.group.name,
            "role": roles.get(m.user_id),
            "since": iso(m.added_at),
            "via_request": last_request.get(m.user_id) if m.source == "self_service" else None,
            "until": iso(ends.get(m.user_id)),
        }
        for m in members
    ]


def _member(app: Application, user: User) -> tuple[SelfServiceSettings, GroupMember]:
    settings = _settings(app)
    member = None
    if settings is not None and settings.group_id is not None:
        member = GroupMember.get_or_none(
            (GroupMember.group == settings.group_id) & (GroupMember.user == user)
        )
    if settings is None or member is None:
        raise NotFound(f"{user.upn} has no access to {app.name} through self-service")
    return settings, member


def remove_access(actor: User, app_name: str, upn: str) -> View:
    """Group membership and the direct role assignment go together; the user is told.
    Returns the application and the person as stored (not as typed)."""
    with transaction():
        actor = require_admin(actor, "remove access")
        app = lookup.application(app_name)
        user = lookup.user(upn)
        _member(app, user)  # NotFound when he has no self-service access to remove
        take_away(app, user, actor, f"An administrator removed your access to {app.name}")
        return {"app": app.name, "user": user.upn, "removed": True}


def take_away(app: Application, user: User, by: User | None, notice: str,
              **details: Any) -> bool:
    """Rule 13's removal, written once (an administrator, a review's end): the self-service
    group membership and the direct role assignments go together, a time-bound grant ends
    (nothing left for the sweep), audited as `access.remove` (`by` None: the system; the
    `details` join the event's), the person told with `notice`. Runs in the caller's
    transaction; False when there was nothing to remove."""
    settings = _settings(app)
    member = None
    if settings is not None and settings.group_id is not None:
        member = GroupMember.get_or_none(
            (GroupMember.group == settings.group_id) & (GroupMember.user == user))
    group_name = member.group.name if member is not None else None
    if member is not None:
        GroupMember.delete().where(GroupMember.id == member.id).execute()
    removed_roles = Assignment.delete().where(
        (Assignment.application == app) & (Assignment.user == user)
    ).execute()
    if member is None and not removed_roles:
        return False
    grants.access_removed(app, user, by)  # rule 18: nothing left to end later
    audit(by, "access.remove", user.upn,
          {"app": app.name, "group": group_name, "direct_assignments": removed_roles,
           **details}, application_id=app.id)
    notify(user, "access_removed", notice, application_id=app.id)
    publish("access", app.id)
    return True


def change_role(actor: User, app_name: str, upn: str, role_value: str) -> View:
    with transaction():
        actor = require_admin(actor, "change a user's role")
        app = lookup.application(app_name)
        user = lookup.user(upn)
        _member(app, user)
        role = choosable_role(app, role_value)  # rule 5
        direct = Assignment.get_or_none(
            (Assignment.application == app) & (Assignment.user == user)
        )
        old = None
        if direct is None:
            Assignment.create(application=app, user=user, role=role)
        else:
            old = direct.role.value if direct.role else None
            Assignment.update(role=role).where(Assignment.id == direct.id).execute()
        audit(actor, "access.change_role", user.upn,
              {"app": app.name, "from": old, "to": role.value}, application_id=app.id)
        notify(user, "role_changed",
               f"Your role in {app.name} is now {role.display_name}", application_id=app.id)
        publish("access", app.id)
        return {"user": user.upn, "app": app.name, "role": role.value}
