"""Each rule of SPEC.md decided in one function: predicates, and the SQL lists build on them.

Every service, view and picker asks here; nobody restates a condition. A predicate takes
model instances (or, where a window holds only a view, the view); a ``*_sql`` or
``*_subquery`` function gives the same condition as a peewee expression or sub-select, so a
list keeps one query per page (IN / EXISTS sub-selects, never a check per row in Python).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import peewee as pw

from desktop.errors import Refused
from desktop.models import (
    ADMIN_ROLES,
    SELF_SERVICE_ORIGINS,
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)

ADMINISTRATORS = "Global, Cloud Application or Application Administrator"
LICENSED = ("p1", "p2")
MAX_APPROVERS = 10
PASSWORD_SSO = "password"
ORIGIN_LABELS = {
    "gallery": "the gallery",
    "app_proxy": "an application proxy",
    "consent": "user or admin consent",
    "custom": "a custom (non-gallery) registration",
}


def _flag(obj: Any, name: str) -> bool:
    """A field of a model instance or of its view (a window holds views, not models)."""
    return bool(obj[name] if isinstance(obj, Mapping) else getattr(obj, name))


# --- the rights table ----------------------------------------------------------------------


def is_admin_role(roles: set[str] | frozenset[str]) -> bool:
    """Rights table: these directory roles make an administrator (Global, Cloud Application
    or Application Administrator)."""
    return bool(set(roles) & ADMIN_ROLES)


def is_global_admin_role(roles: set[str] | frozenset[str]) -> bool:
    """Rights table: these directory roles make a Global Administrator."""
    return "global_admin" in roles


def is_admin(user: User) -> bool:
    """Rights table: applications, groups, self-service settings, access, any request, the
    audit log, exports and SMTP are for administrators."""
    return DirectoryRoleAssignment.select().where(
        (DirectoryRoleAssignment.user == user)
        & DirectoryRoleAssignment.role.in_(sorted(ADMIN_ROLES))).exists()


def is_global_admin(user: User) -> bool:
    """Rights table: users, licenses, directory roles, other people's passwords and imports
    are for Global Administrators."""
    return DirectoryRoleAssignment.select().where(
        (DirectoryRoleAssignment.user == user)
        & (DirectoryRoleAssignment.role == "global_admin")).exists()


def window_kinds(user: User) -> dict[str, str | None]:
    """Rights table, for the windows: kind -> None when this person may open it, else why
    not. My Apps is anyone's; Approvals is a listed approver's; the Admin console is an
    administrator's."""
    return {
        "admin": None if is_admin(user) else
        f"only a {ADMINISTRATORS} may open the Admin console (rights table)",
        "myapps": None,
        "approvals": None if is_approver_anywhere(user) else
        f"{user.upn} is not an approver of any application",
    }


# --- rules 1-2: which applications may offer self-service ------------------------------------


def unavailable_reason(app: Application) -> tuple[str, str] | None:
    """Rules 1-2: (rule, why) self-service cannot be offered for this application, or None.
    Public client flows (rule 2), hidden (rule 1), an origin other than the gallery, an
    application proxy or consent (rule 1)."""
    if app.public_client_flows:
        return (
            "rule 2",
            f"{app.name}'s registration allows public client flows, so it has no self-service "
            "settings; turn public client flows off in the application's properties "
            "(Authentication > Allow public client flows) to use self-service",
        )
    if app.hidden:
        return (
            "rule 1",
            f"{app.name} is hidden from users; show it in the application's properties "
            "to offer it for self-service",
        )
    if app.origin not in SELF_SERVICE_ORIGINS:
        return (
            "rule 1",
            f"{app.name} was added as {ORIGIN_LABELS.get(app.origin, app.origin)}; self-service "
            "is available only for applications from the gallery, an application proxy, or "
            "user or admin consent",
        )
    return None


def available_sql() -> Any:
    """Rules 1-2 as a SQL condition on Application: what ``unavailable_reason`` lets through
    (no public client flows, not hidden, an origin that may offer self-service)."""
    return (~Application.public_client_flows & ~Application.hidden
            & Application.origin.in_(sorted(SELF_SERVICE_ORIGINS)))


