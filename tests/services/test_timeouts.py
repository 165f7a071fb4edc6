"""Rules 16-17 and 21: requests that time out, reminders and escalation at their boundaries
(frozen clock), exactly once across repeated and concurrent sweeps, the settings' checks, and
the demo's clock jump."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.errors import NotFound, Refused, UsageError
from desktop.models import (
    AccessRequest,
    Application,
    AuditEvent,
    EmailOutbox,
    Notification,
    SelfServiceSettings,
)
from desktop.services import (
    approvals,
    bulk,
    check,
    governance,
    requests,
    selfservice,
    sessions,
    timeouts,
)
from desktop.services.core import clock_offset, frozen_clock, now, put_setting

pytestmark = pytest.mark.usefixtures("consistent")
START = dt.datetime(2027, 3, 1, 9, 0, 0)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)
STILL = dt.timedelta(0)  # a clock that stands still: deadlines to the second


@pytest.fixture
def ledger(make, admin):
    """Ledger: approval by boss, expiry after 14 days, reminders after 3, escalation to chief
    after 5, e-mail on; alice asks at START."""
    boss, chief = make.user("boss", license="p2"), make.user("chief", license="p2")
    make.selfservice_app("Ledger", approvers=(boss,), email=True)
    selfservice.update(admin, "Ledger", expire_days=14, remind_days=3, escalate_days=5,
                       add_escalation_approvers=[chief.upn])
    alice = make.user("alice")
    with frozen_clock(START, STILL):
        req = requests.create_request(alice, "Ledger")
    return {"boss": boss, "chief": chief, "alice": alice, "admin": admin, "id": req["id"]}


def notices(user, kind):
    return Notification.select().where(
        (Notification.recipient == user) & (Notification.kind == kind)).count()


def events(action):
    return AuditEvent.select().where(AuditEvent.action == action).count()


def swept(at):
    with frozen_clock(at, STILL):
        return governance.sweep(at)


# --- deadlines fixed when the request is made -----------------------------------------------


def test_deadlines_are_fixed_at_creation_and_later_changes_do_not_move_them(ledger):
    req = AccessRequest.get_by_id(ledger["id"])
    assert (req.expires_at, req.remind_at, req.escalate_at) == (
        START + 14 * DAY, START + 3 * DAY, START + 5 * DAY)
    selfservice.update(ledger["admin"], "Ledger", expire_days=30)
    assert AccessRequest.get_by_id(ledger["id"]).expires_at == START + 14 * DAY


def test_without_the_settings_nothing_times_out(make):
    boss = make.user("boss", license="p2")
    make.selfservice_app("Plain", approvers=(boss,))
    req = requests.create_request(make.user("alice"), "Plain")
    row = AccessRequest.get_by_id(req["id"])
    assert (row.expires_at, row.remind_at, row.escalate_at) == (None, None, None)
    assert swept(START + 400 * DAY)["requests_expired"] == 0
    assert AccessRequest.get_by_id(req["id"]).status == "pending"


# --- each transition at its boundary ---------------------------------------------------------


def test_reminder_at_its_boundary_once_to_each_eligible_approver(ledger):
    boss, alice = ledger["boss"], ledger["alice"]
    assert swept(START + 3 * DAY - SECOND)["requests_reminded"] == 0
    assert swept(START + 3 * DAY)["requests_reminded"] == 1
    assert swept(START + 3 * DAY + SECOND)["requests_reminded"] == 0
    assert notices(boss, "request_reminder") == 1
    assert notices(alice, "request_reminder") == 0
    assert EmailOutbox.select().where(EmailOutbox.subject.startswith("Reminder")).count() == 1
    event = AuditEvent.get(AuditEvent.action == "request.remind")
    assert event.actor is None


def test_escalation_lets_the_escalation_approvers_decide(ledger, refused):
    chief = ledger["chief"]
    refused(Refused, "only an approver", requests.approve, chief, ledger["id"])
    assert approvals.list_pending(chief) == []
    assert swept(START + 5 * DAY - SECOND)["requests_escalated"] == 0
    assert swept(START + 5 * DAY)["requests_escalated"] == 1
    assert swept(START + 5 * DAY + SECOND)["requests_escalated"] == 0
    assert notices(chief, "request_escalated") == 1
    assert [r["id"] for r in approvals.list_pending(chief)] == [ledger["id"]]
    assert requests.approve(chief, ledger["id"])["status"] == "approved"


def test_expiry_at_its_boundary(ledger):
    alice = ledger["alice"]
    swept(START + 14 * DAY - SECOND)
    assert AccessRequest.get_by_id(ledger["id"]).status == "pending"
    assert swept(START + 14 * DAY)["requests_expired"] == 1
    assert swept(START + 14 * DAY + SECOND)["requests_expired"] == 0
    req = AccessRequest.get_by_id(ledger["id"])
    assert (req.status, req.decided_by) == ("expired", None)
    assert "14 days" in req.reason
    assert "ask again" in req.reason
    assert Application.get(Application.name == "Ledger").pending_count == 0
    event = AuditEvent.get(AuditEvent.action == "request.expire")
    assert event.actor is None
    assert notices(alice, "decided") == 1
    assert check.run(ledger["admin"])["ok"]
    with frozen_clock(START + 15 * DAY):  # he may ask again
        assert requests.create_request(alice, "Ledger")["status"] == "pending"


def test_an_expiring_request_is_neither_reminded_nor_escalated(ledger):
    done = swept(START + 20 * DAY)
    assert (done["requests_expired"], done["requests_reminded"],
            done["requests_escalated"]) == (1, 0, 0)


def test_a_decided_request_never_times_out(ledger):
    with frozen_clock(START + DAY):
        requests.deny(ledger["boss"], ledger["id"], "not now")
    done = swept(START + 20 * DAY)
    assert not any(v for k, v in done.items() if k.startswith("requests_"))


# --- rule 17: a reason to approve ------------------------------------------------------------


def test_reason_to_approve_is_required_when_set(ledger, refused):
    selfservice.update(ledger["admin"], "Ledger", reason_to_approve=True)
    refused(Refused, "needs a reason", requests.approve, ledger["boss"], ledger["id"])
    summary = bulk.decide_many(ledger["boss"], [ledger["id"]], approve=True)
    assert summary.decided == []
    assert "needs a reason" in summary.failed[0][1]
    assert AccessRequest.get_by_id(ledger["id"]).status == "pending"
    assert requests.approve(ledger["boss"], ledger["id"], "needed for the audit")["status"] \
        == "approved"


# --- the settings' checks -----------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "match"), [
    ({"expire_days": 0}, "1 to 90"),
    ({"expire_days": 91}, "1 to 90"),
    ({"remind_days": 14}, "fewer than 14"),
    ({"escalate_days": 20}, "fewer than 14"),
    ({"expire_days": 3}, "fewer than 3"),
    ({"access_days": 3651}, "1 to 3650"),
    ({"access_days": 0}, "1 to 3650"),
    ({"access_until": dt.date(2001, 1, 1)}, "not in the future"),
    ({"access_days": 3, "access_until": dt.date(2999, 1, 1)}, "not both"),
    ({"end_reminder_days": 0}, "1 to 90"),
    ({"end_reminder_days": 91}, "1 to 90"),
    ({"clear_escalation_approvers": True}, "escalation approver"),
])
def test_settings_out_of_range_are_refused(ledger, refused, changes, match):
    refused(Refused, match, selfservice.update, ledger["admin"], "Ledger", **changes)


def test_escalation_approvers_are_checked_as_approvers(ledger, make, refused):
    admin = ledger["admin"]
    off = make.user("off", enabled=False)
    unlicensed = make.user("free", license="none")
    refused(Refused, "rule 4", selfservice.update, admin, "Ledger",
            add_escalation_approvers=[off.upn])
    refused(Refused, "rule 4", selfservice.update, admin, "Ledger",
            add_escalation_approvers=[unlicensed.upn])
    make.group("Finance")
    refused(Refused, "group", selfservice.update, admin, "Ledger",
            add_escalation_approvers=["Finance"])
    many = [make.user(f"e{i}", license="p1").upn for i in range(10)]
    refused(Refused, "at most 10", selfservice.update, admin, "Ledger",
            add_escalation_approvers=many)
    refused(NotFound, "not an escalation approver", selfservice.update, admin, "Ledger",
            remove_escalation_approvers=[ledger["boss"].upn])


def test_the_settings_show_and_turn_off(ledger):
    admin = ledger["admin"]
    view = selfservice.update(admin, "Ledger", access_until=dt.date(2999, 1, 31),
                              end_reminder_days=3, reason_to_approve=True)
    assert (view["expire_days"], view["remind_days"], view["escalate_days"]) == (14, 3, 5)
    assert view["escalation_approvers"] == [ledger["chief"].upn]
    assert (view["access_until"], view["access_days"], view["end_reminder_days"]) == (
        "2999-01-31", None, 3)
    view = selfservice.update(admin, "Ledger", access_days=30, remind_days=None,
                              escalate_days=None, clear_escalation_approvers=True)
    assert (view["access_days"], view["access_until"], view["remind_days"]) == (30, None, None)
    assert selfservice.update(admin, "Ledger", access_days=None)["access_days"] is None
    editor = selfservice.editor_view(admin, "Ledger")
    assert editor["escalation_people"] == []


# --- rule 21: exactly once, whoever sweeps and however often ---------------------------------


def test_sweeping_by_hand_needs_an_administrator(ledger, refused):
    refused(Refused, "administrator", governance.run_sweep, ledger["boss"])
    assert "requests_expired" in governance.run_sweep(ledger["admin"])


SWEEPER = """
import datetime as dt, sys
from desktop.models.schema import open_database
from desktop.services import governance
open_database(sys.argv[1], init=False)
at = dt.datetime.fromisoformat(sys.argv[2])
for _ in range(3):
    governance.sweep(at)
