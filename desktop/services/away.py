"""Rule 19: approvers who are away, and their delegates.

An approver says when he is away (an administrator may say it for him), with an optional
delegate. While away he gets no reminders and no e-mail, but stays an eligible approver for
rule 11: going away never closes a request. His delegate sees and decides the requests of his
applications meanwhile (``policy.may_decide``, ``policy.to_approve_sql``); the request records
whom he decided for (``decided_for``) and the audit both names. When every eligible approver
of an application with pending requests is away and none left a delegate, the sweep tells the
administrators once (``nobody_available_told_at``; cleared when somebody is back).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from desktop.errors import Refused, UsageError
from desktop.models import (
    ADMIN_ROLES,
    AccessRequest,
    Application,
    AwayPeriod,
    DirectoryRoleAssignment,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.models.search import user_match

from . import lookup
from .core import audit, iso, notify, now, publish, time_zone, time_zone_name, transaction
from .notice_kinds import NOBODY_AVAILABLE
from .policy import (
    approver_problem,
    away_period,
    away_period_problem,
    away_sql,
    delegate_problem,
    end_of_date,
    is_admin,
    is_listed_anywhere,
    may_set_away,
    nobody_available,
    offered_sql,
)
from .rights import fresh
from .views import View

MAX_CHOICES = 50


def parse_when(text: str | dt.datetime | dt.date, end: bool) -> dt.datetime:
    """A day ("2027-03-12": from its start, or until its end, in the directory's time zone) or
    an instant ("2027-03-12T09:00", UTC), as naive UTC."""
    if isinstance(text, dt.datetime):
        return text.replace(tzinfo=None)
    if isinstance(text, dt.date):
        day = text
    else:
        word = str(text).strip()
        try:
            if "T" in word or " " in word:
                value = dt.datetime.fromisoformat(word.replace("Z", "+00:00"))
                if value.tzinfo is not None:
                    value = value.astimezone(dt.UTC).replace(tzinfo=None)
                return value
            day = dt.date.fromisoformat(word)
        except ValueError:
            raise UsageError(f"{text!r} is not a date like 2027-03-12") from None
    zone = time_zone()
    if end:
        return end_of_date(day, zone)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def _target(actor: User, upn: str | None) -> tuple[User, User]:
    actor = fresh(actor)
    user = lookup.user(upn) if upn else actor
    why = may_set_away(actor, user, is_admin(actor))
    if why:
        raise Refused("rights table", why)
    return actor, user


def _open_periods(user: User, at: dt.datetime) -> list[AwayPeriod]:
    return list(AwayPeriod.select().where((AwayPeriod.user == user) & (AwayPeriod.ends_at > at))
                .order_by(AwayPeriod.starts_at))


def set_away(actor: User, upn: str | None = None, starts: Any = None, ends: Any = None,
             delegate: str | None = None) -> View:
    """Say that `upn` (the actor himself by default) is away from `starts` (now by default)
    until `ends`, with an optional delegate; it replaces his periods not yet over. Audited;
    the delegate (and the person, when an administrator set it) is told."""
    if ends is None:
        raise UsageError("say until when: a date like 2027-03-12")
    with transaction():
        actor, user = _target(actor, upn)
        at = now()
        start = parse_when(starts, end=False) if starts else at
        end = parse_when(ends, end=True)
        why = away_period_problem(start, end, at)
        if why:
            raise Refused("rule 19", why)
        stand_in = lookup.user(delegate) if delegate else None
        if stand_in is not None:
            why = delegate_problem(user, stand_in, start, end)
            if why:
                raise Refused("rule 19", why)
        covering = (AwayPeriod.select().where(
            (AwayPeriod.delegate == user) & (AwayPeriod.starts_at < end)
            & (AwayPeriod.ends_at > start)).order_by(AwayPeriod.starts_at).first())
        if covering is not None:
            raise Refused("rule 19", f"{user.upn} stands in for {covering.user.upn} until "
                          f"{covering.ends_at:%Y-%m-%d}; {covering.user.upn} must choose "
                          "another delegate first")
        replaced = _open_periods(user, at)
        AwayPeriod.delete().where(AwayPeriod.id.in_([p.id for p in replaced])).execute()
        AwayPeriod.create(user=user, starts_at=start, ends_at=end, delegate=stand_in,
                          set_by=actor, created_at=at)
        audit(actor, "away.set", user.upn,
              {"from": iso(start), "to": iso(end),
               "delegate": stand_in.upn if stand_in else None,
               "replaces": [[iso(p.starts_at), iso(p.ends_at)] for p in replaced]})
        until = f"{end:%Y-%m-%d %H:%M} UTC"
        if stand_in is not None:
            notify(stand_in, "away_delegate",
                   f"{user.display_name} is away until {until}: you decide the requests of "
                   f"his applications meanwhile (Approvals)")
        if actor.id != user.id:
            notify(user, "away_set", f"{actor.display_name} set you away until {until}"
                   + (f"; {stand_in.display_name} decides for you" if stand_in else ""))
        publish("requests")
        publish("directory", user.id)
        return show_of(user, at)


def clear_away(actor: User, upn: str | None = None) -> View:
    """`upn` (the actor by default) is back: the period under way ends now, those to come
    are dropped. Audited; nothing to clear changes nothing."""
    with transaction():
        actor, user = _target(actor, upn)
        at = now()
        periods = _open_periods(user, at)
        if not periods:
            return show_of(user, at)
        for period in periods:
            if period.starts_at <= at:
                AwayPeriod.update(ends_at=at).where(AwayPeriod.id == period.id).execute()
            else:
                AwayPeriod.delete().where(AwayPeriod.id == period.id).execute()
        audit(actor, "away.clear", user.upn,
              {"periods": [[iso(p.starts_at), iso(p.ends_at)] for p in periods]})
        publish("requests")
        publish("directory", user.id)
        return show_of(user, at)


def show_away(actor: User, upn: str | None = None) -> View:
    """When `upn` (the actor by default) is away and who decides for him, and whom he stands
    in for now: himself, or anyone for an administrator."""
    actor = fresh(actor)
    user = lookup.user(upn) if upn else actor
    if user.id != actor.id and not is_admin(actor):
        raise Refused("rights table", "only administrators may look at other people")
    return show_of(user, now())


def show_of(user: User, at: dt.datetime) -> View:
    periods = _open_periods(user, at)
    current = away_period(user, at)
    upcoming = current or (periods[0] if periods else None)
    delegate = upcoming.delegate if upcoming is not None and upcoming.delegate_id else None
    stands_in = (AwayPeriod.select(AwayPeriod, User).join(User, on=(AwayPeriod.user == User.id))
                 .where((AwayPeriod.delegate == user) & away_sql(at))
                 .order_by(AwayPeriod.ends_at))
    return {
        "user": user.upn,
        "name": user.display_name,
        "approver": is_listed_anywhere(user),
        "away": current is not None,
        "from": iso(upcoming.starts_at) if upcoming else None,
        "to": iso(upcoming.ends_at) if upcoming else None,
        "delegate": delegate.upn if delegate else None,
        "delegate_name": delegate.display_name if delegate else None,
        "stands_in_for": [{"user": p.user.upn, "name": p.user.display_name,
                           "to": iso(p.ends_at)} for p in stands_in],
        "time_zone": time_zone_name(),  # where the days of "from" and "to" begin and end
    }


def delegate_choices(actor: User, search: str | None = None, *, limit: int | None = None,
                     offset: int = 0, upn: str | None = None) -> list[View]:
    """People who could stand in for `upn` (the actor by default): enabled, licensed, not
    himself; the delegate picker of the Away dialog."""
    actor, user = _target(actor, upn)
    query = User.select().where(User.enabled & (User.id != user.id))
    if search and search.strip():
        query = query.where(user_match(search))
    query = query.order_by(User.display_name, User.upn).offset(offset)
    query = query.limit(min(limit or MAX_CHOICES, MAX_CHOICES))
    return [{"upn": u.upn, "name": u.display_name, "department": u.department,
             "unavailable_reason": approver_problem(u)} for u in query]


# --- the sweep step -------------------------------------------------------------------------


def sweep(at: dt.datetime) -> dict[str, Any]:
    """Tell the administrators, once, of each application with pending requests whose
    eligible approvers are all away without a delegate; forget it when somebody is back (or
    nothing waits any more). Reads first; writes only what changed."""
    told_before = list(SelfServiceSettings.select(SelfServiceSettings.id).where(
        SelfServiceSettings.nobody_available_told_at.is_null(False)))
    away_now = AwayPeriod.select(AwayPeriod.user).where(away_sql(at))
    if not told_before and not away_now.exists():
        return {"admins_told_nobody_available": 0}
    waiting = (SelfServiceSettings.select(SelfServiceSettings.id)
               .join(Application, on=(SelfServiceSettings.application == Application.id))
               .where(offered_sql() & SelfServiceSettings.require_approval
                      & (Application.pending_count > 0)
                      & SelfServiceSettings.id.in_(
                          SelfServiceApprover.select(SelfServiceApprover.settings)
                          .where(SelfServiceApprover.user.in_(away_now)))))
    ids = sorted({s.id for s in waiting} | {s.id for s in told_before})
    told = sum(_check(i, at) for i in ids)
    return {"admins_told_nobody_available": told}


def _check(settings_id: int, at: dt.datetime) -> bool:
    with transaction():
        settings = SelfServiceSettings.get_by_id(settings_id)
        app = settings.application
        pending = AccessRequest.select().where(
            (AccessRequest.application == app.id) & (AccessRequest.status == "pending"))
        stranded = (settings.enabled and settings.require_approval and pending.exists()
                    and nobody_available(settings, at))
        if not stranded:
            if settings.nobody_available_told_at is not None:
                SelfServiceSettings.update(nobody_available_told_at=None).where(
                    (SelfServiceSettings.id == settings.id)
                    & SelfServiceSettings.nobody_available_told_at.is_null(False)).execute()
            return False
        won = (SelfServiceSettings.update(nobody_available_told_at=at)
               .where((SelfServiceSettings.id == settings.id)
                      & SelfServiceSettings.nobody_available_told_at.is_null())
               .execute())
        if not won:
            return False
        admins = list(User.select().distinct().join(
            DirectoryRoleAssignment, on=(DirectoryRoleAssignment.user == User.id))
            .where(DirectoryRoleAssignment.role.in_(sorted(ADMIN_ROLES)) & User.enabled)
            .order_by(User.upn))
        text = (f"Nobody can decide the pending requests for {app.name}: its approvers are "
                "all away and none left a delegate. Add an approver, or set a delegate for "
                "one of them (away set --for UPN --delegate UPN)")
        for person in admins:
            notify(person, NOBODY_AVAILABLE, text, application_id=app.id)
            if settings.email_approvers and person.mail:
                from .mail import queue

                queue(person.mail, f"No approver available for {app.name}", f"{text}.\n",
                      f"<nobody-available-{app.id}-to-{person.id}-"
                      f"{uuid.uuid4().hex[:12]}@access-desk>")
        audit(None, "away.nobody_available", app.name,
              {"administrators": [u.upn for u in admins]}, application_id=app.id)
        publish("settings", app.id)
        return True


def describe(view: View) -> str:
    """A period away in a sentence or two (the command line)."""
    zone = view.get("time_zone") or "UTC"

    def at(text: str, end: bool = False) -> str:
        """A day's start or end as the date people chose ("the end of 14 March 2027
        (Europe/Paris)"); another instant as it is, in UTC."""
        from zoneinfo import ZoneInfo

        moment = dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.UTC)
        local = moment.astimezone(ZoneInfo(zone))
        if local.time() != dt.time():
            return f"{moment:%Y-%m-%d %H:%M} UTC"
        day = local - dt.timedelta(days=1) if end else local
        return (f"the end of {day.day} {day:%B %Y} ({zone})" if end
                else f"{day.day} {day:%B %Y}")

    who = f"{view['name']} ({view['user']})"
    if view["to"] is None:
        lines = [f"{who} is not away."]
    else:
        when = (f"until {at(view['to'], True)}" if view["away"]
                else f"from {at(view['from'])} until {at(view['to'], True)}")
        lines = [f"{who} is away {when}."]
        lines.append(f"Meanwhile {view['delegate_name']} ({view['delegate']}) decides in "
                     "that person's place." if view["delegate"]
                     else "Nobody decides in that person's place meanwhile.")
    for other in view["stands_in_for"]:
        lines.append(f"Decides for {other['name']} ({other['user']}) until "
                     f"{at(other['to'], True)}.")
    return "\n".join(lines)
