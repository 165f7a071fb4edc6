"""Teaching situations set up on the demo directory through the services (trainers, no Qt)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import AccessDeskError, Conflict, NotFound, Refused
from desktop.models import AccessRequest, Application, User, database_proxy

from . import data

View = dict[str, Any]


def demo_upn(local: str) -> str:
    return f"{local}@{data.DOMAIN}"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    teaches: str
    run: Callable[[User], View]


SCENARIOS: dict[str, Scenario] = {}


def _scenario(name: str, title: str, teaches: str) -> Callable[[Callable[[User], View]],
                                                               Callable[[User], View]]:
    def register(fn: Callable[[User], View]) -> Callable[[User], View]:
        SCENARIOS[name] = Scenario(name, title, teaches, fn)
        return fn
    return register


def require_demo(what: str = "scenarios") -> None:
    """Trainer tools change the directory wholesale: ``policy.require_demo``."""
    from desktop.services.policy import require_demo as demo_only

    demo_only(what)


def list_scenarios() -> list[View]:
    return [{"name": s.name, "title": s.title, "teaches": s.teaches} for s in SCENARIOS.values()]


def run_scenario(name: str, actor: User | None = None) -> View:
    """Set up the situation `name` on the open demo database, as its first administrator."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise NotFound(f"no scenario named {name!r}; one of {', '.join(SCENARIOS)}")
    require_demo()
    if actor is None:
        from .build import first_admin

        actor = first_admin()
        if actor is None:
            raise NotFound("the demo directory has no Global Administrator left; reset it")
    result = scenario.run(actor)
    return {"scenario": scenario.name, "title": scenario.title, "teaches": scenario.teaches,
            **result}


def as_text(view: View) -> str:
    """A scenario's result for people: what was done, then where to look."""
    lines = [f"{view['title']}", f"  {view['teaches']}", "", "Done:"]
    lines += [f"  - {line}" for line in view.get("done", [])]
    if view.get("look"):
        lines += ["", "Look:"] + [f"  - {line}" for line in view["look"]]
    return "\n".join(lines)


def _pending(app: str) -> list[AccessRequest]:
    return list(AccessRequest.select().join(Application).where(
        (Application.name == app) & (AccessRequest.status == "pending")).order_by(AccessRequest.id))


def _describe(req: AccessRequest) -> str:
    req = AccessRequest.get_by_id(req.id)
    text = f"request {req.id} ({req.requester.upn} for {req.application.name}): {req.status}"
    return f"{text}, {req.reason}" if req.status == "closed" and req.reason else text


# --- the scenarios -------------------------------------------------------------------------


@_scenario("approver-on-leave", "An approver on leave",
           "Disabling an approver (rule 15): his own pending requests close, he leaves the "
           "approver lists, requests he shared go on with the others, and requests nobody else "
           "can approve close (rule 11).")
def _approver_on_leave(admin: User) -> View:
    from desktop.services import directory, requests, selfservice

    upn = demo_upn("johan.berg")
    johan = User.get(User.upn == upn)
    if not johan.enabled:
        return {"done": [f"{upn} is already disabled (reset the demo to run this again)"],
                "look": []}
    own = None
    try:  # his own request, to show that it closes
        own = requests.create_request(johan, "Relecloud Analytics", "Dashboards for the depot.")
    except AccessDeskError:
        pass
    alone = _pending("Tailspin Travel")  # he is its only approver
    shared = _pending("Lamna Learning")  # he is one of ten
    directory.update_user(admin, upn, enabled=False)
    done = [f"{upn} (Johan Berg) disabled: he is on leave"]
    if own is not None:
        done.append(_describe(AccessRequest.get_by_id(own["id"])))
    done += [_describe(r) for r in alone]
    others = len(selfservice.show(admin, "Lamna Learning")["approvers"])
    done += [f"{_describe(r)}: left to the {others} other approvers" for r in shared]
    return {"done": done, "look": [
        "Admin console, Tailspin Travel: self-service has no approver left",
        f"My Apps as {demo_upn('kofi.mensah')}: his Tailspin Travel request was closed, "
        "with the reason",
        f"Approvals as {demo_upn('grace.adeyemi')}: the Lamna Learning request still waits",
    ]}


@_scenario("license-expired", "A license that ran out",
           "A user without a P1/P2 license (rule 7): her pending request closes with the reason "
           "(rule 11), and My Apps explains why she can no longer request anything.")
