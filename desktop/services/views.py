"""The JSON shapes of ARCHITECTURE.md, built once for the CLI, exports and windows alike."""

from __future__ import annotations

from typing import Any

from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Group,
    GroupMember,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)

from .core import iso
from .rights import roles_of

View = dict[str, Any]


def user_views(users: list[User]) -> list[View]:
    """Views of many users with their roles read in one query (lists never query per row)."""
    from desktop.models import DirectoryRoleAssignment

    order = ["global_admin", "cloud_app_admin", "app_admin"]
    roles: dict[int, list[str]] = {u.id: [] for u in users}
    if users:
        for row in DirectoryRoleAssignment.select().where(
                DirectoryRoleAssignment.user.in_(list(roles))):
            roles[row.user_id].append(row.role)
    return [user_view(u, sorted(roles[u.id], key=order.index)) for u in users]


def user_view(user: User, roles: list[str] | None = None) -> View:
    return {
        "upn": user.upn,
        "name": user.display_name,
        "mail": user.mail,
        "department": user.department,
        "license": user.license,
        "roles": roles if roles is not None else roles_of(user),
        "enabled": bool(user.enabled),
    }


def role_view(role: AppRole) -> View:
    return {
        "value": role.value,
        "name": role.display_name,
        "user_assignable": bool(role.user_assignable),
        "enabled": bool(role.enabled),
    }


def settings_of(app: Application) -> SelfServiceSettings | None:
    return SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)


def application_view(app: Application) -> View:
    settings = settings_of(app)
    roles = AppRole.select().where(AppRole.application == app).order_by(AppRole.value)
    return {
        "id": app.id,
        "name": app.name,
        "publisher": app.publisher,
        "origin": app.origin,
        "sso": app.sso_mode,
        "public_client": bool(app.public_client_flows),
        "hidden": bool(app.hidden),
        "self_service": bool(settings and settings.enabled),
        "roles": [role_view(r) for r in roles],
    }


def approver_upns(settings: SelfServiceSettings | None) -> list[str]:
    if settings is None:
        return []
    rows = (
        SelfServiceApprover.select(SelfServiceApprover, User)
        .join(User)
        .where(SelfServiceApprover.settings == settings)
        .order_by(SelfServiceApprover.position, SelfServiceApprover.id)
    )
    return [row.user.upn for row in rows]


_UNSET: Any = object()


def request_view(req: AccessRequest, decider_upn: str | None = _UNSET) -> View:
    """`decider_upn` may be given by a listing that looked deciders up in one query."""
    if decider_upn is _UNSET:
        decider = User.get_or_none(User.id == req.decided_by_id) if req.decided_by_id else None
        decider_upn = decider.upn if decider else None
    return {
        "id": req.id,
        "app": req.application.name,
        "requester": req.requester.upn,
        "status": req.status,
        "justification": req.justification,
        "created_at": iso(req.created_at),
        "decided_by": decider_upn,
        "decided_at": iso(req.decided_at),
        "reason": req.reason,
    }


def group_view(group: Group) -> View:
    members = GroupMember.select().where(GroupMember.group == group).count()
    return {
        "id": group.id,
        "name": group.name,
        "on_prem_synced": bool(group.on_prem_synced),
        "dynamic": bool(group.dynamic),
        "security_enabled": bool(group.security_enabled),
        "mail_enabled": bool(group.mail_enabled),
        "members": members,
    }
