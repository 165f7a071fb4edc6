"""Rule 18: time-bound access: grants, reminders and ends at their boundaries, extensions,
administrators extending and ending, and access removed by other means."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.errors import Conflict, NotFound, Refused
from desktop.models import (
    AccessGrant,
    AccessRequest,
    Assignment,
    AuditEvent,
    EmailOutbox,
    GroupMember,
    Notification,
    SelfServiceSettings,
)
from desktop.services import access, check, directory, grants, requests
from desktop.services.core import frozen_clock, put_setting, transaction

pytestmark = pytest.mark.usefixtures("consistent")
START = dt.datetime(2027, 3, 1, 9, 0, 0)
SECOND = dt.timedelta(seconds=1)


def lasts(app, days=None, until=None, remind=7):
    SelfServiceSettings.update(access_days=days, access_until=until,
                               end_reminder_days=remind).where(
        SelfServiceSettings.application == app).execute()


@pytest.fixture
def ledger(make):
    """Ledger: approval by boss, the role reader, access lasting 30 days, e-mail on."""
    boss = make.user("boss", license="p2")
    app = make.selfservice_app("Ledger", approvers=(boss,), roles=("reader:Reader",),
                               role="reader", email=True)
    lasts(app, days=30)
    return {"app": app, "boss": boss, "alice": make.user("alice")}


def granted(ledger):
    req = requests.create_request(ledger["alice"], "Ledger")
    requests.approve(ledger["boss"], req["id"])
    return AccessGrant.get(AccessGrant.user == ledger["alice"])


def notices(user, kind):
    return [n.message for n in Notification.select().where(
        (Notification.recipient == user) & (Notification.kind == kind))]


def member(app, user):
    group = SelfServiceSettings.get(SelfServiceSettings.application == app).group_id
    return GroupMember.select().where((GroupMember.group == group)
                                      & (GroupMember.user == user)).exists()


def direct(app, user):
    return Assignment.select().where((Assignment.application == app)
                                     & (Assignment.user == user)).exists()


# --- a grant is made by an approval ------------------------------------------------------------


def test_approval_records_what_it_added_and_when_it_ends(ledger):
    with frozen_clock(START):
        grant = granted(ledger)
    assignment = Assignment.get((Assignment.application == ledger["app"])
                                & (Assignment.user == ledger["alice"]))
    assert grant.added_membership
    assert grant.assignment == assignment.id
    assert grant.ends_at == grant.granted_at + dt.timedelta(days=30)
    event = AuditEvent.select().where(AuditEvent.action == "request.approve").get()
    assert '"until":"2027-03-31T09:00' in event.details
    rows = access.list_access(_admin(), "Ledger")
    assert rows[0]["until"].startswith("2027-03-31T09:00")


def _admin():
    from desktop.models import DirectoryRoleAssignment

    return DirectoryRoleAssignment.get(DirectoryRoleAssignment.role == "global_admin").user


def test_until_a_date_ends_with_that_date_in_the_directorys_time_zone(ledger):
    with transaction():
        put_setting("time_zone", "Europe/Paris")
    lasts(ledger["app"], until=dt.date(2027, 3, 12))
    grant = granted(ledger)
    assert grant.ends_at == dt.datetime(2027, 3, 12, 23, 0)  # midnight in Paris, in UTC
    assert grants.describe_end(grant.ends_at) == "the end of 12 March 2027 (Europe/Paris)"


def test_without_a_duration_nothing_is_recorded(ledger):
    lasts(ledger["app"])
    granted_req = requests.create_request(ledger["alice"], "Ledger")
    requests.approve(ledger["boss"], granted_req["id"])
    assert AccessGrant.select().count() == 0
    assert access.list_access(_admin(), "Ledger")[0]["until"] is None
    assert grants.sweep(START + dt.timedelta(days=9999)) == {"grants_reminded": 0,
                                                             "grants_ended": 0}


# --- the sweep: reminders and ends at their boundaries, once ------------------------------------


def test_reminder_at_its_boundary_once(ledger):
    with frozen_clock(START):
        grant = granted(ledger)
        due = grant.ends_at - dt.timedelta(days=7)
        assert grants.sweep(due - SECOND)["grants_reminded"] == 0
        assert notices(ledger["alice"], "access_ending") == []
        assert grants.sweep(due)["grants_reminded"] == 1
        assert grants.sweep(due + SECOND)["grants_reminded"] == 0
        assert grants.sweep(due + dt.timedelta(days=1))["grants_reminded"] == 0
    (text,) = notices(ledger["alice"], "access_ending")
    assert "ends on 31 March 2027 at 09:00 UTC" in text
    mails = EmailOutbox.select().where(EmailOutbox.subject.contains("ends soon"))
    assert [m.to for m in mails] == [ledger["alice"].mail]
    assert AuditEvent.get(AuditEvent.action == "access.remind").actor is None


def test_end_at_its_boundary_removes_what_the_grant_added_once(ledger):
    with frozen_clock(START):
        grant = granted(ledger)
        assert grants.sweep(grant.ends_at - SECOND)["grants_ended"] == 0
        assert member(ledger["app"], ledger["alice"])
        assert grants.sweep(grant.ends_at)["grants_ended"] == 1
        assert grants.sweep(grant.ends_at + SECOND) == {"grants_reminded": 0,
                                                        "grants_ended": 0}
    assert not member(ledger["app"], ledger["alice"])
    assert not direct(ledger["app"], ledger["alice"])
    ended = AccessGrant.get_by_id(grant.id)
    assert (ended.ended_at, ended.ended_why) == (grant.ends_at, "expired")
    event = AuditEvent.get(AuditEvent.action == "access.end")
    assert event.actor is None
    assert event.target == ledger["alice"].upn
    assert len(notices(ledger["alice"], "access_ended")) == 1
    assert check.run(_admin())["ok"], check.as_text(check.run(_admin()))


def test_end_keeps_access_held_by_other_means(ledger, make):
    """A membership made before the approval (an administrator added her while her request
    waited) stays; the direct role the grant added goes; other people's access stays."""
    bob = make.user("bob")
    req = requests.create_request(ledger["alice"], "Ledger")
    make.member("SS - Ledger", ledger["alice"])
    make.member("SS - Ledger", bob)
    requests.approve(ledger["boss"], req["id"])
    grant = AccessGrant.get(AccessGrant.user == ledger["alice"])
    assert not grant.added_membership
    assert grant.assignment is not None
    grants.sweep(grant.ends_at)
    assert member(ledger["app"], ledger["alice"])
    assert member(ledger["app"], bob)
    assert not direct(ledger["app"], ledger["alice"])
    assert check.run(_admin())["ok"]


