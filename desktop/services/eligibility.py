"""Rules 1-5 as plain functions: which applications, groups, approvers and roles qualify."""

from __future__ import annotations

from desktop.errors import NotFound, Refused
from desktop.models import (
    SELF_SERVICE_ORIGINS,
    Application,
    AppRole,
    Assignment,
    Group,
    GroupMember,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)

MAX_APPROVERS = 10

ORIGIN_LABELS = {
    "gallery": "the gallery",
    "app_proxy": "an application proxy",
    "consent": "user or admin consent",
    "custom": "a custom (non-gallery) registration",
}


def unavailable_reason(app: Application) -> tuple[str, str] | None:
    """(rule, why) self-service cannot be offered for this application, or None (rules 1-2)."""
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


def require_available(app: Application) -> None:
    reason = unavailable_reason(app)
    if reason:
        raise Refused(*reason)


def require_assignable_group(group: Group) -> None:
    """Rule 3: a cloud security group whose members can be added by hand."""
    why = group.assignable_reason()
    if why:
        raise Refused(
            "rule 3",
            f"{group.name} cannot receive self-service users because {why}; choose a cloud "
            "security group whose members are added by hand",
        )


def approver_problem(user: User) -> str | None:
    """Why this person cannot approve (rule 4), or None."""
    if not user.enabled:
        return f"{user.upn} is disabled"
    if not user.licensed:
        return f"{user.upn} has no Microsoft Entra ID P1 or P2 license"
    return None


def require_eligible_approver(user: User) -> None:
    problem = approver_problem(user)
    if problem:
        raise Refused("rule 4", f"{problem} and cannot be an approver")


def approvers_of(settings: SelfServiceSettings) -> list[User]:
    rows = (
        SelfServiceApprover.select(SelfServiceApprover, User)
        .join(User)
        .where(SelfServiceApprover.settings == settings)
        .order_by(SelfServiceApprover.position, SelfServiceApprover.id)
    )
    return [r.user for r in rows]


def eligible_approvers(settings: SelfServiceSettings, excluding: User | None = None) -> list[User]:
    return [
        u for u in approvers_of(settings)
        if approver_problem(u) is None and (excluding is None or u.id != excluding.id)
    ]


def choosable_role(app: Application, value: str) -> AppRole:
    """Rule 5: an enabled role of this application that can be assigned to users."""
    roles = list(AppRole.select().where(AppRole.application == app))
    if not roles:
        raise Refused("rule 5", f"{app.name} exposes no roles")
    role = next((r for r in roles if r.value.lower() == value.lower()), None)
    if role is None:
        known = ", ".join(sorted(r.value for r in roles))
        raise NotFound(f"{app.name} has no role {value!r} (its roles: {known})")
    if not role.enabled:
        raise Refused("rule 5", f"the role {role.value} of {app.name} is disabled")
    if not role.user_assignable:
        raise Refused(
            "rule 5", f"the role {role.value} of {app.name} can be assigned to applications only"
        )
    return role


def apps_with_access(user: User, app_ids: list[int]) -> set[int]:
    """Which of these applications the user has access to (rule 9), in two queries."""
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


def has_access(user: User, app: Application) -> bool:
    """Assigned directly, or a member of a group assigned to the application (rule 9)."""
    direct = Assignment.select().where(
        (Assignment.application == app) & (Assignment.user == user)
    )
    if direct.exists():
        return True
    via_group = (
        Assignment.select()
        .join(GroupMember, on=(GroupMember.group == Assignment.group))
        .where((Assignment.application == app) & (GroupMember.user == user))
    )
    return via_group.exists()
