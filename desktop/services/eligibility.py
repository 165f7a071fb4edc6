"""Rules 1-5 as refusals: the services' checks that raise, each over one predicate of policy."""

from __future__ import annotations

from desktop.errors import NotFound, Refused
from desktop.models import Application, AppRole, Group, User

from .policy import (
    MAX_APPROVERS,
    ORIGIN_LABELS,
    approver_problem,
    approvers_of,
    apps_with_access,
    available_sql,
    eligible_approvers,
    has_access,
    role_problem,
    self_service_group_problem,
    unavailable_reason,
)

# The predicates that lived here before policy.py, still importable from here.
__all__ = ["MAX_APPROVERS", "ORIGIN_LABELS", "approver_problem", "approvers_of",
           "apps_with_access", "available_sql", "choosable_role", "eligible_approvers",
           "has_access", "require_assignable_group", "require_available",
           "require_eligible_approver", "unavailable_reason"]


def require_available(app: Application) -> None:
    """Rules 1-2 (``policy.unavailable_reason``)."""
    reason = unavailable_reason(app)
    if reason:
        raise Refused(*reason)


def require_assignable_group(group: Group) -> None:
    """Rule 3 (``policy.self_service_group_problem``)."""
    why = self_service_group_problem(group)
    if why:
        raise Refused(
            "rule 3",
            f"{group.name} cannot receive self-service users because {why}; choose a cloud "
            "security group whose members are added by hand",
        )


def require_eligible_approver(user: User) -> None:
    """Rule 4 (``policy.approver_problem``)."""
    problem = approver_problem(user)
    if problem:
        raise Refused("rule 4", f"{problem} and cannot be an approver")


def choosable_role(app: Application, value: str) -> AppRole:
    """Rule 5 (``policy.role_problem``): an enabled role of this application that can be
    assigned to users."""
    roles = list(AppRole.select().where(AppRole.application == app))
    if not roles:
        raise Refused("rule 5", f"{app.name} exposes no roles")
    role = next((r for r in roles if r.value.lower() == value.lower()), None)
    if role is None:
        known = ", ".join(sorted(r.value for r in roles))
        raise NotFound(f"{app.name} has no role {value!r} (its roles: {known})")
    problem = role_problem(app, role)
    if problem:
        raise Refused("rule 5", problem)
    return role
