"""Self-service settings of an application: rules 1-6, 11 and 12, one versioned save."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from desktop.errors import Conflict, NotFound, Refused, UsageError
from desktop.models import (
    Application,
    Assignment,
    EscalationApprover,
    Group,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)

from . import lookup
from .core import audit, iso, now, publish, time_zone, time_zone_name, transaction
from .eligibility import choosable_role, require_assignable_group, require_eligible_approver
from .grants import parse_until
from .policy import (
    MAX_APPROVERS,
    access_lasts_problem,
    approver_problem,
    approvers_of,
    deciders,
    eligible_approvers,
    end_reminder_problem,
    escalation_approvers_of,
    is_password_sso,
    self_service_group_problem,
    unavailable_reason,
    waiting_problem,
)
from .requests import close_requests, close_unapprovable, pending_for_app
from .rights import require_admin
from .views import View, approver_upns

UNSET: Any = object()


def settings_view(app: Application, settings: SelfServiceSettings | None = None) -> View:
    settings = settings or SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)
    why = unavailable_reason(app)
    updated_by = None
    if settings is not None and settings.updated_by_id:
        who = User.get_or_none(User.id == settings.updated_by_id)
        updated_by = who.upn if who else None
    return {
        "app": app.name,
        "available": why is None,
        "unavailable_reason": why[1] if why else None,
        "enabled": bool(settings and settings.enabled),
        "group": _name(settings.group) if settings else None,
        "require_approval": bool(settings and settings.require_approval),
        "approvers": approver_upns(settings),
        "role": settings.role.value if settings and settings.role else None,
        "email_approvers": bool(settings and settings.email_approvers),
        "approver_sets_passwords": bool(settings and settings.approver_sets_passwords),
        # rules 16-18 (None: off)
        "expire_days": settings.expire_days if settings else None,
        "remind_days": settings.remind_days if settings else None,
        "escalate_days": settings.escalate_days if settings else None,
        "escalation_approvers": [u.upn for u in escalation_approvers_of(settings)],
        "reason_to_approve": bool(settings and settings.reason_to_approve),
        "access_days": settings.access_days if settings else None,
        "access_until": (settings.access_until.isoformat()
                         if settings and settings.access_until else None),
        "end_reminder_days": settings.end_reminder_days if settings else 7,
        "version": settings.version if settings else 0,
        "updated_by": updated_by,
        "updated_at": iso(settings.updated_at) if settings else None,
    }


def _name(group: Group | None) -> str | None:
    return group.name if group is not None else None


def show(actor: User, app_name: str) -> View:
    require_admin(actor, "see self-service settings")
    return settings_view(lookup.application(app_name))


def _approver(text: str) -> User:
    """An individual user; a group is refused (rule 4)."""
    user = User.get_or_none(User.upn == text.strip().lower())
    if user is not None:
        return user
    try:
        group = lookup.group(text)
    except NotFound:
        group = None
    if group is not None:
        raise Refused("rule 4", f"{group.name} is a group; approvers are individual users")
    raise NotFound(f"no user {text.strip()!r}")


def update(
    actor: User,
    app_name: str,
    *,
    enabled: bool | None = None,
    group: str | None = None,
    require_approval: bool | None = None,
    add_approvers: Sequence[str] = (),
    remove_approvers: Sequence[str] = (),
    clear_approvers: bool = False,
    role: str | None = UNSET,
    email_approvers: bool | None = None,
    approver_sets_passwords: bool | None = None,
    expire_days: int | None = UNSET,
    remind_days: int | None = UNSET,
    escalate_days: int | None = UNSET,
    add_escalation_approvers: Sequence[str] = (),
    remove_escalation_approvers: Sequence[str] = (),
    clear_escalation_approvers: bool = False,
    reason_to_approve: bool | None = None,
    access_days: int | None = UNSET,
    access_until: dt.date | str | None = UNSET,
    end_reminder_days: int | None = None,
    if_version: int | None = None,
) -> View:
    """Change only what is given; every option given is checked, the whole only while enabled.
    Rules 16-18: `expire_days`, `remind_days`, `escalate_days`, `access_days` and
    `access_until` take None for "off" (access lasts: neither days nor a date is "never";
    setting one clears the other)."""
    governance = (expire_days, remind_days, escalate_days, access_days, access_until)
    # Every option but the on/off switch: an ineligible application accepts none of them.
    others = any((group is not None, require_approval is not None, add_approvers,
                  remove_approvers, clear_approvers, role is not UNSET,
                  email_approvers is not None, approver_sets_passwords is not None,
                  any(v is not UNSET for v in governance), add_escalation_approvers,
                  remove_escalation_approvers, clear_escalation_approvers,
                  reason_to_approve is not None, end_reminder_days is not None))
    if enabled is None and not others:
        raise UsageError("nothing to change: name at least one setting")
    with transaction():
        actor = require_admin(actor, "change self-service settings")  # rule 6
        app = lookup.application(app_name)
        settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)
        if if_version is not None and (settings.version if settings else 0) != if_version:
            view = settings_view(app, settings)
            raise Conflict(
                f"the self-service settings of {app.name} were changed by "
                f"{view['updated_by'] or 'someone'} at {view['updated_at']} "
                f"(version {view['version']}, yours {if_version}); reload and try again"
            )
        only_disabling = enabled is False and not others
        why = unavailable_reason(app)
        if why and not only_disabling:
            raise Refused(*why)  # rules 1-2; turning it off always works
        created = settings is None
        if settings is None:
            settings = SelfServiceSettings.create(application=app)
        before = settings_view(app, settings)
        old_approvers = {u.id for u in approvers_of(settings)}

        if group is not None:
            chosen = lookup.group(group)
            require_assignable_group(chosen)
            settings.group = chosen
        if role is not UNSET:
            settings.role = choosable_role(app, role) if role else None
        if approver_sets_passwords is not None:
            if approver_sets_passwords and not is_password_sso(app):
                raise Refused("rule 12", f"{app.name} does not use password-based single "
                              "sign-on, so approvers cannot set passwords for it")
            settings.approver_sets_passwords = approver_sets_passwords
        if email_approvers is not None:
            settings.email_approvers = email_approvers
        if require_approval is not None:
            settings.require_approval = require_approval
        if enabled is not None:
            settings.enabled = enabled
        _change_approvers(settings, add_approvers, remove_approvers, clear_approvers)
        _change_waiting(settings, expire_days, remind_days, escalate_days, reason_to_approve,
                        add_escalation_approvers, remove_escalation_approvers,
                        clear_escalation_approvers)
        _change_duration(settings, access_days, access_until, end_reminder_days)

        if settings.enabled:
            _check_whole(app, settings)
        after_preview = settings_view(app, settings)
        changed = {k: [before[k], after_preview[k]] for k in after_preview
                   if k not in ("version", "updated_by", "updated_at")
                   and before[k] != after_preview[k]}
        if not changed:
            if created:  # asking for what is already so leaves no trace
                settings.delete_instance()
            return before
        settings.version = settings.version + 1
        settings.updated_by = actor
        settings.updated_at = now()
        settings.save()
        if settings.enabled and settings.group is not None:
            _assign_group(app, settings.group)
        audit(actor, "selfservice.update", app.name, changed, application_id=app.id)
        _close_stranded(actor, app, before, settings, old_approvers)
        publish("settings", app.id)
        return settings_view(app, settings)


def _change_approvers(settings: SelfServiceSettings, add: Sequence[str], remove: Sequence[str],
                      clear: bool) -> None:
    if clear:
        SelfServiceApprover.delete().where(SelfServiceApprover.settings == settings).execute()
    for text in remove:
        user = _approver(text)
        gone = SelfServiceApprover.delete().where(
            (SelfServiceApprover.settings == settings) & (SelfServiceApprover.user == user)
        ).execute()
        if not gone and not clear:
            raise NotFound(f"{user.upn} is not an approver of this application")
    current = {u.id for u in approvers_of(settings)}
    position = len(current)
    for text in add:
        newcomer = _approver_to_add(text, current)
        if newcomer is None:
            continue
        SelfServiceApprover.create(settings=settings, user=newcomer, position=position)
        current.add(newcomer.id)
        position += 1


def _approver_to_add(text: str, current: set[int], what: str = "approvers",
                     rule: str = "rule 4") -> User | None:
    """Rule 4 for one more approver (or escalation approver, rule 17): an eligible
    individual, at most ten (None: listed)."""
    user = _approver(text)
    require_eligible_approver(user)
    if user.id in current:
        return None
    if len(current) >= MAX_APPROVERS:
        raise Refused(rule, f"at most {MAX_APPROVERS} {what}; {user.upn} would be "
                      f"number {len(current) + 1}")
    return user


def _change_waiting(settings: SelfServiceSettings, expire: Any, remind: Any, escalate: Any,
                    reason_to_approve: bool | None, add: Sequence[str], remove: Sequence[str],
                    clear: bool) -> None:
    """Rules 16-17: the waiting times (checked together), the escalation approvers (checked
    as approvers are, rule 4) and "approvers must give a reason to approve"."""
    if expire is not UNSET:
        settings.expire_days = expire
    if remind is not UNSET:
        settings.remind_days = remind
    if escalate is not UNSET:
        settings.escalate_days = escalate
    if any(v is not UNSET for v in (expire, remind, escalate)):
        why = waiting_problem(settings.expire_days, settings.remind_days, settings.escalate_days)
        if why:
            raise Refused(*why)
    if reason_to_approve is not None:
        settings.reason_to_approve = reason_to_approve
    if clear:
        EscalationApprover.delete().where(EscalationApprover.settings == settings).execute()
    for text in remove:
        user = _approver(text)
        gone = EscalationApprover.delete().where(
            (EscalationApprover.settings == settings) & (EscalationApprover.user == user)
        ).execute()
        if not gone and not clear:
            raise NotFound(f"{user.upn} is not an escalation approver of this application")
    current = {u.id for u in escalation_approvers_of(settings)}
    position = len(current)
    for text in add:
        newcomer = _approver_to_add(text, current, "escalation approvers", "rule 17")
        if newcomer is None:
            continue
        EscalationApprover.create(settings=settings, user=newcomer, position=position)
        current.add(newcomer.id)
        position += 1


def _change_duration(settings: SelfServiceSettings, days: Any, until: Any,
                     end_reminder_days: int | None) -> None:
    """Rule 18's settings: "Access lasts" N days or until a date (one clears the other; both
    None: never), and how early the user is reminded. New grants only."""
    if days is not UNSET or until is not UNSET:
        day = None if until is UNSET or until is None else parse_until(until)
        chosen = None if days is UNSET else days
        today = now().replace(tzinfo=dt.UTC).astimezone(time_zone()).date()
        why = access_lasts_problem(chosen, day, today)
        if why:
            raise Refused("rule 18", why)
        settings.access_days, settings.access_until = chosen, day
    if end_reminder_days is not None:
        why = end_reminder_problem(end_reminder_days)
        if why:
            raise Refused("rule 18", why)
        settings.end_reminder_days = end_reminder_days



def _check_whole(app: Application, settings: SelfServiceSettings) -> None:
    if settings.group is None:
        raise Refused("rule 3", f"self-service for {app.name} needs a group that approved users "
                      "are added to")
    require_assignable_group(settings.group)
    if settings.require_approval and not eligible_approvers(settings):
        raise Refused("rule 4", "requiring approval needs at least one approver who is enabled "
                      "and holds a P1 or P2 license (at most 10)")
    if settings.approver_sets_passwords and not is_password_sso(app):
        raise Refused("rule 12", f"{app.name} does not use password-based single sign-on")
    if (settings.escalate_days and settings.require_approval
            and not deciders(escalation_approvers_of(settings))):
        raise Refused("rule 17", f"escalating after {settings.escalate_days} days needs at "
                      "least one escalation approver who is enabled and holds a P1 or P2 "
                      "license (at most 10)")


def _assign_group(app: Application, group: Group) -> None:
    """Rule 3: the group gets default access; the role goes to each user directly (rule 8)."""
    exists = Assignment.select().where(
        (Assignment.application == app) & (Assignment.group == group)
    ).exists()
    if not exists:
        Assignment.create(application=app, group=group, role=None, created_at=now())
        publish("access", app.id)


def _close_stranded(actor: User, app: Application, before: View, settings: SelfServiceSettings,
                    old_approvers: set[int]) -> None:
    """Rule 11: no pending request is left without a way to be decided."""
    if before["enabled"] and not settings.enabled:
        close_requests(pending_for_app(app.id),
                       f"self-service for {app.name} was turned off", actor)
    elif before["require_approval"] and not settings.require_approval:
        close_requests(pending_for_app(app.id),
                       f"{app.name} no longer needs approval; request it again to get it at once",
                       actor)
    elif {u.id for u in approvers_of(settings)} != old_approvers:
        close_unapprovable([app.id], actor)


def approver_count(app: Application) -> int:
    settings = SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)
    return len(approvers_of(settings)) if settings else 0


def group_choices(actor: User, search: str | None = None, *, limit: int | None = None,
                  offset: int = 0, sort: str | None = None) -> list[View]:
    """Groups for "Select group", each saying why it cannot receive self-service users (rule 3)."""
    from .directory import group_page
    from .views import group_kind, group_views

    require_admin(actor, "choose a self-service group")
    groups = list(group_page(actor, search, limit=limit, offset=offset, sort=sort))
    rows = []
    for g, view in zip(groups, group_views(groups), strict=True):
        why = self_service_group_problem(g)
        rows.append(dict(view, kind=group_kind(view), unavailable_reason=(
            f"{g.name} cannot receive self-service users because {why} (rule 3)" if why
            else None)))
    return rows


def approver_choices(actor: User, search: str | None = None, *, limit: int | None = None,
                     offset: int = 0, sort: str | None = None) -> list[View]:
    """People for "Select approvers", each saying why he cannot approve (rule 4), or None."""
    from .directory import user_page
    from .views import user_views

    require_admin(actor, "choose approvers")
    users = list(user_page(actor, search, limit=limit, offset=offset, sort=sort))
    rows = []
    for u, view in zip(users, user_views(users), strict=True):
        problem = approver_problem(u)
        rows.append(dict(view, unavailable_reason=(
            f"{problem} and cannot be an approver (rule 4)" if problem else None)))
    return rows


def role_choices(actor: User, app_name: str) -> list[View]:
    """The application's roles for "Select role", each saying why it cannot be chosen (rule 5)."""
    from desktop.models import AppRole

    from .views import role_view

    require_admin(actor, "choose a self-service role")
    app = lookup.application(app_name)
    rows = []
    for role in AppRole.select().where(AppRole.application == app).order_by(AppRole.value):
        try:
            choosable_role(app, role.value)
            why = None
        except Refused as exc:
            why = str(exc)
        rows.append(dict(role_view(role), unavailable_reason=why))
    return rows


def editor_view(actor: User, app_name: str) -> View:
    """What the Admin console's Self-service page shows: the settings, the approvers with
    their names, the roles to choose from (rule 5), the SSO mode and whether approvers may
    be allowed to set passwords (rule 12)."""
    from .directory import display_names

    view = show(actor, app_name)
    app = lookup.application(app_name)
    names = display_names(actor, view["approvers"] + view["escalation_approvers"])
    return dict(view, approver_people=[{"upn": upn, "name": names.get(upn, upn)}
                                       for upn in view["approvers"]],
                escalation_people=[{"upn": upn, "name": names.get(upn, upn)}
                                   for upn in view["escalation_approvers"]],
                roles=role_choices(actor, app_name), sso=app.sso_mode,
                password_sso=is_password_sso(app), time_zone=time_zone_name())


def check_approvers(actor: User, upns: Sequence[str]) -> None:
    """Check a proposed approver list before saving it (rule 4): individuals, eligible, <= 10."""
    require_admin(actor, "choose approvers")
    seen: set[int] = set()
    for text in upns:
        user = _approver_to_add(text, seen)
        if user is not None:
            seen.add(user.id)