def _license_expired(admin: User) -> View:
    from desktop.services import directory

    upn = demo_upn("fatima.benali")
    pending = list(AccessRequest.select().join(User, on=AccessRequest.requester).where(
        (User.upn == upn) & (AccessRequest.status == "pending")))
    directory.update_user(admin, upn, license="none")
    done = [f"{upn} (Fatima Benali): license p1 ran out, now none"]
    done += [_describe(r) for r in pending]
    return {"done": done, "look": [
        f"My Apps as {upn}: the catalog says a license is needed; her request shows "
        "why it was closed",
        "Admin console, Directory: her license column reads none",
    ]}


@_scenario("public-client", "An application with public client flows",
           "Rule 2: an application whose registration allows public client flows has no "
           "self-service; its pending requests close and the settings page says why.")
def _public_client(admin: User) -> View:
    from desktop.services import applications

    app = "Wingtip Tickets"
    pending = _pending(app)
    applications.update_application(admin, app, public_client_flows=True)
    done = [f"{app}: public client flows turned on in its properties"]
    done += [_describe(r) for r in pending]
    return {"done": done, "look": [
        f"Admin console, {app}, Self-service: the page is disabled and says "
        "\"public client flows\" and where to change it",
        "Admin console, Tailspin Mobile Field App: the demo's other such application",
        f"My Apps as {demo_upn('ingrid.solberg')}: her {app} request was closed, with the reason",
    ]}


ELEVENTH = "arjun.patel"


@_scenario("eleventh-approver", "An eleventh approver refused",
           "Rule 4: at most 10 approvers. Lamna Learning is filled to ten, then an eleventh "
           "is refused with the message the Admin console shows.")
def _eleventh_approver(admin: User) -> View:
    from desktop.services import selfservice
    from desktop.services.policy import approver_problem

    app = "Lamna Learning"
    listed = list(selfservice.show(admin, app)["approvers"])
    added: list[str] = []
    spare = [demo_upn(p["upn"]) for p in data.PEOPLE if demo_upn(p["upn"]) not in listed
             and p["upn"] != ELEVENTH and not p["roles"]]
    for upn in spare:  # back to ten when a scenario or a class took one away
        if len(listed) + len(added) >= 10:
            break
        user = User.get(User.upn == upn)
        if approver_problem(user) is None:
            added.append(upn)
    if added:
        selfservice.update(admin, app, add_approvers=added)
    try:
        selfservice.update(admin, app, add_approvers=[demo_upn(ELEVENTH)])
    except Refused as exc:
        refusal = str(exc)
    else:  # the rule would be broken: say so loudly rather than teach something false
        raise AssertionError("an eleventh approver was accepted")
    count = len(selfservice.show(admin, app)["approvers"])
    done = [f"{app} has {count} approvers" + (f" (added {', '.join(added)})" if added else "")]
    done.append(f"adding {demo_upn(ELEVENTH)} as the eleventh was refused: {refusal}")
    return {"done": done, "refusal": refusal, "approvers": count, "look": [
        f"Admin console, {app}, Self-service: add {demo_upn(ELEVENTH)} and press Save "
        "to see the same refusal",
    ]}


RACE_APP = "Fabrikam CRM"
RACERS = ("alice.wu", "yuki.tanaka")
RACE_REQUESTERS = ("oliver.schmidt", "sofia.rossi", "mateo.silva", "lucas.martin",
                   "olga.ivanova", "amara.okafor", "nadia.petrova", "carlos.mendes")


@_scenario("two-approvers", "Two approvers answering at once",
           "Rule 4: any one approver settles a request. Two approvers decide the same "
           "request at the same moment from two threads: one wins, the other gets a "
           "conflict naming who decided first and when.")
def _two_approvers(admin: User) -> View:
    from desktop.services import requests

    created = None
    for local in RACE_REQUESTERS:
        try:
            created = requests.create_request(User.get(User.upn == demo_upn(local)), RACE_APP,
                                              "Shadowing the key-account team.")
            break
        except (Conflict, Refused):
            continue  # has access or a request already: the next one asks
    if created is None:
        raise Refused("", f"nobody is left to request {RACE_APP}; reset the demo")
    outcome = race_decisions(created["id"], [demo_upn(x) for x in RACERS])
    winner = next(u for u, o in outcome.items() if isinstance(o, dict))
    loser, conflict = next((u, o) for u, o in outcome.items() if not isinstance(o, dict))
    done = [f"request {created['id']}: {created['requester']} asked for {RACE_APP}",
            f"{RACERS[0]} approves and {RACERS[1]} denies at the same moment",
            f"{winner} won: {_describe(AccessRequest.get_by_id(created['id']))}",
            f"{loser} got a conflict: {conflict}"]
    return {"done": done, "request": created["id"], "winner": winner, "loser": loser,
            "conflict": str(conflict), "look": [
                f"Approvals as {loser}: the request shows who decided it",
                "Admin console, Audit: one decision, no second one"]}