"""


def test_two_processes_sweeping_at_once_do_each_thing_once(make, admin, db_url):
    if db_url.startswith("postgres"):
        pytest.skip("the SQLite file is what two desktops share")
    boss = make.user("boss", license="p2")
    make.selfservice_app("Ledger", approvers=(boss,), email=True)
    selfservice.update(admin, "Ledger", expire_days=14, remind_days=3)
    with frozen_clock(START, STILL):
        for i in range(6):
            requests.create_request(make.user(f"asker{i}"), "Ledger")
    with frozen_clock(START + 11 * DAY, STILL):  # reminded at 14 days
        for i in range(6, 12):
            requests.create_request(make.user(f"asker{i}"), "Ledger")
    at = (START + 14 * DAY).isoformat()
    script = Path(db_url).with_suffix(".sweeper.py")
    script.write_text(SWEEPER)
    procs = [subprocess.Popen([sys.executable, str(script), db_url, at]) for _ in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert events("request.expire") == 6
    assert events("request.remind") == 6
    assert notices(boss, "request_reminder") == 6
    assert Notification.select().where(Notification.kind == "decided").count() == 6
    assert EmailOutbox.select().where(EmailOutbox.subject.startswith("Reminder")).count() == 6
    assert Application.get(Application.name == "Ledger").pending_count == 6


# --- the demo's clock ---------------------------------------------------------------------------


def test_jumping_the_clock_is_for_demo_databases_only(admin, refused):
    refused(Refused, "demo", governance.jump, admin, "7d")


def test_a_jump_moves_every_reading_of_the_clock_and_sweeps(admin, ledger):
    put_setting("demo", "1")
    token = sessions.open_session(ledger["boss"])["token"]
    before = now()
    view = governance.jump(admin, "7d")
    assert sessions.resolve(token).id == ledger["boss"].id  # a trainee stays signed in
    assert dt.timedelta(days=7) <= now() - before < dt.timedelta(days=7, minutes=1)
    assert clock_offset() == dt.timedelta(days=7)
    assert "requests_expired" in view["sweep"]
    assert events("demo.jump") == 1
    governance.jump(admin, "12h")
    assert clock_offset() == dt.timedelta(days=7, hours=12)
    for bad in ("7", "x7d", "0d", "-1d", "99999d"):
        with pytest.raises(UsageError):
            governance.jump(admin, bad)
    SelfServiceSettings.select().count()  # the database stays usable
    put_setting("clock_offset", "0")
    assert clock_offset(fresh=True) == dt.timedelta()


def test_timeouts_sweep_alone_reports_each_kind(ledger):
    assert set(timeouts.sweep(START)) == {"requests_expired", "requests_escalated",
                                          "requests_reminded"}
