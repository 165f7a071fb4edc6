"""Rule 18: time-bound access: grants, their end, extensions (sweep steps).

An approval (or an immediate grant) of an application whose access is time-bound records an
AccessGrant: when it ends, and exactly what it added (the group membership, the direct role
assignment), so its end removes that and nothing else: access the person holds by other
means stays. Extensions are requests (kind "extension", requests.py) that move the end;
administrators extend or end a grant directly. The sweep reminds and ends, each step a
conditional update in its own transaction, so two sweeps never do a thing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import peewee as pw

from desktop.errors import Conflict, NotFound, Refused, UsageError
from desktop.models import (
    AccessGrant,
    AccessRequest,
    Application,
    AppRole,
    Assignment,
    GroupMember,
    SelfServiceSettings,
    User,
)

from . import lookup
from .core import audit, iso, notify, now, publish, time_zone, time_zone_name, transaction
from .policy import (
    active_grant,
    end_of_date,
    extended_end,
    extension_problem,
    grant_ends_at,
    grant_over,
    grants_due_sql,
    is_time_bound,
    reminder_due,
)
from .rights import require_admin
from .views import View

MAX_DAYS = 3650  # rule 18: "Access lasts" N days, 1-3650; an administrator's extension too
EXPIRED = "expired"
ENDED_BY_ADMIN = "ended by an administrator"
ACCESS_REMOVED = "access removed"
# Notification kinds (notice_kinds.DECISION_KINDS: My Apps' badge counts them).
ENDING, ENDED, EXTENDED = "access_ending", "access_ended", "access_extended"


def _settings(app: Application | int) -> SelfServiceSettings | None:
    return SelfServiceSettings.get_or_none(SelfServiceSettings.application == app)


def describe_end(ends_at: dt.datetime) -> str:
    """A grant's end for a sentence, in the directory's time zone: "12 March 2027 at 14:05
    UTC", or "the end of 12 March 2027 (Europe/Paris)" for access "until a date"."""
    name = time_zone_name()
    local = ends_at.replace(tzinfo=dt.UTC).astimezone(time_zone())
    if local.time() == dt.time():
        last = local - dt.timedelta(days=1)
        return f"the end of {last.day} {last:%B %Y} ({name})"
    return f"{local.day} {local:%B %Y} at {local:%H:%M} {name}"


def duration(settings: SelfServiceSettings | None) -> str | None:
    """How long access given now lasts, for the catalog: "30 days", "until 12 March 2027",
    or None when it does not end."""
    if settings is None or not is_time_bound(settings):
        return None
    if settings.access_days:
        return "1 day" if settings.access_days == 1 else f"{settings.access_days} days"
    day = settings.access_until
    assert day is not None
    return f"until {day.day} {day:%B %Y}"


# --- made by an approval (rule 8), moved by an extension -----------------------------------


def record(req: AccessRequest, settings: SelfServiceSettings, at: dt.datetime,
           added_membership: bool, assignment: int | None) -> AccessGrant | None:
    """Inside the approval's transaction (requests.grant_access): when the application's
    access is time-bound, a grant that ends then and names what this approval added (made at
    `at`, as the membership and the assignment were). A grant still open for the person (his
    access went by other means and he asked again) gives way to this one."""
    ends_at = grant_ends_at(settings, at, time_zone())
    if ends_at is None:
        return None
    user, app = req.requester_id, req.application_id
    AccessGrant.update(ended_at=at, ended_why="replaced by a new grant").where(
        (AccessGrant.application == app) & (AccessGrant.user == user)
        & AccessGrant.ended_at.is_null()).execute()
    return AccessGrant.create(  # type: ignore[no-any-return]
        application=app, user=user, request=req.id, granted_at=at, ends_at=ends_at,
        added_membership=added_membership, assignment=assignment)


def extension_target(actor: User, app: Application, settings: SelfServiceSettings
                     ) -> AccessGrant:
    """Rule 18: the grant a request to extend would extend, or Refused saying why not."""
    grant = active_grant(actor, app)
    why = extension_problem(app, settings, grant, now(), time_zone())
    if why:
        raise Refused("rule 18", why)
    assert grant is not None
    return grant


def extend_by_request(req: AccessRequest, settings: SelfServiceSettings) -> AccessGrant:
    """An approved extension (inside its decision's transaction): the grant's end moves by
    the application's duration from its current end, or from now if that is later."""
    grant = AccessGrant.get_or_none((AccessGrant.id == req.extends_grant)
                                    & AccessGrant.ended_at.is_null())
    if grant is None:
        raise Conflict(f"the access request {req.id} would extend has ended; the requester "
                       "may ask for the application again")
    new_end = extended_end(settings, grant.ends_at, now(), time_zone())
    if new_end is None:
        raise Refused("rule 18", extension_problem(req.application, settings, grant, now(),
                                                   time_zone()) or "nothing to extend")
    _move(grant, new_end, req.id)
    return grant


