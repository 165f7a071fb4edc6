"""People and groups: adding, changing, disabling (rule 15), licenses (rules 7, 11), members."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import peewee as pw

from desktop.errors import Conflict, NotFound, Refused, UsageError
from desktop.models import (
    DIRECTORY_ROLES,
    LICENSES,
    USER_TYPES,
    AccessRequest,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.models.base import new_guid
from desktop.models.search import user_match

from . import lookup, validators
from .core import after_by_name, audit, now, publish, rows_read, sort_order, transaction
from .passwords import check_strength, hash_password
from .policy import is_licensed, members_editable
from .requests import apps_approved_by, close_requests, close_unapprovable
from .rights import fresh, is_admin, require_admin, require_global_admin
from .views import View, group_view, group_views, user_view, user_views, with_warnings

_KEEP: Any = object()


def _check_license(license: str) -> str:
    if license not in LICENSES:
        raise UsageError(f"unknown license {license!r}; one of {', '.join(LICENSES)}")
    return license


def _check_roles(roles: Sequence[str]) -> list[str]:
    bad = [r for r in roles if r not in DIRECTORY_ROLES]
    if bad:
        raise UsageError(f"unknown role {bad[0]!r}; one of {', '.join(DIRECTORY_ROLES)}")
    return sorted(set(roles), key=list(DIRECTORY_ROLES).index)


def add_user(
    actor: User,
    upn: str,
    name: str,
    *,
    mail: str | None = None,
    department: str | None = None,
    job_title: str | None = None,
    license: str = "none",
    roles: Sequence[str] = (),
    enabled: bool = True,
    password: str | None = None,
    graph_id: str | None = None,
    user_type: str = "member",
    external_user_state: str | None = None,
) -> View:
    """A guest (user_type "guest") is added like anyone: the rules look at his license only.
    The view's "warnings" (a name mixing scripts) are for the person; the user is added."""
    upn = validators.upn(upn)
    name = validators.name(name, "the display name", "a user needs a display name")
    mail, department, job_title = _texts(mail, department, job_title)
    license = _check_license(license)
    if user_type not in USER_TYPES:
        raise UsageError(f"unknown user type {user_type!r}; one of {', '.join(USER_TYPES)}")
    roles = _check_roles(roles)
    if password is not None:
        check_strength(password)
    with transaction():
        actor = require_global_admin(actor, "add users")
        if User.select().where(User.upn == upn).exists():
            raise Conflict(f"a user {upn} already exists")
        user = User.create(
            upn=upn, display_name=name, mail=mail, department=department,
            job_title=job_title, license=license, enabled=enabled, user_type=user_type,
            external_user_state=external_user_state, graph_id=graph_id or new_guid(),
            password_hash=hash_password(password) if password else None, created_at=now(),
        )
        for role in roles:
            DirectoryRoleAssignment.create(user=user, role=role)
        details = {"name": user.display_name, "license": license, "roles": roles,
                   "enabled": enabled}
        if user_type != "member":
            details["user_type"] = user_type
        audit(actor, "user.add", upn, details)
        publish("directory", user.id)
        return with_warnings(user_view(user), validators.mixed_scripts(name, "the display name"))


def _texts(mail: Any, department: Any, job_title: Any) -> tuple[Any, Any, Any]:
    """A user's optional texts checked (validators.text); _KEEP stays _KEEP."""
    checked = [value if value is _KEEP else validators.text(value, what) for value, what in (
        (mail, "the e-mail address"), (department, "the department"),
        (job_title, "the job title"))]
    return checked[0], checked[1], checked[2]


def update_user(
    actor: User,
    upn: str,
    *,
    name: str | None = None,
    mail: Any = _KEEP,
    department: Any = _KEEP,
    job_title: Any = _KEEP,
    license: str | None = None,
    enabled: bool | None = None,
    roles: Sequence[str] | None = None,
) -> View:
    """Change what is given. Disabling (rule 15) and losing a license (rule 11) close requests.
    An empty name keeps the name; the view's "warnings" are as add_user's."""
    if name is not None:
        name = validators.text(name, "the display name")
    mail, department, job_title = _texts(mail, department, job_title)
    if license is not None:
        _check_license(license)
    if roles is not None:
        roles = _check_roles(roles)
    with transaction():
        actor = require_global_admin(actor, "change users")
        user = lookup.user(upn)
        before = user_view(user)
        changes: dict[str, Any] = {}
        if name is not None and name != user.display_name:
            changes["display_name"] = name
        for field, value in (("mail", mail), ("department", department),
                             ("job_title", job_title)):
            if value is not _KEEP and value != getattr(user, field):
                changes[field] = value
        if license is not None and license != user.license:
            changes["license"] = license
        if enabled is not None and enabled != user.enabled:
            if not enabled and user.id == actor.id:
                raise Refused("rights table", "you cannot disable your own account")
            changes["enabled"] = enabled
        if changes:
            User.update(**changes).where(User.id == user.id).execute()
        if roles is not None and roles != before["roles"]:
            if user.id == actor.id and "global_admin" not in roles:
                raise Refused("rights table",
                              "you cannot take the Global Administrator role from yourself")
            DirectoryRoleAssignment.delete().where(DirectoryRoleAssignment.user == user).execute()
            for role in roles:
                DirectoryRoleAssignment.create(user=user, role=role)
        user = User.get_by_id(user.id)
        after = user_view(user)
        warned = validators.mixed_scripts(changes.get("display_name"), "the display name")
        if after == before and "job_title" not in changes:
            return with_warnings(after, warned)
        audit(actor, "user.update", user.upn,
              {k: [before[k], after[k]] for k in after if before[k] != after[k]})
        if changes.get("enabled") is False:
            _on_disabled(actor, user)
        elif "license" in changes and not is_licensed(user):
            _on_license_lost(actor, user)
        publish("directory", user.id)
        return with_warnings(after, warned)