def race_decisions(request_id: int, upns: list[str]) -> dict[str, Any]:
    """Each approver decides on his own thread and connection, released together."""
    database = database_proxy.obj
    barrier = threading.Barrier(len(upns))
    outcome: dict[str, Any] = {}

    def decide(index: int, upn: str) -> None:
        from desktop.services import requests

        database.connect(reuse_if_open=True)  # peewee's connections are per thread
        try:
            user = User.get(User.upn == upn)
            barrier.wait(timeout=10)
            if index % 2 == 0:
                outcome[upn] = requests.approve(user, request_id, "Welcome aboard.")
            else:
                outcome[upn] = requests.deny(user, request_id, "Not this quarter.")
        except Exception as exc:  # noqa: BLE001 - the loser's conflict is the lesson
            outcome[upn] = exc
        finally:
            database.close()

    threads = [threading.Thread(target=decide, args=(i, u)) for i, u in enumerate(upns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    unexpected = [o for o in outcome.values() if isinstance(o, Exception)
                  and not isinstance(o, Conflict)]
    if unexpected:
        raise unexpected[0]
    return outcome


@_scenario("requests-time-out", "Requests that wait too long",
           "Rules 16-17: Adatum Payroll's pending requests expire after 10 days, approvers are "
           "reminded after 2 and the escalation approver is asked after 5. One request is new, "
           "one is 4 days old: Trainer › Jump ahead 7 days reminds and escalates the first and "
           "expires the second.")
def _requests_time_out(admin: User) -> View:
    import datetime as dt

    from desktop.services import requests, selfservice
    from desktop.services.core import frozen_clock, now

    app = "Adatum Payroll"
    selfservice.update(admin, app, expire_days=10, remind_days=2, escalate_days=5,
                       add_escalation_approvers=[demo_upn("david.levi")])
    done = [f"{app}: pending requests expire after 10 days, approvers are reminded after 2, "
            f"{demo_upn('david.levi')} is asked after 5"]
    for local, age in (("kwame.asante", 0), ("arjun.patel", 4)):
        person = User.get(User.upn == demo_upn(local))
        try:
            with frozen_clock(now() - dt.timedelta(days=age), dt.timedelta(0)):
                made = requests.create_request(person, app, "For the payroll close.")
        except AccessDeskError as exc:
            done.append(f"{person.upn} could not ask: {exc.message}")
            continue
        done.append(f"{_describe(AccessRequest.get_by_id(made['id']))}, made {age} days ago"
                    if age else f"{_describe(AccessRequest.get_by_id(made['id']))}, made now")
    return {"done": done, "look": [
        "Trainer › Jump ahead 7 days (or `access-desk demo jump 7d`): the result says what "
        "became due",
        f"Approvals as {demo_upn('priya.nair')}: a reminder; as {demo_upn('david.levi')}: "
        "the escalated request, his to decide now",
        f"My Apps as {demo_upn('arjun.patel')}: his request expired, with the reason; he may "
        "ask again",
    ]}


ENDS_APP = "Relecloud Analytics"
ENDS_SOON, ENDS_NOW = "sofia.rossi", "diego.ramirez"  # granted 20 and 27 days ago, 30 days


@_scenario("access-that-ends", "Access that ends",
           "Rule 18: Relecloud Analytics' access lasts 30 days, people are reminded 14 days "
           "before the end. Sofia Rossi's access ends in 10 days: she is reminded and may "
           "request an extension from My Apps. Diego Ramírez's ends in 3 days: Trainer › Jump "
           "ahead 7 days ends it (group membership and role removed, he is told).")
def _access_that_ends(admin: User) -> View:
    import datetime as dt

    from desktop.services import grants, requests, selfservice
    from desktop.services.core import frozen_clock, now

    app = ENDS_APP
    selfservice.update(admin, app, access_days=30, end_reminder_days=14)
    done = [f"{app}: access lasts 30 days; people are reminded 14 days before it ends"]
    approver = User.get(User.upn == demo_upn("noah.fischer"))
    for local, age in ((ENDS_SOON, 20), (ENDS_NOW, 27)):
        person = User.get(User.upn == demo_upn(local))
        try:
            with frozen_clock(now() - dt.timedelta(days=age), dt.timedelta(0)):
                made = requests.create_request(person, app, "Quarterly figures for my team.")
                requests.approve(approver, made["id"], "Approved for the quarter.")
        except AccessDeskError as exc:
            done.append(f"{person.upn} could not be given access: {exc.message}")
            continue
        ends = grants.ends_by_user(Application.get(Application.name == app), [person.id])
        done.append(f"{person.upn} was given access {age} days ago by {approver.upn}; it ends "
                    f"{grants.describe_end(ends[person.id])}")
    return {"done": done, "look": [
        f"My Apps as {demo_upn(ENDS_SOON)}: {app} shows when her access ends and a reminder "
        "(after the next sweep: within a minute, or at once with Trainer › Jump ahead 7 days); "
        "she may request an extension there",
        "Trainer › Jump ahead 7 days (or `access-desk demo jump 7d`): "
        f"{demo_upn(ENDS_NOW)}'s access ends",
        f"My Apps as {demo_upn(ENDS_NOW)}: {app} is gone and a notice says his access ended",
        f"Admin console, {app}, Users and groups: each person's end date, with Extend and "
        "End access",
    ]}


AWAY_APP, STRANDED_APP = "Tailspin Travel", "Proseware Design"
AWAY, DELEGATE = "johan.berg", "nadia.petrova"


@_scenario("approver-away", "Approvers who are away",
           "Rule 19: Johan Berg, Tailspin Travel's only approver, is away for two weeks and "
           "Nadia Petrova decides in his place (the audit names both). Both of Proseware "
           "Design's approvers are away without a delegate: the administrators are told at the "
           "next sweep; nothing is closed.")
def _approver_away(admin: User) -> View:
    import datetime as dt

    from desktop.services import away
    from desktop.services.core import now

    until = (now() + dt.timedelta(days=14)).date().isoformat()
    done: list[str] = []
    plans = ((AWAY_APP, [(AWAY, DELEGATE)]),
             (STRANDED_APP, [("chloe.dubois", None), ("kofi.mensah", None)]))
    for app, people in plans:
        for local, delegate in people:
            upn = demo_upn(local)
            try:
                away.set_away(admin, upn, ends=until,
                              delegate=demo_upn(delegate) if delegate else None)
            except AccessDeskError as exc:
                done.append(f"{upn} could not be set away: {exc.message}")
                continue
            done.append(f"{upn} ({app}) is away until the end of {until}, "
                        + (f"{demo_upn(delegate)} decides for him" if delegate
                           else "with no delegate"))
        done += [_describe(r) for r in _pending(app)]
    return {"done": done, "look": [
        f"Approvals as {demo_upn(DELEGATE)}: the requests of {demo_upn(AWAY)}'s applications "
        f"({AWAY_APP}, and Lamna Learning where he is one of ten), hers to decide for him; "
        "after she decides, Admin console › Audit names them both",
        f"Approvals as {demo_upn(AWAY)}: the request is still his too; his Away… button says "
        "until when",
        f"Admin console as {demo_upn('megan.bowen')}: a notice that nobody can decide "
        f"{STRANDED_APP}'s requests (after the next sweep: within a minute, or Trainer › Jump "
        "ahead 7 days); the request still waits",
    ]}


REVIEW_APP = "Fabrikam CRM"
REVIEW_DECISIONS = (("yuki.tanaka", "alice.wu", "keep", None),
                    ("alice.wu", "yuki.tanaka", "keep", None),
                    ("alice.wu", "fatima.benali", "keep", None),
                    ("alice.wu", "liam.oconnor", "remove",
                     "Moved to the partner programme; he no longer works the accounts."))


@_scenario("access-review", "An access review",
           "Rule 20: the administrator reviews who keeps Fabrikam CRM, its approvers reviewing, "
           "ending in 5 days, people nobody reviewed removed, repeated monthly. A few people "
           "are decided already; Trainer › Jump ahead 7 days ends it: removals applied, people "
           "told, next month's review started.")
def _access_review(admin: User) -> View:
    from desktop.models import AccessReview
    from desktop.services import grants, reviews

    app = REVIEW_APP
    try:
        review = reviews.start_review(admin, app, days=5, unreviewed="remove",
                                      recurrence="monthly")
    except AccessDeskError as exc:
        return {"done": [f"{app}: no review started: {exc.message}"], "look": []}
    ends = grants.describe_end(AccessReview.get_by_id(review["id"]).ends_at)
    done = [f"review {review['id']} of {app} started: its approvers "
            f"({', '.join(review['reviewer_upns'])}) review {review['members']} people by "
            f"{ends}; people nobody reviewed are removed; it repeats monthly"]
    for reviewer, local, decision, reason in REVIEW_DECISIONS:
        try:
            reviews.decide(User.get(User.upn == demo_upn(reviewer)), review["id"],
                           demo_upn(local), decision, reason)
        except AccessDeskError as exc:
            done.append(f"{demo_upn(reviewer)} could not decide {demo_upn(local)}: "
                        f"{exc.message}")
            continue
        done.append(f"{demo_upn(reviewer)}: {decision} {demo_upn(local)}"
                    + (f" ({reason})" if reason else ""))
    left = reviews.show_review(admin, review["id"])["undecided"]
    done.append(f"{left} {'person is' if left == 1 else 'people are'} not reviewed yet")
    return {"done": done, "review": review["id"], "look": [
        f"Approvals as {demo_upn('diego.ramirez')}: the Reviews tab, with the people left to "
        "decide (Keep, or Remove with a reason); the tray says how many",
        "Trainer › Jump ahead 7 days (or `access-desk demo jump 7d`): the review completes, "
        f"{demo_upn('liam.oconnor')} and the people nobody reviewed lose access and are told",
        f"Admin console, {app}, Users and groups: the review's results (and Export), then "
        "next month's review, started on its own",
    ]}


# --- reset ---------------------------------------------------------------------------------


def reset_demo(url: str | None = None, actor: User | None = None) -> Path | str:
    """Rebuild the open (or named) demo database in place; refuses on a real one.

    The same deterministic directory every time (build_demo runs on a frozen clock), made
    inside the same file (or PostgreSQL tables) in one write transaction: other processes
    keep their connection, see the old directory or the new one, never half of either, and
    learn of it from the change feed's "reset" notice, whose ids never go backwards. Nothing
    is deleted or replaced on disk: a process holding the old file would otherwise write
    into a deleted one. `actor`, when given, must be an administrator (rights table).
    """
    from desktop.models.database import parse_url
    from desktop.models.schema import clear_rows, open_database, resync_sequences
    from desktop.services import rights
    from desktop.services.core import publish, transaction

    from .build import build_demo

    if url is not None:
        open_database(parse_url(url), init=True)
    db = database_proxy.obj
    if db is None:
        raise NotFound("no database is open")
    cleared = False
    try:
        with transaction():
            if User.select().exists():
                require_demo("resets")
                if actor is not None:
                    rights.require_admin(actor, "reset the demo directory")
            sessions = _signed_in()
            clear_rows(db)
            cleared = True
            build_demo()
            _sign_in_again(sessions)
            publish("reset")
    except BaseException:
        if cleared:
            resync_sequences(db)
        raise
    parsed = parse_url(url_of(db))
    return parsed.path if parsed.kind == "sqlite" and parsed.path else parsed.display()


def _signed_in() -> list[tuple[str, dict[str, Any]]]:
    """The open sessions of a classroom server's trainees, by UPN: a reset keeps them signed
    in (as the same demo person, whose id the rebuilt directory gives again)."""
    from desktop.models import SignInSession

    upns = {u.id: u.upn for u in User.select(User.id, User.upn)}
    query: Any = SignInSession.select().where(SignInSession.revoked_at.is_null()).dicts()
    rows: list[dict[str, Any]] = list(query)
    return [(upns[row["user"]], row) for row in rows if row["user"] in upns]


def _sign_in_again(sessions: list[tuple[str, dict[str, Any]]]) -> None:
    from desktop.models import SignInSession

    ids = {u.upn: u.id for u in User.select(User.id, User.upn)}
    rows = [{**{k: v for k, v in row.items() if k != "id"}, "user": ids[upn]}
            for upn, row in sessions if upn in ids]
    if rows:
        SignInSession.insert_many(rows).execute()


def url_of(db: Any) -> str:
    """The URL an open peewee database was made from (with its password, kept in memory)."""
    from urllib.parse import quote

    import peewee as pw

    if isinstance(db, pw.PostgresqlDatabase):
        params = db.connect_params
        user = params.get("user")
        password = params.get("password")
        secret = f":{quote(password, safe='')}" if password else ""
        auth = f"{quote(user, safe='')}{secret}@" if user else ""
        host = params.get("host") or ""
        port = f":{params['port']}" if params.get("port") else ""
        return f"postgresql://{auth}{host}{port}/{db.database}"
    return str(db.database)
