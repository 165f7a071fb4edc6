"""Rule 19: approvers who are away and their delegates: who may set it, the delegate's checks,
a delegate deciding (audited with both names, decided_for), no reminders or e-mail while away,
still eligible for rule 11, and the administrators told exactly once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop.errors import Refused
from desktop.models import (
    AccessRequest,
    AuditEvent,
    AwayPeriod,
    EmailOutbox,
    Notification,
    SelfServiceSettings,
)
from desktop.services import (
    approvals,
    away,
    check,
    directory,
    governance,
    myapps,
    policy,
    requests,
    selfservice,
)
from desktop.services.core import frozen_clock

pytestmark = pytest.mark.usefixtures("consistent")
START = dt.datetime(2027, 3, 1, 9, 0, 0)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
STILL = dt.timedelta(0)


@pytest.fixture
def clock():
    with frozen_clock(START, STILL) as jump:
        yield jump


@pytest.fixture
def office(make, admin, clock):
    """Ledger: approvers boss and deputy's colleague; e-mail on; reminders after 3 days."""
    boss, other = make.user("boss", license="p2"), make.user("other", license="p2")
    deputy = make.user("deputy", license="p2")
    make.selfservice_app("Ledger", approvers=(boss,), email=True)
    selfservice.update(admin, "Ledger", expire_days=14, remind_days=3)
    return {"boss": boss, "other": other, "deputy": deputy, "admin": admin,
            "alice": make.user("alice")}


def notices(user, kind):
    return Notification.select().where(
        (Notification.recipient == user) & (Notification.kind == kind)).count()


def mails_to(user):
    return EmailOutbox.select().where(EmailOutbox.to == user.mail).count()


# --- who may set it ---------------------------------------------------------------------------


def test_an_approver_sets_himself_away_and_back(office):
    boss = office["boss"]
    view = away.set_away(boss, None, "2027-03-02", "2027-03-10", office["deputy"].upn)
    assert (view["away"], view["delegate"]) == (False, office["deputy"].upn)
    assert view["to"] == "2027-03-11T00:00:00Z"  # the end of the date (UTC directory)
    assert AuditEvent.get(AuditEvent.action == "away.set").actor == boss.upn
    assert notices(office["deputy"], "away_delegate") == 1
    assert away.clear_away(boss)["from"] is None
    assert AwayPeriod.select().count() == 0
    assert AuditEvent.get(AuditEvent.action == "away.clear").actor == boss.upn


def test_an_administrator_sets_anyone_away(office):
    view = away.set_away(office["admin"], office["boss"].upn, None, "2027-03-10")
    assert view["away"]
    assert view["user"] == office["boss"].upn
    assert notices(office["boss"], "away_set") == 1


def test_nobody_else_sets_another_away_and_a_non_approver_not_himself(office, refused):
    boss, other = office["boss"], office["other"]
    refused(Refused, "himself or a", away.set_away, other, boss.upn, None, "2027-03-10")
    refused(Refused, "not an approver", away.set_away, other, None, None, "2027-03-10")
    refused(Refused, "himself or a", away.clear_away, other, boss.upn)


def test_the_period_and_the_delegate_are_checked(office, make, refused):
    boss, deputy = office["boss"], office["deputy"]
    refused(Refused, "end after it starts", away.set_away, boss, None, "2027-03-10",
            "2027-03-05")
    refused(Refused, "over already", away.set_away, boss, None, "2027-02-01", "2027-02-10")
    refused(Refused, "himself", away.set_away, boss, None, None, "2027-03-10", boss.upn)
    off = make.user("off", license="p2", enabled=False)
    refused(Refused, "disabled", away.set_away, boss, None, None, "2027-03-10", off.upn)
    free = make.user("free", license="none")
    refused(Refused, "no microsoft entra", away.set_away, boss, None, None, "2027-03-10",
            free.upn)
    away.set_away(office["admin"], deputy.upn, "2027-03-05", "2027-03-06")
    refused(Refused, "is away himself", away.set_away, boss, None, None, "2027-03-10",
            deputy.upn)
    # Outside the deputy's own period he may stand in.
    assert away.set_away(boss, None, "2027-03-08", "2027-03-10", deputy.upn)["delegate"]


# --- while away ---------------------------------------------------------------------------------


def test_away_no_reminders_no_mail_but_his_delegate_is_told(office, clock):
    boss, deputy, alice = office["boss"], office["deputy"], office["alice"]
    away.set_away(boss, None, None, "2027-03-20", deputy.upn)
    req = requests.create_request(alice, "Ledger")
    assert notices(boss, "new_request") == 0
    assert mails_to(boss) == 0
    assert notices(deputy, "new_request") == 1
    assert mails_to(deputy) == 1
    clock(START + 3 * DAY)
    assert governance.sweep(START + 3 * DAY)["requests_reminded"] == 1
    assert notices(boss, "request_reminder") == 0
    assert mails_to(boss) == 0
    assert notices(deputy, "request_reminder") == 1
    assert AccessRequest.get_by_id(req["id"]).status == "pending"