def test_a_membership_made_again_by_an_administrator_stays(ledger, make):
    grant = granted(ledger)
    directory.remove_member(_admin(), "SS - Ledger", ledger["alice"].upn)
    make.member("SS - Ledger", ledger["alice"])
    grants.sweep(grant.ends_at)
    assert member(ledger["app"], ledger["alice"])
    assert not direct(ledger["app"], ledger["alice"])


# --- extensions ----------------------------------------------------------------------------------


def test_extension_is_exempt_from_already_has_access_and_decided_as_a_request(ledger, refused):
    with frozen_clock(START) as jump:
        grant = granted(ledger)
        refused(Refused, "rule 9", requests.create_request, ledger["alice"], "Ledger")
        jump(grant.ends_at - dt.timedelta(days=3))
        grants.sweep(grant.ends_at - dt.timedelta(days=3))
        view = requests.create_request(ledger["alice"], "Ledger", "still closing", extend=True)
        assert (view["kind"], view["status"]) == ("extension", "pending")
        refused(Conflict, "open request", requests.create_request, ledger["alice"], "Ledger",
                extend=True)
        requests.approve(ledger["boss"], view["id"])
    moved = AccessGrant.get_by_id(grant.id)
    assert moved.ends_at == grant.ends_at + dt.timedelta(days=30)
    assert moved.reminded_at is None
    assert moved.ended_at is None
    assert AccessGrant.select().count() == 1
    assert any("extended your access to Ledger" in m
               for m in notices(ledger["alice"], "decided"))
    assert grants.sweep(grant.ends_at)["grants_ended"] == 0
    assert check.run(_admin())["ok"]