def _move(grant: AccessGrant, new_end: dt.datetime, request_id: int | None = None) -> None:
    """A new end; the "ends soon" notice is due again before it."""
    changes: dict[Any, Any] = {AccessGrant.ends_at: new_end, AccessGrant.reminded_at: None}
    if request_id is not None:
        changes[AccessGrant.request] = request_id
    moved = AccessGrant.update(changes).where(
        (AccessGrant.id == grant.id) & AccessGrant.ended_at.is_null()).execute()
    if not moved:
        raise Conflict("this access has just ended; nothing was extended")
    grant.ends_at, grant.reminded_at = new_end, None


# --- what a grant added, and its end ---------------------------------------------------------


def _added_member(grant: AccessGrant) -> GroupMember | None:
    """The membership this grant added: the person's self-service membership made at the
    grant's instant (one removed and made again since is another, and stays)."""
    if not grant.added_membership:
        return None
    return GroupMember.get_or_none(  # type: ignore[no-any-return]
        (GroupMember.user == grant.user_id) & (GroupMember.source == "self_service")
        & (GroupMember.added_at == grant.granted_at))


def _added_assignment(grant: AccessGrant) -> Assignment | None:
    if grant.assignment is None:
        return None
    return Assignment.get_or_none(  # type: ignore[no-any-return]
        (Assignment.id == grant.assignment) & (Assignment.application == grant.application_id)
        & (Assignment.user == grant.user_id))


def _end(grant: AccessGrant, by: User | None, why: str, at: dt.datetime) -> View | None:
    """End one grant (inside a transaction): the conditional update makes it happen once;
    then what it added is removed, audited, the person told (and mailed when the application
    mails). None when it had ended already."""
    won = AccessGrant.update(ended_at=at, ended_why=why).where(
        (AccessGrant.id == grant.id) & AccessGrant.ended_at.is_null()).execute()
    if not won:
        return None
    app, user = Application.get_by_id(grant.application_id), User.get_by_id(grant.user_id)
    member, direct = _added_member(grant), _added_assignment(grant)
    group = member.group.name if member is not None else None
    role = None
    if member is not None:
        GroupMember.delete().where(GroupMember.id == member.id).execute()
    if direct is not None:
        role_row = AppRole.get_or_none(AppRole.id == direct.role_id) if direct.role_id else None
        role = role_row.value if role_row else None
        Assignment.delete().where(Assignment.id == direct.id).execute()
    audit(by, "access.end", user.upn,
          {"app": app.name, "why": why, "ends_at": iso(grant.ends_at), "group": group,
           "role": role, "direct_assignments": 1 if direct is not None else 0},
          application_id=app.id)
    if by is None:
        text = f"Your access to {app.name} ended ({describe_end(grant.ends_at)})"
    else:
        text = f"An administrator ended your access to {app.name}"
    notify(user, ENDED, text, application_id=app.id)
    _mail(user, app, f"Your access to {app.name} ended",
          f"{text}.\n\nYou may request it again from My Apps in Access Desk.\n", "ended", grant)
    _close_extensions([grant.id], "the access it would extend has ended; request the "
                      "application again", by)
    publish("access", app.id)
    return {"app": app.name, "user": user.upn, "ended": True, "why": why,
            "removed_membership": member is not None, "removed_role": direct is not None}


def _close_extensions(grant_ids: Iterable[int], reason: str, by: User | None) -> None:
    from .requests import close_requests

    ids = list(grant_ids)
    if ids:
        close_requests(list(AccessRequest.select().where(
            AccessRequest.extends_grant.in_(ids) & (AccessRequest.status == "pending"))),
            reason, by)


def access_removed(app: Application, user: User, by: User | None) -> None:
    """Access was removed by other means (rule 13, a review): the person's open grants end
    with it (nothing left for the sweep to do), and a pending extension is closed."""
    grants = [g.id for g in AccessGrant.select(AccessGrant.id).where(
        (AccessGrant.application == app) & (AccessGrant.user == user)
        & AccessGrant.ended_at.is_null())]
    if not grants:
        return
    AccessGrant.update(ended_at=now(), ended_why=ACCESS_REMOVED).where(
        AccessGrant.id.in_(grants) & AccessGrant.ended_at.is_null()).execute()
    _close_extensions(grants, "your access was removed", by)


def _remind(grant: AccessGrant, at: dt.datetime) -> bool:
    won = AccessGrant.update(reminded_at=at).where(
        (AccessGrant.id == grant.id) & AccessGrant.reminded_at.is_null()
        & AccessGrant.ended_at.is_null()).execute()
    if not won:
        return False
    app, user = Application.get_by_id(grant.application_id), User.get_by_id(grant.user_id)
    text = (f"Your access to {app.name} ends on {describe_end(grant.ends_at)}; to keep it, "
            "request an extension in My Apps")
    audit(None, "access.remind", user.upn, {"app": app.name, "ends_at": iso(grant.ends_at)},
          application_id=app.id)
    notify(user, ENDING, text, application_id=app.id)
    _mail(user, app, f"Your access to {app.name} ends soon",
          f"{text}, or from a terminal:\n  access-desk --as {user.upn} request "
          f"'{app.name}' --extend\n", "ending", grant)
    return True