def is_offered(app: Application, settings: SelfServiceSettings | None) -> bool:
    """Rule 1: offered for self-service (in the catalog, requestable): switched on, and
    eligible (rules 1-2)."""
    return bool(settings is not None and settings.enabled and unavailable_reason(app) is None)


def offered_sql() -> Any:
    """Rule 1 as SQL, for a query joining SelfServiceSettings: ``is_offered``."""
    return SelfServiceSettings.enabled & available_sql()


# --- rule 3: groups ---------------------------------------------------------------------------


def members_editable_reason(group: Group | Mapping[str, Any]) -> str | None:
    """Rule 3: why this group's members cannot be added or removed by hand (synchronized from
    on-premises, or dynamic membership), or None. Takes a group or its view."""
    if _flag(group, "on_prem_synced"):
        return "it is synchronized from on-premises"
    if _flag(group, "dynamic"):
        return "its membership is dynamic"
    return None


def members_editable(group: Group | Mapping[str, Any]) -> bool:
    """Rule 3: members of this group are added and removed by hand here."""
    return members_editable_reason(group) is None


def self_service_group_problem(group: Group | Mapping[str, Any]) -> str | None:
    """Rule 3: why self-service cannot add members to this group, or None: it must be a cloud
    security group whose members are added by hand (not a distribution list, not
    mail-enabled)."""
    why = members_editable_reason(group)
    if why:
        return why
    if not _flag(group, "security_enabled"):
        return "it is a distribution list"
    if _flag(group, "mail_enabled"):
        return "it is a mail-enabled group"
    return None


# --- rule 7: licenses -------------------------------------------------------------------------


def is_licensed(user: User | Mapping[str, Any]) -> bool:
    """Rule 7: a Microsoft Entra ID P1 or P2 license, needed to request and to approve."""
    license = user["license"] if isinstance(user, Mapping) else user.license
    return license in LICENSED


def licensed_sql() -> Any:
    """Rule 7 as a SQL condition on User: ``is_licensed``."""
    return User.license.in_(list(LICENSED))


# --- rule 4 and the rights table: approvers ---------------------------------------------------


def approver_problem(user: User) -> str | None:
    """Rule 4: why this person cannot approve (disabled, no P1/P2 license), or None."""
    if not user.enabled:
        return f"{user.upn} is disabled"
    if not is_licensed(user):
        return f"{user.upn} has no Microsoft Entra ID P1 or P2 license"
    return None


def approvers_of(settings: SelfServiceSettings | None) -> list[User]:
    """Rule 4: the listed approvers of these settings, in their order, eligible or not (who
    may decide now: ``eligible_approvers``)."""
    if settings is None:
        return []
    rows = (
        SelfServiceApprover.select(SelfServiceApprover, User)
        .join(User)
        .where(SelfServiceApprover.settings == settings)
        .order_by(SelfServiceApprover.position, SelfServiceApprover.id)
    )
    return [r.user for r in rows]


def deciders(listed: Iterable[User], excluding: User | None = None) -> list[User]:
    """Rule 4: of these listed approvers, the ones who may decide now (enabled, licensed),
    never the requester (``excluding``). For a caller that read the list already (a page of
    the catalog); else ``eligible_approvers``."""
    return [u for u in listed
            if approver_problem(u) is None and (excluding is None or u.id != excluding.id)]


def eligible_approvers(settings: SelfServiceSettings, excluding: User | None = None
                       ) -> list[User]:
    """Rule 4: the listed approvers who may decide now (enabled, licensed), never the
    requester (``excluding``); rule 14 notifies them."""
    return deciders(approvers_of(settings), excluding)


def can_be_decided(settings: SelfServiceSettings, requester: User) -> bool:
    """Rules 4 and 11: someone other than the requester could decide his request (refused when
    made, closed when it stops being so)."""
    return bool(eligible_approvers(settings, excluding=requester))