def _own_pending(user: User) -> list[AccessRequest]:
    return list(AccessRequest.select().where(
        (AccessRequest.requester == user) & (AccessRequest.status == "pending")
    ))


def _on_disabled(actor: User, user: User) -> None:
    """Rule 15: history and access stay; his requests close and he leaves approver lists.
    Every device he is signed in on is signed out."""
    from . import sessions

    sessions.revoke_all(user.id, "account disabled")
    close_requests(_own_pending(user), f"the account {user.upn} was disabled", actor)
    app_ids = apps_approved_by(user)
    if app_ids:
        SelfServiceApprover.delete().where(SelfServiceApprover.user == user).execute()
        # The approver lists changed: an editor holding the old version must reload.
        SelfServiceSettings.update(
            version=SelfServiceSettings.version + 1, updated_by=actor, updated_at=now()
        ).where(SelfServiceSettings.application.in_(app_ids)).execute()
        audit(actor, "selfservice.remove_approver", user.upn,
              {"reason": "account disabled", "application_ids": sorted(app_ids)})
        publish("settings")
    close_unapprovable(app_ids, actor)


def _on_license_lost(actor: User, user: User) -> None:
    close_requests(
        _own_pending(user),
        f"{user.upn} no longer has a Microsoft Entra ID P1 or P2 license", actor,
    )
    close_unapprovable(apps_approved_by(user), actor)


def get_user(actor: User, upn: str) -> View:
    actor = fresh(actor)
    user = lookup.user(upn)
    if user.id != actor.id and not is_admin(actor):
        raise Refused("rights table", "only administrators may look at other people")
    return user_view(user)


def display_names(actor: User, upns: Sequence[str]) -> dict[str, str]:
    """Display names of the given people, in one query (a form showing ten approvers)."""
    require_admin(actor, "look at other people")
    wanted = [upn.lower() for upn in upns]
    if not wanted:
        return {}
    rows = User.select(User.upn, User.display_name).where(User.upn.in_(wanted))
    return {row.upn: row.display_name for row in rows}


def user_query(actor: User, search: str | None = None, *,
               first: int | None = None) -> pw.ModelSelect[Any]:
    """People matching the search. ``first``: see ``search.user_match``."""
    require_admin(actor, "list the directory's users")
    query = User.select()
    if search and search.strip():
        query = query.where(user_match(search, first))
    return query


USER_SORTS: dict[str, Any] = {
    "upn": User.upn,
    "name": pw.fn.LOWER(User.display_name),
    "mail": User.mail,
    "department": pw.fn.LOWER(User.department),
    "license": User.license,
    "enabled": User.enabled,
    "user_type": User.user_type,
}


def user_page(actor: User, search: str | None = None, *, limit: int | None = None,
              offset: int = 0, sort: str | None = None,
              after: str | None = None) -> pw.ModelSelect[Any]:
    """One page of people in a list's order: the Users list and the approver picker.
    `after`: the UPN the previous page ended with (the default order only), so a deep page
    costs what the first does."""
    order = sort_order(sort, USER_SORTS, [User.upn], User.id)
    if after is not None:
        if sort not in (None, "upn"):
            raise UsageError("after pages the default order (by UPN); leave out sort")
        query = user_query(actor, search).where(User.upn > after.strip().lower())
        query = query.order_by(*order).offset(offset)
    else:
        first = rows_read(sort, "upn", limit, offset)
        query = user_query(actor, search, first=first).order_by(*order).offset(offset)
    return query.limit(limit) if limit is not None else query


def list_users(actor: User, search: str | None = None, *, limit: int | None = None,
               offset: int = 0, sort: str | None = None, after: str | None = None) -> list[View]:
    query = user_page(actor, search, limit=limit, offset=offset, sort=sort, after=after)
    # Plain records, not model instances: the Users page asks at every keystroke of a search.
    return user_views([SimpleNamespace(**r) for r in query.dicts()])  # type: ignore[misc]


