"""The JSON shapes of ARCHITECTURE.md, built once for the CLI, exports and windows alike."""

from __future__ import annotations

from typing import Any

from desktop.models import (
    AccessRequest,
    Application,
    AppRole,
    Group,
    GroupMember,
    SelfServiceSettings,
    User,
)

from .core import ids_in, iso
from .policy import approvers_of
from .rights import ROLE_NAMES, roles_of

View = dict[str, Any]


def with_warnings(view: View, *found: str | None) -> View:
    """The view with "warnings" for the person (validators.mixed_scripts) when there are any:
    the command line prints them on stderr, a window shows them; nothing was refused."""
    said = [warning for warning in found if warning]
    return {**view, "warnings": said} if said else view


def group_views(groups: list[Group]) -> list[View]:
    """Views of many groups with their member counts read in one query."""
    import peewee as pw

    counts: dict[int, int] = {}
    if groups:
        for row in (GroupMember.select(GroupMember.group, pw.fn.COUNT(GroupMember.id).alias("n"))
                    .where(GroupMember.group.in_([g.id for g in groups]))
                    .group_by(GroupMember.group)):
            counts[row.group_id] = row.n
    return [group_view(g, counts.get(g.id, 0)) for g in groups]


def user_views(users: list[User]) -> list[View]:
    """Views of many users with their roles read in one query (lists never query per row)."""
    from desktop.models import DirectoryRoleAssignment

    order = list(ROLE_NAMES)
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
        "user_type": user.user_type,
        "external_user_state": user.external_user_state,
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
    return application_views([app])[0]


def application_views(apps: list[Application]) -> list[View]:
    """Views of many applications with their settings and roles read in two queries."""
    ids = [a.id for a in apps]
    enabled: dict[int, bool] = {}
    roles: dict[int, list[View]] = {i: [] for i in ids}
    if ids:
        for s in SelfServiceSettings.select(SelfServiceSettings.application,
                                            SelfServiceSettings.enabled).where(
                SelfServiceSettings.application.in_(ids)):
            enabled[s.application_id] = bool(s.enabled)
        for r in AppRole.select().where(AppRole.application.in_(ids)).order_by(AppRole.value):
            roles[r.application_id].append(role_view(r))
    return [_application_view(a, enabled.get(a.id, False), roles[a.id]) for a in apps]


def _application_view(app: Application, self_service: bool, roles: list[View]) -> View:
    return {
        "id": app.id,
        "name": app.name,
        "publisher": app.publisher,
        "origin": app.origin,
        "sso": app.sso_mode,
        "public_client": bool(app.public_client_flows),
        "hidden": bool(app.hidden),
        "self_service": self_service,
        "roles": roles,
    }


def approver_upns(settings: SelfServiceSettings | None) -> list[str]:
    return [u.upn for u in approvers_of(settings)] if settings is not None else []


_UNSET: Any = object()


def decider_upns(ids: set[int | None]) -> dict[int | None, str]:
    """The UPNs of these people (who decided, were decided for, requested), one query."""
    known = [i for i in ids if i is not None]
    if not known:
        return {}
    query = User.select(User.id, User.upn).where(ids_in(User.id, known))
    return dict(User._meta.database.execute(query).fetchall())  # the driver's rows as they are


def request_views(requests: list[AccessRequest]) -> list[View]:
    """Views of many requests with their deciders read in one query (the caller's query
    joins each request's application and requester)."""
    deciders = decider_upns({r.decided_by_id for r in requests}
                            | {r.decided_for for r in requests})  # rule 19
    return [request_view(r, deciders.get(r.decided_by_id),
                         deciders.get(r.decided_for) if r.decided_for else None)
            for r in requests]


def request_view(req: AccessRequest, decider_upn: str | None = _UNSET,
                 decided_for_upn: str | None = _UNSET) -> View:
    """`decider_upn` and `decided_for_upn` (rule 19: the away approver a delegate decided
    for) may be given by a listing that looked deciders up in one query."""
    if decider_upn is _UNSET:
        decider = User.get_or_none(User.id == req.decided_by_id) if req.decided_by_id else None
        decider_upn = decider.upn if decider else None
    if decided_for_upn is _UNSET:
        away = User.get_or_none(User.id == req.decided_for) if req.decided_for else None
        decided_for_upn = away.upn if away else None
    return request_view_of(req.id, req.application.name, req.requester.upn, req.status,
                           req.justification, req.created_at, decider_upn, decided_for_upn,
                           req.decided_at, req.reason, req.kind)


def request_view_of(request_id: int, app: str, requester: str, status: str,
                    justification: str | None, created_at: Any, decided_by: str | None,
                    decided_for: str | None, decided_at: Any, reason: str | None,
                    kind: str) -> View:
    """A request's view, the one layout every front end shows and `--json` writes: from a
    request read whole (request_view) or from a long listing's row as the driver gives it
    (times as datetimes, or SQLite's stored text)."""
    return {
        "id": request_id,
        "app": app,
        "requester": requester,
        "status": status,
        "justification": justification,
        "created_at": iso(created_at),
        "decided_by": decided_by,
        "decided_for": decided_for,  # rule 19: the away approver a delegate decided for
        "decided_at": iso(decided_at),
        "reason": reason,
        "kind": kind,  # access | extension (rule 18)
    }


def group_kind(view: View) -> str:
    """What sort of group a group view describes, as one word the command line prints and
    the windows label: synced, dynamic, distribution, mail-security or security."""
    if view.get("on_prem_synced"):
        return "synced"
    if view.get("dynamic"):
        return "dynamic"
    if not view.get("security_enabled"):
        return "distribution"
    if view.get("mail_enabled"):
        return "mail-security"
    return "security"


def group_view(group: Group, members: int | None = None) -> View:
    if members is None:
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