def no_approver_reason(app: Application, settings: SelfServiceSettings, requester: User,
                       listed: list[User] | None = None) -> str | None:
    """Rule 4: why nobody could decide this person's request for the application (approval
    is required and no listed approver but him is enabled and licensed), or None. The
    catalog shows it and the request is refused with it. ``listed``: the application's
    approvers, when the caller read them already (``approvers_of``)."""
    if not settings.require_approval:
        return None
    listed = approvers_of(settings) if listed is None else listed
    if deciders(listed, excluding=requester):
        return None
    if any(u.id == requester.id for u in listed) and approver_problem(requester) is None:
        why = "you are its only approver, and nobody decides his own request"
    elif listed:
        why = "its approvers are disabled or have no P1 or P2 license"
    else:
        why = "none is listed"
    return (f"no approver is available for {app.name}: {why}; "
            "ask an administrator to add an approver")


def approver_apps_subquery(user: User) -> pw.ModelSelect[Any]:
    """Rights table: the application ids this person is a listed approver of (a sub-select)."""
    return (SelfServiceSettings.select(SelfServiceSettings.application)
            .join(SelfServiceApprover)
            .where(SelfServiceApprover.user == user))


def is_listed_approver(user: User, app: Application | int) -> bool:
    """Rights table: this person is on the application's approver list (whether he may decide
    now is ``approver_problem``)."""
    return SelfServiceApprover.select().join(SelfServiceSettings).where(
        (SelfServiceSettings.application == app) & (SelfServiceApprover.user == user)
    ).exists()


def is_approver_anywhere(user: User) -> bool:
    """Rights table: on at least one application's approver list (the Approvals window)."""
    return SelfServiceApprover.select().where(SelfServiceApprover.user == user).exists()


def to_approve_sql(user: User) -> Any:
    """Rights table and rule 4, as SQL on AccessRequest: requests for applications this
    person approves, never his own (the Approvals lists, its badge and the tray's)."""
    return (AccessRequest.application.in_(approver_apps_subquery(user))
            & (AccessRequest.requester != user))


def may_see_request(user: User, req: AccessRequest) -> bool:
    """Rights table: a request is seen by its requester, an administrator, and the
    application's approvers."""
    return (req.requester_id == user.id or is_admin(user)
            or is_listed_approver(user, req.application_id))


# --- rule 5: roles ------------------------------------------------------------------------------


def role_problem(app: Application, role: AppRole) -> str | None:
    """Rule 5: why this role of the application cannot be chosen (disabled, or assignable to
    applications only), or None."""
    if not role.enabled:
        return f"the role {role.value} of {app.name} is disabled"
    if not role.user_assignable:
        return f"the role {role.value} of {app.name} can be assigned to applications only"
    return None


# --- rule 9: access and open requests ---------------------------------------------------------


def _my_groups(user: User) -> pw.ModelSelect[Any]:
    return GroupMember.select(GroupMember.group).where(GroupMember.user == user)


def access_subquery(user: User) -> pw.ModelSelect[Any]:
    """Rule 9 as a sub-select of application ids this person has access to: assigned directly,
    or a member of a group assigned to the application (My Apps' list)."""
    return Assignment.select(Assignment.application).where(
        (Assignment.user == user) | Assignment.group.in_(_my_groups(user)))


def has_access(user: User, app: Application | int) -> bool:
    """Rule 9: assigned directly, or a member of a group assigned to the application."""
    direct = Assignment.select().where(
        (Assignment.application == app) & (Assignment.user == user))
    if direct.exists():
        return True
    via_group = (
        Assignment.select()
        .join(GroupMember, on=(GroupMember.group == Assignment.group))
        .where((Assignment.application == app) & (GroupMember.user == user))
    )
    return bool(via_group.exists())


def apps_with_access(user: User, app_ids: list[int]) -> set[int]:
    """Rule 9 for a page of applications: which of these the person has access to (two
    queries, whatever the page's length)."""
    if not app_ids:
        return set()
    direct = Assignment.select(Assignment.application).where(
        Assignment.application.in_(app_ids) & (Assignment.user == user))
    via_group = (
        Assignment.select(Assignment.application)
        .join(GroupMember, on=(GroupMember.group == Assignment.group))
        .where(Assignment.application.in_(app_ids) & (GroupMember.user == user))
    )
    return {a.application_id for a in direct} | {a.application_id for a in via_group}


