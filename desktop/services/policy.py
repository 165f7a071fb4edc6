"""Each rule of SPEC.md decided in one function: predicates, and the SQL lists build on them.

Every service, view and picker asks here; nobody restates a condition. A predicate takes
model instances (or, where a window holds only a view, the view); a ``*_sql`` or
``*_subquery`` function gives the same condition as a peewee expression or sub-select, so a
list keeps one query per page (IN / EXISTS sub-selects, never a check per row in Python).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import peewee as pw

from desktop.errors import Refused
from desktop.models import (
    ADMIN_ROLES,
    SELF_SERVICE_ORIGINS,
    AccessGrant,
    AccessRequest,
    AccessReview,
    Application,
    AppRole,
    Assignment,
    DirectoryRoleAssignment,
    Group,
    GroupMember,
    ReviewItem,
    ReviewReviewer,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)

from . import validators

ADMINISTRATORS = "Global, Cloud Application or Application Administrator"
LICENSED = ("p1", "p2")
MAX_APPROVERS = validators.MAX_APPROVERS  # rule 4
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
        "approvals": None if is_approver_anywhere(user) or reviews_now(user) else
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
    """Rights table: on at least one application's approver list, or escalation approver list
    (rule 17), or standing in for an approver who is away now (rule 19) (the Approvals
    window)."""
    return is_listed_anywhere(user) or is_delegate_now(user)


def to_approve_sql(user: User, at: dt.datetime | None = None) -> Any:
    """Rights table and rules 4, 17 and 19, as SQL on AccessRequest: requests for applications
    this person approves, escalated requests of applications he is an escalation approver of,
    and requests of applications whose approver he stands in for while that one is away (at
    `at`, now by default); never his own (the Approvals lists, its badge and the tray's).
    The applications are read first (``deciding``, a few small queries) and named in the
    condition, so the (application_id, status) index serves it."""
    return deciding(user, None, at).sql(user)


def may_see_request(user: User, req: AccessRequest) -> bool:
    """Rights table: a request is seen by its requester, an administrator, and those who may
    decide it (``may_decide``)."""
    return req.requester_id == user.id or is_admin(user) or may_decide(user, req)


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


# --- rule 18: time-bound access -----------------------------------------------------------------


def is_time_bound(settings: SelfServiceSettings | None) -> bool:
    """Rule 18: access given now ends ("Access lasts" N days, or until a date)."""
    return bool(settings is not None and (settings.access_days or settings.access_until))


def end_of_date(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """Rule 18's "until a date": the instant that date ends in the directory's time zone, as
    naive UTC (as every instant is stored)."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return midnight.astimezone(dt.UTC).replace(tzinfo=None)


def grant_ends_at(settings: SelfServiceSettings, start: dt.datetime, zone: dt.tzinfo
                  ) -> dt.datetime | None:
    """Rule 18: when access granted at `start` ends (N days of 24 hours later, or the end of
    the date in the directory's time zone), or None when it does not."""
    if settings.access_days:
        return start + dt.timedelta(days=settings.access_days)
    if settings.access_until:
        return end_of_date(settings.access_until, zone)
    return None


def extended_end(settings: SelfServiceSettings, ends_at: dt.datetime, now: dt.datetime,
                 zone: dt.tzinfo) -> dt.datetime | None:
    """Rule 18: where an approved extension moves a grant's end: the application's duration
    from the current end (or from now, if later); for "until a date", that date's end when it
    is later. None when the application's duration would not move it."""
    if settings.access_days:
        return max(ends_at, now) + dt.timedelta(days=settings.access_days)
    if settings.access_until:
        end = end_of_date(settings.access_until, zone)
        return end if end > ends_at else None
    return None


def active_grant(user: User, app: Application | int) -> AccessGrant | None:
    """Rule 18: this person's time-bound access to the application that has not ended."""
    return AccessGrant.get_or_none(
        (AccessGrant.application == app) & (AccessGrant.user == user)
        & AccessGrant.ended_at.is_null())


def extension_problem(app: Application, settings: SelfServiceSettings | None,
                      grant: AccessGrant | None, now: dt.datetime, zone: dt.tzinfo
                      ) -> str | None:
    """Rule 18: why this person cannot ask to extend his access (he holds none that ends, or
    the application's duration would not move its end), or None."""
    if grant is None:
        return f"your access to {app.name} does not end, so there is nothing to extend"
    if settings is None or not is_time_bound(settings):
        return (f"access to {app.name} is no longer time-bound; ask an administrator to "
                "extend yours")
    if extended_end(settings, grant.ends_at, now, zone) is None:
        until = settings.access_until.isoformat() if settings.access_until else "a date"
        return (f"access to {app.name} lasts until {until} for everyone, and yours ends "
                "then already; ask an administrator to extend it")
    return None


def reminder_due(grant: AccessGrant, days: int | None, now: dt.datetime) -> bool:
    """Rule 18: the "ends soon" notice is due (from `days` before the end until the end),
    and not sent yet."""
    return bool(days and grant.reminded_at is None and grant.ended_at is None
                and grant.ends_at - dt.timedelta(days=days) <= now < grant.ends_at)


def grant_over(grant: AccessGrant, now: dt.datetime) -> bool:
    """Rule 18: the grant's end has come (at `ends_at`, not a second before)."""
    return bool(grant.ended_at is None and now >= grant.ends_at)


def grants_due_sql(now: dt.datetime, longest_reminder: int) -> Any:
    """Rule 18 as SQL on AccessGrant: not ended, and over or within the longest reminder
    period of their end (``grant_over``, ``reminder_due`` decide each)."""
    return (AccessGrant.ended_at.is_null()
            & (AccessGrant.ends_at <= now + dt.timedelta(days=longest_reminder))
            & ((AccessGrant.ends_at <= now) | AccessGrant.reminded_at.is_null()))


# --- rules 16-17: requests that wait (time-out, reminders, escalation) -----------------------

MAX_WAIT_DAYS = 90  # rule 16: "expire after N days", 1-90
MAX_ACCESS_DAYS = 3650  # rule 18: "access lasts N days", 1-3650
MAX_END_REMINDER_DAYS = 90  # rule 18: remind the user this many days before the end
EXPIRED_REASON = ("nobody decided it within {days} days, so it expired; you may ask again")


def waiting_problem(expire: int | None, remind: int | None, escalate: int | None
                    ) -> tuple[str, str] | None:
    """Rules 16-17: why these waiting times do not go together (expiry 1-90 days, a reminder
    1 <= M < N, escalation 1 <= E < N; with no expiry, M and E are 1-90), as (rule,
    sentence), or None."""
    if expire is not None and not 1 <= expire <= MAX_WAIT_DAYS:
        return ("rule 16", f"pending requests expire after 1 to {MAX_WAIT_DAYS} days, "
                f"not {expire}")
    for rule, what, days in (("rule 16", "reminding approvers", remind),
                             ("rule 17", "escalating", escalate)):
        if days is None:
            continue
        if not 1 <= days <= MAX_WAIT_DAYS:
            return (rule, f"{what} happens after 1 to {MAX_WAIT_DAYS} days, not {days}")
        if expire is not None and days >= expire:
            return (rule, f"{what} after {days} days comes too late: pending requests expire "
                    f"after {expire} days, so choose fewer than {expire}")
    return None


def request_deadlines(settings: SelfServiceSettings, created: dt.datetime
                      ) -> dict[str, dt.datetime | None]:
    """Rules 16-17: a request's deadlines, fixed when it is made (24-hour days from then;
    None where the setting is off or approval is not required)."""
    def after(days: int | None) -> dt.datetime | None:
        if days is None or not settings.require_approval:
            return None
        return created + dt.timedelta(days=days)

    return {"expires_at": after(settings.expire_days), "remind_at": after(settings.remind_days),
            "escalate_at": after(settings.escalate_days)}


def escalation_approvers_of(settings: SelfServiceSettings | None) -> list[User]:
    """Rule 17: the listed escalation approvers, in their order, eligible or not."""
    if settings is None:
        return []
    from desktop.models import EscalationApprover

    rows = (EscalationApprover.select(EscalationApprover, User).join(User)
            .where(EscalationApprover.settings == settings)
            .order_by(EscalationApprover.position, EscalationApprover.id))
    return [r.user for r in rows]


def escalation_apps_subquery(user: User) -> pw.ModelSelect[Any]:
    """Rule 17: the application ids this person is an escalation approver of (a sub-select)."""
    from desktop.models import EscalationApprover

    return (SelfServiceSettings.select(SelfServiceSettings.application)
            .join(EscalationApprover)
            .where(EscalationApprover.user == user))


class Deciding:
    """Rights table and rules 17 and 19 for one person over several applications, read at
    once (``deciding``): those he approves, those he is an escalation approver of, and, for
    each application whose approver is away, the approver he stands in for."""

    def __init__(self, listed: set[int], escalation: set[int], stands_in: dict[int, User]
                 ) -> None:
        self.listed, self.escalation, self.stands_in = listed, escalation, stands_in

    def himself(self, req: AccessRequest) -> bool:
        """He decides the request as its approver, or as an escalation approver once it is
        escalated (rule 17)."""
        return req.application_id in self.listed or (
            req.escalated_at is not None and req.application_id in self.escalation)

    def decides_for(self, req: AccessRequest) -> User | None:
        """Rule 19: the away approver he stands in for on this request's application."""
        return self.stands_in.get(req.application_id)

    def may(self, req: AccessRequest) -> bool:
        return self.himself(req) or self.decides_for(req) is not None

    def standing_in_for(self, req: AccessRequest) -> User | None:
        return None if self.himself(req) else self.decides_for(req)

    def every_request(self) -> list[int]:
        """The applications all of whose requests he may decide (as their approver, or
        standing in for one, rule 19), in id order."""
        return sorted(self.listed | set(self.stands_in))

    def escalated_only(self) -> list[int]:
        """The applications of which he may decide the escalated requests only (rule 17)."""
        return sorted(self.escalation - self.listed - set(self.stands_in))

    def applications(self) -> list[int]:
        """Every application some of whose requests he may decide, in id order."""
        return sorted(self.listed | self.escalation | set(self.stands_in))

    def sql(self, user: User, app_id: int | None = None) -> Any:
        """``may`` as SQL on AccessRequest, never the person's own requests (rule 4): the
        applications named in IN lists (``every_request``, ``escalated_only``); `app_id`:
        of that application's requests only (a list read one application at a time)."""
        every, escalated = self.every_request(), self.escalated_only()
        if app_id is not None:
            every = [a for a in every if a == app_id]
            escalated = [a for a in escalated if a == app_id]
        # One IN list over all of them, the escalated ones' condition beside it (an OR of
        # two IN lists is not read from one index).
        condition = AccessRequest.application.in_(sorted(every + escalated))
        if escalated:
            condition &= (AccessRequest.escalated_at.is_null(False)
                          | AccessRequest.application.in_(every))
        return condition & (AccessRequest.requester != user)


def deciding(user: User, app_ids: Iterable[int] | None, at: dt.datetime | None = None
             ) -> Deciding:
    """Rights table and rules 17 and 19: how this person may decide the requests of these
    applications (None: of every application) at `at` (now by default), in three queries
    however many there are (a batch of decisions reads it once; a list of the requests he
    may decide, ``to_approve_sql``, names the applications it finds)."""
    def among(query: pw.ModelSelect[Any], ids: list[int] | None) -> pw.ModelSelect[Any]:
        return query if ids is None else query.where(SelfServiceSettings.application.in_(ids))

    wanted = None if app_ids is None else list(app_ids)
    listed = {r.application_id for r in among(approver_apps_subquery(user), wanted)}
    # Only the others need the other two queries.
    others = None if wanted is None else [a for a in wanted if a not in listed]
    if others == []:
        return Deciding(listed, set(), {})
    escalation = {r.application_id
                  for r in among(escalation_apps_subquery(user), others)} - listed
    stands_in: dict[int, User] = {}
    rows = among(
        SelfServiceApprover.select(SelfServiceApprover.id, SelfServiceSettings.application,
                                   User.id, User.upn, User.display_name)
        .join(SelfServiceSettings).switch(SelfServiceApprover).join(User)
        .where(SelfServiceApprover.user.in_(delegators_subquery(user, _at(at))))
        .order_by(SelfServiceApprover.position, SelfServiceApprover.id), others)
    for row in rows:  # the first listed away approver of each application
        if row.settings.application_id not in listed:
            stands_in.setdefault(row.settings.application_id, row.user)
    return Deciding(listed, escalation, stands_in)


def may_decide(user: User, req: AccessRequest) -> bool:
    """Rights table and rules 17 and 19: the application's approvers decide its requests;
    once a request is escalated, its escalation approvers too; while an approver is away, his
    delegate (``decides_for``) (whether he may decide now, licensed and enabled, is
    ``approver_problem``). Many at once: ``deciding``."""
    return deciding(user, [req.application_id]).may(req)


def standing_in_for(user: User, req: AccessRequest, at: dt.datetime | None = None
                    ) -> User | None:
    """Rule 19: the away approver this person decides the request for (recorded as the
    request's ``decided_for``), or None when he decides it as its approver himself."""
    return deciding(user, [req.application_id], at).standing_in_for(req)


def reason_to_approve_problem(settings: SelfServiceSettings | None, app: Application,
                              reason: str | None) -> str | None:
    """Rule 17: "approvers must give a reason to approve" and none was given, or None."""
    if settings is not None and settings.reason_to_approve and not reason:
        return f"approving a request for {app.name} needs a reason"
    return None


def access_lasts_problem(days: int | None, until: dt.date | None, today: dt.date
                         ) -> str | None:
    """Rule 18's setting: N days (1-3650) or until a date after today, not both; or None."""
    if days is not None and until is not None:
        return "access lasts either a number of days or until a date, not both"
    if days is not None and not 1 <= days <= MAX_ACCESS_DAYS:
        return f"access lasts 1 to {MAX_ACCESS_DAYS} days, not {days}"
    if until is not None and until <= today:
        return f"access cannot last until {until.isoformat()}: that date is not in the future"
    return None


def end_reminder_problem(days: int) -> str | None:
    """Rule 18: the user is reminded 1 to 90 days before his access ends."""
    if not 1 <= days <= MAX_END_REMINDER_DAYS:
        return (f"the reminder before access ends comes 1 to {MAX_END_REMINDER_DAYS} days "
                f"early, not {days}")
    return None


# --- rule 19: approvers who are away, and their delegates ----------------------------------------


def _at(at: dt.datetime | None) -> dt.datetime:
    from .core import now

    return now() if at is None else at


def away_sql(at: dt.datetime) -> Any:
    """Rule 19 as SQL on AwayPeriod: the periods under way at `at` (from its start, until
    its end: away at ``starts_at``, back at ``ends_at``)."""
    from desktop.models import AwayPeriod

    return (AwayPeriod.starts_at <= at) & (AwayPeriod.ends_at > at)


def away_period(user: User | int, at: dt.datetime | None = None) -> Any:
    """Rule 19: the period this person is away at `at` (now by default), or None."""
    from desktop.models import AwayPeriod

    return (AwayPeriod.select().where((AwayPeriod.user == user) & away_sql(_at(at)))
            .order_by(AwayPeriod.ends_at.desc()).first())


def is_away(user: User | int, at: dt.datetime | None = None) -> bool:
    """Rule 19: away at `at` (no reminders, no e-mail; still an eligible approver, rule 11)."""
    return away_period(user, at) is not None


def is_listed_anywhere(user: User) -> bool:
    """Rights table (rule 19): on an approver or escalation approver list, so he may set
    himself away."""
    from desktop.models import EscalationApprover

    return bool(SelfServiceApprover.select().where(SelfServiceApprover.user == user).exists()
                or EscalationApprover.select().where(EscalationApprover.user == user).exists())


def may_set_away(actor: User, user: User, actor_is_admin: bool) -> str | None:
    """Rule 19 and the governance rights table: why `actor` may not set `user` away (an
    approver sets himself; an administrator anyone), or None."""
    if actor_is_admin:
        return None
    if actor.id != user.id:
        return (f"only {user.upn} himself or a {ADMINISTRATORS} may say when {user.upn} is "
                "away")
    if not is_listed_anywhere(user):
        return f"{user.upn} is not an approver of any application, so has nobody to stand in"
    return None


def away_period_problem(starts: dt.datetime, ends: dt.datetime, now: dt.datetime
                        ) -> str | None:
    """Rule 19: a period away ends after it starts, and not in the past."""
    if ends <= starts:
        return "the period away must end after it starts"
    if ends <= now:
        return "that period away is over already; choose dates to come"
    return None


def delegate_problem(user: User, delegate: User, starts: dt.datetime, ends: dt.datetime
                     ) -> str | None:
    """Rule 19: why this person cannot stand in for `user` from `starts` to `ends` (himself,
    disabled, unlicensed, or away himself during that time), or None. (Never the requester:
    nobody decides his own request, rule 4.)"""
    from desktop.models import AwayPeriod

    if delegate.id == user.id:
        return f"{user.upn} cannot stand in for himself; choose somebody else"
    problem = approver_problem(delegate)
    if problem:
        return f"{problem}, so cannot decide requests"
    clash = (AwayPeriod.select().where(
        (AwayPeriod.user == delegate) & (AwayPeriod.starts_at < ends)
        & (AwayPeriod.ends_at > starts)).order_by(AwayPeriod.starts_at).first())
    if clash is not None:
        return (f"{delegate.upn} is away himself from {clash.starts_at:%Y-%m-%d} to "
                f"{clash.ends_at:%Y-%m-%d}; choose somebody who is here")
    return None


def delegators_subquery(user: User, at: dt.datetime) -> Any:
    """Rule 19: the ids of the people away at `at` for whom this person stands in."""
    from desktop.models import AwayPeriod

    return AwayPeriod.select(AwayPeriod.user).where((AwayPeriod.delegate == user)
                                                    & away_sql(at))


def decides_for(user: User, req: AccessRequest, at: dt.datetime | None = None) -> User | None:
    """Rule 19: the away approver of the request's application this person stands in for at
    `at` (the first listed), or None (then he decides as himself, or not at all)."""
    return deciding(user, [req.application_id], at).decides_for(req)


def is_delegate_now(user: User, at: dt.datetime | None = None) -> bool:
    """Rule 19: this person stands in for somebody away now (the Approvals window is his)."""
    from desktop.models import AwayPeriod

    return bool(AwayPeriod.select().where((AwayPeriod.delegate == user)
                                          & away_sql(_at(at))).exists())


def reachable(people: Iterable[User], at: dt.datetime, excluding: User | None = None,
              delegates: bool = True) -> list[User]:
    """Rule 19: whom to tell instead of these eligible approvers at `at`: those who are here,
    and for each one away, his delegate (when the delegate may decide: enabled, licensed,
    not `excluding`, the requester; `delegates` False: nobody, as for escalation approvers,
    whose delegates do not stand in); nobody twice."""
    from desktop.models import AwayPeriod

    people = list(people)
    away = {p.user_id: p for p in AwayPeriod.select().where(
        AwayPeriod.user.in_([u.id for u in people]) & away_sql(at))}
    told: list[User] = []
    for person in people:
        period = away.get(person.id)
        if period is None:
            chosen: User | None = person
        elif period.delegate_id is None or not delegates:
            chosen = None
        else:
            stand_in: User = period.delegate  # type: ignore[assignment]
            chosen = None if (approver_problem(stand_in) or (
                excluding is not None and stand_in.id == excluding.id)) else stand_in
        if chosen is not None and all(chosen.id != t.id for t in told):
            told.append(chosen)
    return told


def nobody_available(settings: SelfServiceSettings, at: dt.datetime) -> bool:
    """Rule 19: the application has eligible approvers, all away at `at`, and none of them
    left a delegate who may decide (the administrators are told; nothing is closed)."""
    listed = deciders(approvers_of(settings))
    return bool(listed) and not reachable(listed, at)


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


# --- rule 20: access reviews ---------------------------------------------------------------------

REVIEW_RECURRENCES = ("monthly", "quarterly", "yearly")
REVIEW_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
REVIEW_DECISIONS = ("keep", "remove")
UNREVIEWED_CHOICES = ("keep", "remove")
MAX_REVIEW_DAYS = 365  # a review lasts 1 to 365 days
MAX_REVIEWERS = MAX_APPROVERS  # named reviewers, as approvers (rule 4)


def review_setup_problem(ends_at: dt.datetime, now: dt.datetime, unreviewed: str,
                         recurrence: str | None) -> str | None:
    """Rule 20: a review ends after it starts and within a year; the unreviewed are kept or
    removed; it recurs monthly, quarterly, yearly or not at all."""
    if ends_at <= now:
        return "a review must end in the future"
    if ends_at - now > dt.timedelta(days=MAX_REVIEW_DAYS):
        return f"a review lasts at most {MAX_REVIEW_DAYS} days"
    if unreviewed not in UNREVIEWED_CHOICES:
        return f"people nobody reviewed are kept or removed, not {unreviewed!r}"
    if recurrence is not None and recurrence not in REVIEW_RECURRENCES:
        return f"a review recurs monthly, quarterly or yearly, not {recurrence!r}"
    return None


def reviewer_problem(user: User) -> str | None:
    """Rule 20: a named reviewer is an enabled individual."""
    if not user.enabled:
        return f"{user.upn} is disabled and cannot review"
    return None


def review_holders_sql(app: Application | int, settings: SelfServiceSettings | None) -> Any:
    """Rule 20 (and 13), as a condition on User: who holds the application's self-service
    access: members of its self-service group, and people it assigned directly on a request."""
    direct = Assignment.select(Assignment.user).where(
        (Assignment.application == app) & Assignment.user.is_null(False)
        & Assignment.via_request.is_null(False))
    condition = User.id.in_(direct)
    if settings is not None and settings.group_id is not None:
        members = GroupMember.select(GroupMember.user).where(
            GroupMember.group == settings.group_id)
        condition = condition | User.id.in_(members)
    return condition


def reviewers_of(review: AccessReview) -> list[User]:
    """Rule 20: the review's reviewers now: the application's enabled approvers, or the
    enabled people named when it started."""
    if review.reviewers == "named":
        people = [r.user for r in ReviewReviewer.select(ReviewReviewer, User).join(User)
                  .where(ReviewReviewer.review == review)]
    else:
        settings = SelfServiceSettings.get_or_none(
            SelfServiceSettings.application == review.application_id)
        people = approvers_of(settings)
    return [u for u in people if u.enabled]


def is_reviewer(user: User, review: AccessReview) -> bool:
    """Rule 20: whether this person is one of the review's reviewers."""
    return any(u.id == user.id for u in reviewers_of(review))


def reviews_of_sql(user: User) -> Any:
    """Rule 20 as SQL on AccessReview: the reviews this person reviews (named in it, or an
    approver of its application when its reviewers are the approvers)."""
    named = ReviewReviewer.select(ReviewReviewer.review).where(ReviewReviewer.user == user)
    approves = (SelfServiceSettings.select(SelfServiceSettings.application)
                .join(SelfServiceApprover)
                .where(SelfServiceApprover.user == user))
    if not user.enabled:
        return AccessReview.id.is_null()  # nobody disabled reviews
    return (((AccessReview.reviewers == "named") & AccessReview.id.in_(named))
            | ((AccessReview.reviewers == "approvers")
               & AccessReview.application.in_(approves)))


def reviews_now(user: User) -> bool:
    """Rule 20: he reviews an active review (the Approvals window opens for him)."""
    return bool(AccessReview.select().where(
        (AccessReview.status == "active") & reviews_of_sql(user)).exists())


def review_open(review: AccessReview, now: dt.datetime) -> bool:
    """Rule 20: decisions may be made and changed until the review's end."""
    return bool(review.status == "active" and now < review.ends_at)


def review_over(review: AccessReview, now: dt.datetime) -> bool:
    """Rule 20: the review's end has come (at `ends_at`, not a second before)."""
    return bool(review.status == "active" and now >= review.ends_at)


def review_decision_problem(actor: User, item: ReviewItem, decision: str,
                            reason: str | None) -> str | None:
    """Rule 20: nobody reviews himself; Keep or Remove; a reason is required to remove."""
    if item.user_id == actor.id:
        return "nobody reviews his own access; another reviewer decides it"
    if decision not in REVIEW_DECISIONS:
        return f"decide keep or remove, not {decision!r}"
    if decision == "remove" and not (reason or "").strip():
        return "give a reason to remove access; the person reads it"
    return None


def review_outcome(decision: str | None, unreviewed: str) -> tuple[str, bool]:
    """Rule 20 at the end: what happens to one member (its outcome, and whether his access
    is removed): his reviewer's decision, or the review's choice for the unreviewed."""
    if decision == "remove":
        return "removed", True
    if decision == "keep":
        return "kept", False
    if unreviewed == "remove":
        return "not reviewed, removed", True
    return "not reviewed, kept", False


def add_months(instant: dt.datetime, months: int) -> dt.datetime:
    """Rule 20 (recurrence): the same day and time `months` later (the month's last day
    when it is shorter)."""
    import calendar

    year, month = divmod(instant.month - 1 + months, 12)
    year += instant.year
    day = min(instant.day, calendar.monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)


def next_review_end(review: AccessReview) -> dt.datetime | None:
    """Rule 20: a recurring review's next one starts at its end and ends one period (a
    month, three months, a year) later; None when it does not recur."""
    if review.recurrence not in REVIEW_MONTHS:
        return None
    return add_months(review.ends_at, REVIEW_MONTHS[review.recurrence])