def _mail(user: User, app: Application, subject: str, body: str, what: str,
          grant: AccessGrant) -> None:
    settings = _settings(app)
    if not (settings is not None and settings.email_approvers and user.mail):
        return
    from .mail import queue

    queue(user.mail, subject, body,
          f"<grant-{grant.id}-{what}-{uuid.uuid4().hex[:12]}@access-desk>")


# --- the sweep (rule 21) --------------------------------------------------------------------


def sweep(at: dt.datetime) -> dict[str, Any]:
    """Grants over at `at` end; grants within their application's reminder period get the
    "ends soon" notice. What is due is read first; each grant is then written in its own
    transaction, by a conditional update, so a second sweep (or one racing) skips it."""
    longest = (SelfServiceSettings.select(pw.fn.MAX(SelfServiceSettings.end_reminder_days))
               .scalar() or 0)
    due = [g.id for g in AccessGrant.select(AccessGrant.id)
           .where(grants_due_sql(at, int(longest)))
           .order_by(AccessGrant.ends_at, AccessGrant.id)]
    ended = reminded = 0
    for grant_id in due:
        with transaction():
            grant = AccessGrant.get_or_none(AccessGrant.id == grant_id)
            if grant is None:
                continue
            if grant_over(grant, at):
                ended += _end(grant, None, EXPIRED, at) is not None
                continue
            settings = _settings(grant.application_id)
            days = settings.end_reminder_days if settings is not None else None
            if reminder_due(grant, days, at):
                reminded += _remind(grant, at)
    return {"grants_reminded": reminded, "grants_ended": ended}


# --- administrators (rule 18: extend or end any grant) ---------------------------------------


def _grant_of(app: Application, user: User) -> AccessGrant:
    grant = active_grant(user, app)
    if grant is None:
        raise NotFound(f"{user.upn}'s access to {app.name} does not end (no time-bound "
                       "access to extend or end)")
    return grant


def parse_until(until: str | dt.date) -> dt.date:
    if isinstance(until, dt.date):
        return until
    try:
        return dt.date.fromisoformat(until.strip())
    except ValueError:
        raise UsageError(f"{until!r} is not a date like 2027-03-12") from None


def extend(actor: User, app_name: str, upn: str, days: int | None = None,
           until: str | None = None) -> View:
    """Move a person's end: by `days` from the current end (or from now, if later), or to
    the end of the date `until` in the directory's time zone. Audited; the person is told."""
    if (days is None) == (until is None):
        raise UsageError("give either days (1-3650) or a date to extend until")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise UsageError(f"extend by 1 to {MAX_DAYS} days, not {days}")
    day = parse_until(until) if until is not None else None
    with transaction():
        actor = require_admin(actor, "extend access")
        app = lookup.application(app_name)
        user = lookup.user(upn)
        grant = _grant_of(app, user)
        old = grant.ends_at
        if day is not None:
            new_end = end_of_date(day, time_zone())
            if new_end <= old:
                raise Refused("rule 18", f"{user.upn}'s access to {app.name} lasts until "
                              f"{describe_end(old)} already; choose a later date, or end it")
        else:
            assert days is not None
            new_end = max(old, now()) + dt.timedelta(days=days)
        _move(grant, new_end)
        audit(actor, "access.extend", user.upn,
              {"app": app.name, "from": iso(old), "to": iso(new_end)}, application_id=app.id)
        notify(user, EXTENDED, f"An administrator extended your access to {app.name} until "
               f"{describe_end(new_end)}", application_id=app.id)
        publish("access", app.id)
        return {"app": app.name, "user": user.upn, "until": iso(new_end)}


def end(actor: User, app_name: str, upn: str) -> View:
    """End a person's time-bound access now, as at its end: what the grant added is removed
    (access he holds by other means stays), audited with the administrator, the person told."""
    with transaction():
        actor = require_admin(actor, "end access")
        app = lookup.application(app_name)
        user = lookup.user(upn)
        grant = _grant_of(app, user)
        view = _end(grant, actor, ENDED_BY_ADMIN, now())
        if view is None:  # pragma: no cover - the read above and the update are one transaction
            raise Conflict(f"{user.upn}'s access to {app.name} has just ended")
        return view


# --- reads -----------------------------------------------------------------------------------


def ends_by_user(app: Application | int, user_ids: list[int]) -> dict[int, dt.datetime]:
    """The end of each of these people's open grant for the application (one query)."""
    if not user_ids:
        return {}
    return {g.user_id: g.ends_at for g in AccessGrant.select(
        AccessGrant.user, AccessGrant.ends_at).where(
        (AccessGrant.application == app) & AccessGrant.user.in_(user_ids)
        & AccessGrant.ended_at.is_null())}


def ends_by_app(user: User, app_ids: list[int]) -> dict[int, AccessGrant]:
    """This person's open grants for these applications, by application (one query)."""
    if not app_ids:
        return {}
    return {g.application_id: g for g in AccessGrant.select().where(
        (AccessGrant.user == user) & AccessGrant.application.in_(app_ids)
        & AccessGrant.ended_at.is_null())}