def access_holders_subquery(app: Application | int) -> Any:
    """Rule 9 the other way round, as a SQL condition on User: the people with access to this
    application (assigned directly or through a group)."""
    in_groups = Assignment.select(Assignment.group).where(
        (Assignment.application == app) & Assignment.group.is_null(False))
    member_ids = GroupMember.select(GroupMember.user).where(GroupMember.group.in_(in_groups))
    direct_ids = Assignment.select(Assignment.user).where(
        (Assignment.application == app) & Assignment.user.is_null(False))
    return User.id.in_(member_ids) | User.id.in_(direct_ids)


def open_request(user: User, app: Application | int) -> AccessRequest | None:
    """Rule 9: this person's open (pending) request for the application, or None; he may have
    only one."""
    return AccessRequest.get_or_none(
        (AccessRequest.application == app) & (AccessRequest.requester == user)
        & (AccessRequest.status == "pending"))


def apps_with_open_request(user: User, app_ids: list[int]) -> set[int]:
    """Rule 9 for a page of applications: which of these the person has an open request for."""
    if not app_ids:
        return set()
    return {
        r.application_id
        for r in AccessRequest.select(AccessRequest.application).where(
            (AccessRequest.requester == user) & (AccessRequest.status == "pending")
            & AccessRequest.application.in_(app_ids))
    }


def request_state(user: User, offered: bool, pending: bool, owned: bool,
                  no_approver: str | None = None) -> str:
    """Rules 7, 9 and 4: what requesting an application means for this person, as the
    catalog and the request preview show it: license_required, unavailable, requested,
    owned, no_approver (``no_approver``: ``no_approver_reason``'s answer) or requestable;
    in the order the request's own checks refuse it."""
    if not is_licensed(user):
        return "license_required"
    if not offered:
        return "unavailable"
    if pending:
        return "requested"
    if owned:
        return "owned"
    if no_approver:
        return "no_approver"
    return "requestable"


# --- rule 10 ------------------------------------------------------------------------------------


def may_cancel(user: User, req: AccessRequest) -> bool:
    """Rule 10: only the requester cancels his request."""
    return bool(req.requester_id == user.id)


# --- rule 12: password single sign-on -----------------------------------------------------------


def is_password_sso(app: Application | Mapping[str, Any] | str) -> bool:
    """Rule 12: the application uses password-based single sign-on, the only kind whose
    approvers may be allowed to set sign-in details. Takes an application, its view, or the
    SSO mode itself."""
    if isinstance(app, str):
        mode = app
    elif isinstance(app, Mapping):
        mode = app["sso"]
    else:
        mode = app.sso_mode
    return mode == PASSWORD_SSO


def password_sso_sql() -> Any:
    """Rule 12 as a SQL condition on Application: ``is_password_sso``."""
    return Application.sso_mode == PASSWORD_SSO


def password_manager_apps_sql(user: User) -> Any:
    """Rule 12 and the rights table as SQL, for a query joining SelfServiceSettings: the
    password-SSO applications whose administrator allowed approvers to set sign-in details
    and of which this person is a listed approver (that he may approve: ``approver_problem``)."""
    return (Application.id.in_(approver_apps_subquery(user))
            & SelfServiceSettings.approver_sets_passwords & password_sso_sql())


def may_copy_credentials(user: User, app: Application | int) -> bool:
    """Rule 12: a person copies his own sign-in details for as long as he has access."""
    return has_access(user, app)


# --- trainer tools ------------------------------------------------------------------------------


def require_demo(what: str = "scenarios", database: str | None = None) -> None:
    """Demo only: trainer tools (scenarios, resets, handouts, init --demo --reset) change the
    directory wholesale, so they run on a demo database and never on a real one."""
    from .core import is_demo

    if not is_demo():
        where = f"{database} is not a demo database" if database else "not a demo database"
        raise Refused("demo only", f"{where}: {what} work only on the demo directory "
                      "(access-desk init --demo); this database holds a real directory and "
                      "was not changed")
