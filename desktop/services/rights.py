"""The rights table of SPEC.md as refusals: who acts, and the checks that raise (see policy)."""

from __future__ import annotations

import peewee as pw

from desktop.errors import NotSignedIn, Refused
from desktop.models import DirectoryRoleAssignment, User

from .policy import (
    ADMINISTRATORS,
    is_admin,
    is_admin_role,
    is_approver_anywhere,
    is_global_admin,
    is_global_admin_role,
    is_licensed,
)

ROLE_NAMES = {
    "global_admin": "Global Administrator",
    "cloud_app_admin": "Cloud Application Administrator",
    "app_admin": "Application Administrator",
}
__all__ = ["ADMINISTRATORS", "ROLE_NAMES", "fresh", "fresh_with_roles", "is_admin",
           "is_approver_anywhere", "is_global_admin", "require_admin", "require_global_admin",
           "require_license", "roles_of"]


def roles_of(user: User) -> list[str]:
    rows = DirectoryRoleAssignment.select(DirectoryRoleAssignment.role).where(
        DirectoryRoleAssignment.user == user
    )
    order = list(ROLE_NAMES)
    return sorted((r.role for r in rows), key=order.index)


def fresh(actor: User) -> User:
    """Re-read the acting user inside the transaction: he may have been disabled meanwhile."""
    current = User.get_or_none(User.id == actor.id)
    if current is None or not current.enabled:
        raise NotSignedIn("your account is disabled or no longer exists; sign in again")
    return current


def fresh_with_roles(actor: User) -> tuple[User, set[str]]:
    """The acting user re-read (as ``fresh``) with his directory roles, in one query: the
    lists check this at every page they read, i.e. at every keystroke of a search."""
    rows = list(User.select(User, DirectoryRoleAssignment.role)
                .join(DirectoryRoleAssignment, on=(DirectoryRoleAssignment.user == User.id),
                      join_type=pw.JOIN.LEFT_OUTER)
                .where(User.id == actor.id).objects())
    if not rows or not rows[0].enabled:
        raise NotSignedIn("your account is disabled or no longer exists; sign in again")
    return rows[0], {row.role for row in rows if row.role}


def require_admin(actor: User, doing: str) -> User:
    """Applications, groups, self-service settings, access, requests, audit, SMTP."""
    actor, roles = fresh_with_roles(actor)
    if not is_admin_role(roles):
        raise Refused(
            "rights table", f"only a {ADMINISTRATORS} may {doing}"
        )
    return actor


def require_global_admin(actor: User, doing: str) -> User:
    """Users, licenses, directory roles, other people's passwords, import; rotating a key
    (the audit signing key, the data key)."""
    actor, roles = fresh_with_roles(actor)
    if not is_global_admin_role(roles):
        raise Refused("rights table", f"only a Global Administrator may {doing}")
    return actor


def require_license(user: User, doing: str) -> None:
    if not is_licensed(user):
        raise Refused(
            "rule 7",
            f"a Microsoft Entra ID P1 or P2 license is required to {doing}; "
            f"{user.upn} has none",
        )