def test_away_he_stays_an_eligible_approver_for_rule_11(office):
    boss, alice = office["boss"], office["alice"]
    away.set_away(boss, None, None, "2027-03-20")
    req = requests.create_request(alice, "Ledger")  # not refused: he is still an approver
    settings = SelfServiceSettings.get()
    assert policy.can_be_decided(settings, alice)
    assert requests.close_unapprovable([settings.application_id], None) == []
    assert AccessRequest.get_by_id(req["id"]).status == "pending"


def test_a_delegate_decides_for_him_audited_with_both_names(office, refused):
    boss, deputy, alice, other = (office[k] for k in ("boss", "deputy", "alice", "other"))
    req = requests.create_request(alice, "Ledger")
    refused(Refused, "only an approver", requests.approve, deputy, req["id"])
    assert approvals.list_pending(deputy) == []
    away.set_away(boss, None, None, "2027-03-20", deputy.upn)
    assert policy.is_approver_anywhere(deputy)
    assert [r["id"] for r in approvals.list_pending(deputy)] == [req["id"]]
    refused(Refused, "only an approver", requests.approve, other, req["id"])
    view = requests.approve(deputy, req["id"])
    assert view["decided_by"] == deputy.upn
    assert AccessRequest.get_by_id(req["id"]).decided_for == boss.id
    event = AuditEvent.get(AuditEvent.action == "request.approve")
    details = json.loads(event.details)
    assert (event.actor, details["delegate"], details["for"]) == (deputy.upn, deputy.upn,
                                                                 boss.upn)
    mine = myapps.list_my_requests(alice)
    assert mine[0]["approver"] == f"{deputy.display_name} for {boss.display_name}"
    assert approvals.list_decided(deputy)[0]["decided_for"] == boss.upn
    notice = Notification.get((Notification.recipient == alice)
                              & (Notification.kind == "decided"))
    assert f"(for {boss.display_name})" in notice.message
    assert check.run(office["admin"])["ok"], check.as_text(check.run(office["admin"]))


def test_a_delegate_never_decides_his_own_request(office, refused):
    boss, deputy = office["boss"], office["deputy"]
    away.set_away(boss, None, None, "2027-03-20", deputy.upn)
    req = requests.create_request(deputy, "Ledger")
    assert approvals.list_pending(deputy) == []
    refused(Refused, "own request", requests.approve, deputy, req["id"])


def test_the_delegate_stops_when_the_approver_is_back(office, clock, refused):
    boss, deputy, alice = office["boss"], office["deputy"], office["alice"]
    away.set_away(boss, None, None, "2027-03-05", deputy.upn)
    req = requests.create_request(alice, "Ledger")
    back = policy.end_of_date(dt.date(2027, 3, 5), dt.UTC)
    clock(back - SECOND)
    assert [r["id"] for r in approvals.list_pending(deputy)] == [req["id"]]
    clock(back)
    assert approvals.list_pending(deputy) == []
    refused(Refused, "only an approver", requests.approve, deputy, req["id"])


# --- nobody available -----------------------------------------------------------------------------


def test_administrators_are_told_once_and_again_after_someone_was_back(office, clock):
    boss, admin, alice = office["boss"], office["admin"], office["alice"]
    requests.create_request(alice, "Ledger")
    assert governance.sweep(START)["admins_told_nobody_available"] == 0
    away.set_away(boss, None, None, "2027-03-20")
    assert governance.sweep(START)["admins_told_nobody_available"] == 1
    assert governance.sweep(START + SECOND)["admins_told_nobody_available"] == 0
    assert notices(admin, "approvers_away") == 1
    assert AuditEvent.select().where(AuditEvent.action == "away.nobody_available").count() == 1
    assert AccessRequest.select().where(AccessRequest.status == "pending").count() == 1
    away.clear_away(boss)
    governance.sweep(START + 2 * SECOND)
    assert SelfServiceSettings.get().nobody_available_told_at is None
    away.set_away(boss, None, None, "2027-03-20")
    assert governance.sweep(START + 3 * SECOND)["admins_told_nobody_available"] == 1
    assert notices(admin, "approvers_away") == 2


def test_nobody_is_told_when_a_delegate_stands_in(office):
    requests.create_request(office["alice"], "Ledger")
    away.set_away(office["boss"], None, None, "2027-03-20", office["deputy"].upn)
    assert governance.sweep(START)["admins_told_nobody_available"] == 0
    assert notices(office["admin"], "approvers_away") == 0


def test_disabling_the_away_approver_still_closes_as_before(office):
    """Refusals and rule 11 unchanged: only absence never closes."""
    boss, alice = office["boss"], office["alice"]
    away.set_away(boss, None, None, "2027-03-20", office["deputy"].upn)
    req = requests.create_request(alice, "Ledger")
    directory.update_user(office["admin"], boss.upn, enabled=False)
    assert AccessRequest.get_by_id(req["id"]).status == "closed"