def test_extension_without_approval_is_immediate_from_now_when_later(ledger):
    SelfServiceSettings.update(require_approval=False).where(
        SelfServiceSettings.application == ledger["app"]).execute()
    with frozen_clock(START) as jump:
        requests.create_request(ledger["alice"], "Ledger")
        grant = AccessGrant.get(AccessGrant.user == ledger["alice"])
        jump(grant.ends_at + dt.timedelta(hours=1))  # over, and no sweep ran yet
        view = requests.create_request(ledger["alice"], "Ledger", extend=True)
    assert view["status"] == "approved"
    ends = AccessGrant.get_by_id(grant.id).ends_at
    assert ends > grant.ends_at + dt.timedelta(days=30)


def test_extension_refused_without_time_bound_access(ledger, refused):
    refused(Refused, "rule 18", requests.create_request, ledger["alice"], "Ledger",
            extend=True)
    granted(ledger)
    lasts(ledger["app"])  # no longer time-bound: only an administrator extends hers
    refused(Refused, "no longer time-bound", requests.create_request, ledger["alice"],
            "Ledger", extend=True)


def test_a_pending_extension_is_closed_when_the_access_ends(ledger):
    grant = granted(ledger)
    view = requests.create_request(ledger["alice"], "Ledger", extend=True)
    grants.sweep(grant.ends_at)
    assert AccessRequest.get_by_id(view["id"]).status == "closed"


# --- administrators ---------------------------------------------------------------------------


def test_admin_extends_by_days_or_until_a_date(ledger, refused):
    grant = granted(ledger)
    admin, upn = _admin(), ledger["alice"].upn
    view = grants.extend(admin, "Ledger", upn, days=10)
    assert AccessGrant.get_by_id(grant.id).ends_at == grant.ends_at + dt.timedelta(days=10)
    assert view["until"].startswith((grant.ends_at + dt.timedelta(days=10)).date().isoformat())
    grants.extend(admin, "Ledger", upn, until="2099-01-31")
    assert AccessGrant.get_by_id(grant.id).ends_at == dt.datetime(2099, 2, 1)
    refused(Refused, "later date", grants.extend, admin, "Ledger", upn, until="2099-01-01")
    refused(Refused, "administrator", grants.extend, ledger["boss"], "Ledger", upn, days=1)
    assert AuditEvent.select().where(AuditEvent.action == "access.extend").count() == 2
    assert len(notices(ledger["alice"], "access_extended")) == 2


def test_admin_ends_access_now_audited_with_his_name(ledger, refused):
    grant = granted(ledger)
    admin = _admin()
    view = grants.end(admin, "Ledger", ledger["alice"].upn)
    assert view["removed_membership"]
    assert view["removed_role"]
    assert not member(ledger["app"], ledger["alice"])
    event = AuditEvent.get(AuditEvent.action == "access.end")
    assert event.actor == admin.upn
    assert AccessGrant.get_by_id(grant.id).ended_why == "ended by an administrator"
    refused(NotFound, "does not end", grants.end, admin, "Ledger", ledger["alice"].upn)
    assert grants.sweep(grant.ends_at)["grants_ended"] == 0
    assert check.run(admin)["ok"]


def test_access_removed_ends_the_grant_so_the_sweep_does_nothing(ledger):
    grant = granted(ledger)
    view = requests.create_request(ledger["alice"], "Ledger", extend=True)
    access.remove_access(_admin(), "Ledger", ledger["alice"].upn)
    assert AccessGrant.get_by_id(grant.id).ended_why == "access removed"
    assert AccessRequest.get_by_id(view["id"]).status == "closed"
    assert grants.sweep(grant.ends_at) == {"grants_reminded": 0, "grants_ended": 0}
    assert AuditEvent.select().where(AuditEvent.action == "access.end").count() == 0