# --- groups --------------------------------------------------------------------------------


def add_group(
    actor: User,
    name: str,
    *,
    description: str | None = None,
    on_prem_synced: bool = False,
    dynamic: bool = False,
    distribution: bool = False,
    mail_enabled: bool = False,
    graph_id: str | None = None,
) -> View:
    name = validators.name(name, "the group name", "a group needs a name")
    description = validators.text(description, "the description", cap=validators.MAX_DESCRIPTION,
                                  lines=True)
    if distribution and mail_enabled:
        raise UsageError("choose one of distribution list and mail-enabled security group")
    with transaction():
        actor = require_admin(actor, "add groups")
        if Group.select().where(pw.fn.LOWER(Group.name) == name.lower()).exists():
            raise Conflict(f"a group named {name!r} already exists")
        group = Group.create(
            name=name, description=description, on_prem_synced=on_prem_synced, dynamic=dynamic,
            security_enabled=not distribution, mail_enabled=distribution or mail_enabled,
            graph_id=graph_id or new_guid(), created_at=now(),
        )
        view = group_view(group)
        audit(actor, "group.add", name, {k: v for k, v in view.items() if k != "members"})
        publish("directory", group.id)
        return with_warnings(view, validators.mixed_scripts(name, "the group name"))


def _require_hand_managed(group: Group) -> None:
    """Rule 3 (``policy.members_editable``), saying where the members are changed instead."""
    if members_editable(group):
        return
    if group.on_prem_synced:
        raise Refused("rule 3", f"{group.name} is synchronized from on-premises; "
                      "change its members there")
    raise Refused("rule 3", f"{group.name} has dynamic membership; its rule decides its members")


def add_member(actor: User, group_name: str, upn: str) -> View:
    with transaction():
        actor = require_admin(actor, "change group members")
        group = lookup.group(group_name)
        user = lookup.user(upn)
        _require_hand_managed(group)
        if GroupMember.select().where(
            (GroupMember.group == group) & (GroupMember.user == user)
        ).exists():
            raise Conflict(f"{user.upn} is already a member of {group.name}")
        GroupMember.create(group=group, user=user, source="manual", added_by=actor,
                           added_at=now())
        audit(actor, "group.add_member", group.name, {"user": user.upn})
        publish("directory", group.id)
        publish("access")
        return group_view(group)


def remove_member(actor: User, group_name: str, upn: str) -> View:
    with transaction():
        actor = require_admin(actor, "change group members")
        group = lookup.group(group_name)
        user = lookup.user(upn)
        _require_hand_managed(group)
        removed = GroupMember.delete().where(
            (GroupMember.group == group) & (GroupMember.user == user)
        ).execute()
        if not removed:
            raise NotFound(f"{user.upn} is not a member of {group.name}")
        audit(actor, "group.remove_member", group.name, {"user": user.upn})
        publish("directory", group.id)
        publish("access")
        return group_view(group)


def group_query(actor: User, search: str | None = None) -> pw.ModelSelect[Any]:
    require_admin(actor, "list groups")
    query = Group.select()
    if search and search.strip():
        query = query.where(pw.fn.LOWER(Group.name).contains(search.strip().lower()))
    return query


GROUP_SORTS: dict[str, Any] = {
    "id": Group.id,
    "name": pw.fn.LOWER(Group.name),
    "on_prem_synced": Group.on_prem_synced,
    "dynamic": Group.dynamic,
    "security_enabled": Group.security_enabled,
    "mail_enabled": Group.mail_enabled,
}


def group_page(actor: User, search: str | None = None, *, limit: int | None = None,
               offset: int = 0, sort: str | None = None,
               after: int | None = None) -> pw.ModelSelect[Any]:
    """One page of groups in a list's order: the Groups list and the group picker."""
    order = sort_order(sort, GROUP_SORTS, [pw.fn.LOWER(Group.name)], Group.id)
    query = after_by_name(group_query(actor, search), Group, after, sort)
    query = query.order_by(*order).offset(offset)
    return query.limit(limit) if limit is not None else query


def list_groups(actor: User, search: str | None = None, *, limit: int | None = None,
                offset: int = 0, sort: str | None = None,
                after: int | None = None) -> list[View]:
    return group_views(list(group_page(actor, search, limit=limit, offset=offset, sort=sort,
                                       after=after)))


def list_members(actor: User, group_name: str, *, limit: int | None = None,
                 offset: int = 0) -> list[View]:
    require_admin(actor, "list group members")
    group = lookup.group(group_name)
    query = (User.select().join(GroupMember, on=(GroupMember.user == User.id))
             .where(GroupMember.group == group).order_by(User.upn).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return user_views(list(query))


def whoami(actor: User) -> View:
    return user_view(fresh(actor))
