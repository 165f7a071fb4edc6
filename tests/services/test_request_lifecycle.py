"""The request life cycle: rules 4 (deciding), 7, 8, 9, 10 and 14's notification rows."""

from __future__ import annotations

import pytest

from desktop.errors import Conflict, NotSignedIn, Refused, UsageError
from desktop.models import (
    AccessRequest,
    Application,
    Assignment,
    AuditEvent,
    EmailOutbox,
    GroupMember,
    Notification,
    User,
)
from desktop.services import catalog, directory, requests
from desktop.services.core import iso

pytestmark = pytest.mark.usefixtures("consistent")


def status(req):
    return AccessRequest.get_by_id(req.id).status


@pytest.fixture
def setup(make):
    """Ledger needs approval by boss or deputy; alice (p1) and bob (no license) are users."""
    boss, deputy = make.user("boss", license="p2"), make.user("deputy")
    app = make.selfservice_app("Ledger", approvers=(boss, deputy), roles=("reader:Reader",),
                               role="reader")
    return {
        "app": app, "boss": boss, "deputy": deputy,
        "alice": make.user("alice"), "bob": make.user("bob", license="none"),
    }


# --- rule 7: a license to request and to decide ---------------------------------------------------


def test_rule7_licensed_user_may_request(setup):
    view = requests.create_request(setup["alice"], "Ledger", "quarterly close")
    assert view["status"] == "pending"
    assert view["requester"] == setup["alice"].upn
    assert view["justification"] == "quarterly close"
    assert Application.get_by_id(setup["app"].id).pending_count == 1


def test_rule7_unlicensed_user_refused_naming_the_rule(setup, refused):
    error = refused(Refused, "rule 7", requests.create_request, setup["bob"], "Ledger")
    assert "license" in str(error)


def test_rule7_catalog_explains_a_missing_license(setup):
    rows, message = catalog.catalog(setup["bob"])
    assert [r["name"] for r in rows] == ["Ledger"]  # not an empty list
    assert rows[0]["state"] == "license_required"
    assert message is not None
    assert "license" in message
    assert "rule 7" in message
    rows, message = catalog.catalog(setup["alice"])
    assert rows[0]["state"] == "requestable"
    assert message is None
    assert rows[0]["approvers"] == [setup["boss"].upn, setup["deputy"].upn]


def test_rule7_unlicensed_approver_refused_when_deciding(setup, make, admin, refused):
    req = make.request(setup["alice"], "Ledger")
    directory.update_user(admin, setup["deputy"].upn, license="none")
    assert status(req) == "pending"  # boss can still decide it
    error = refused(Refused, "rule 7", requests.approve, setup["deputy"], req.id)
    assert "license" in str(error)
    refused(Refused, "rule 7", requests.deny, setup["deputy"], req.id, "no")


# --- rule 4: deciding ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["boss", "deputy"])
def test_rule4_any_single_approver_settles(setup, make, who):
    req = make.request(setup["alice"], "Ledger")
    view = requests.approve(setup[who], req.id)
    assert view["status"] == "approved"
    assert view["decided_by"] == setup[who].upn
    assert Application.get_by_id(setup["app"].id).pending_count == 0


def test_rule4_second_decision_is_a_conflict_naming_the_first(setup, make, refused):
    req = make.request(setup["alice"], "Ledger")
    first = requests.approve(setup["boss"], req.id)
    error = refused(Conflict, setup["boss"].upn, requests.deny, setup["deputy"], req.id, "no")
    assert first["decided_at"] in str(error)
    assert error.exit_code == 5
    refused(Conflict, setup["boss"].upn, requests.approve, setup["deputy"], req.id)


def test_rule4_conflict_names_the_time_of_a_denial(setup, make, refused):
    req = make.request(setup["alice"], "Ledger")
    requests.deny(setup["deputy"], req.id, "not this quarter")
    stored = AccessRequest.get_by_id(req.id)
    error = refused(Conflict, setup["deputy"].upn, requests.approve, setup["boss"], req.id)
    assert iso(stored.decided_at) in str(error)


def test_rule4_nobody_decides_his_own_request(setup, make, refused):
    # The deputy asks for another app he also approves.
    make.selfservice_app("Vault", approvers=(setup["boss"], setup["deputy"]))
    req = make.request(setup["deputy"], "Vault")
    error = refused(Refused, "his own request", requests.approve, setup["deputy"], req.id)
    assert error.rule == "rule 4"
    refused(Refused, "his own request", requests.deny, setup["deputy"], req.id, "no")
    assert requests.approve(setup["boss"], req.id)["status"] == "approved"


def test_rule4_request_whose_only_approver_is_the_requester_refused(make, refused):
    solo = make.user("solo")
    make.selfservice_app("Vault", approvers=(solo,))
    error = refused(Refused, "you are its only approver", requests.create_request, solo,
                    "Vault")
    assert error.rule == "rule 4"
    rows, _message = catalog.catalog(solo)
    assert rows[0]["state"] == "no_approver"
    assert rows[0]["reason"] == error.plain


def test_rule4_catalog_says_why_an_app_whose_only_approver_left_cannot_be_requested(
        demo, refused):
    # Tailspin Travel has one approver; disabling him takes him off its list (rule 15).
    directory.update_user(demo, "johan.berg@contoso.example", enabled=False)
    rows, _message = catalog.catalog(demo)
    row = next(r for r in rows if r["name"] == "Tailspin Travel")
    assert row["state"] == "no_approver"
    assert row["reason"].startswith("no approver is available for Tailspin Travel")
    assert all(r["reason"] is None for r in rows if r["state"] != "no_approver")
    error = refused(Refused, "no approver is available", requests.create_request, demo,
                    "Tailspin Travel")
    assert error.rule == "rule 4"
    assert error.plain == row["reason"]  # the same words as the catalog


def test_rule4_requester_among_approvers_is_not_notified(setup, make):
    make.selfservice_app("Vault", approvers=(setup["boss"], setup["deputy"]))
    req = make.request(setup["deputy"], "Vault")
    told = {n.recipient_id for n in Notification.select().where(Notification.request == req.id)}
    assert told == {setup["boss"].id}


def test_rule4_an_approvers_own_request_is_never_his_to_approve(setup, make):
    """Not in his pending list, his history, his count (the tray's and the tab's badge)."""
    from desktop.services import approvals, notifications

    make.selfservice_app("Vault", approvers=(setup["boss"], setup["deputy"]))
    own = make.request(setup["deputy"], "Vault")
    other = make.request(setup["alice"], "Vault")
    deputy, boss = setup["deputy"], setup["boss"]
    assert [r["id"] for r in approvals.list_pending(deputy)] == [other.id]
    assert [r["id"] for r in requests.list_requests(deputy, "to_approve")] == [other.id]
    assert notifications.pending_to_approve_count(deputy) == 1
    assert {r["id"] for r in approvals.list_pending(boss)} == {own.id, other.id}
    assert notifications.pending_to_approve_count(boss) == 2
    requests.approve(boss, own.id)
    assert [r["id"] for r in approvals.list_decided(deputy)] == []


# --- rule 8: what approval grants -------------------------------------------------------------


def test_rule8_approval_adds_to_group_and_assigns_role(setup, make):
    req = make.request(setup["alice"], "Ledger")
    requests.approve(setup["boss"], req.id)
    member = GroupMember.get(GroupMember.user == setup["alice"])
    assert member.group.name == "SS - Ledger"
    assert member.source == "self_service"
    assert member.added_by_id == setup["boss"].id
    direct = Assignment.get((Assignment.user == setup["alice"])
                            & (Assignment.application == setup["app"]))
    assert direct.role.value == "reader"
    assert direct.via_request == req.id
    events = [e.action for e in AuditEvent.select().order_by(AuditEvent.seq)]
    assert events[-1] == "request.approve"
    rows, _ = catalog.catalog(setup["alice"])
    assert rows[0]["state"] == "owned"


def test_rule8_without_approval_granted_at_once(make):
    make.selfservice_app("Wiki", roles=("editor",), role="editor")
    alice = make.user("alice")
    view = requests.create_request(alice, "Wiki")
    assert view["status"] == "approved"
    assert view["decided_by"] is None
    assert GroupMember.select().where(GroupMember.user == alice).count() == 1
    assert Assignment.get(Assignment.user == alice).role.value == "editor"
    note = Notification.get(Notification.recipient == alice)
    assert "added to your apps" in note.message


def test_rule8_one_transaction_nothing_kept_when_a_step_fails(setup, make, refused,
                                                             monkeypatch):
    req = make.request(setup["alice"], "Ledger")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(requests, "audit_many", broken)  # the last step
    refused(RuntimeError, "disk full", requests.approve, setup["boss"], req.id)
    assert status(req) == "pending"
    assert not GroupMember.select().where(GroupMember.user == setup["alice"]).exists()


# --- rule 9: duplicates and existing access -------------------------------------------------------


def test_rule9_second_open_request_is_a_conflict(setup, make, refused):
    req = make.request(setup["alice"], "Ledger")
    error = refused(Conflict, "open request", requests.create_request, setup["alice"], "Ledger")
    assert str(req.id) in str(error)
    assert "rule 9" in str(error)


def test_rule9_already_has_access_through_the_selfservice_group(setup, make, refused):
    make.member("SS - Ledger", setup["alice"])
    error = refused(Refused, "already have access", requests.create_request,
                    setup["alice"], "Ledger")
    assert error.rule == "rule 9"


def test_rule9_already_has_access_through_another_assigned_group(setup, make, refused):
    other = make.group("Finance all")
    Assignment.create(application=setup["app"], group=other)
    make.member("Finance all", setup["alice"])
    refused(Refused, "already have access", requests.create_request, setup["alice"], "Ledger")


def test_rule9_already_has_access_through_direct_assignment(setup, refused):
    Assignment.create(application=setup["app"], user=setup["alice"])
    error = refused(Refused, "already have access", requests.create_request,
                    setup["alice"], "Ledger")
    assert error.rule == "rule 9"


@pytest.mark.parametrize("ending", ["denied", "cancelled", "closed"])
def test_rule9_a_finished_request_may_be_followed_by_a_new_one(setup, make, admin, ending):
    req = make.request(setup["alice"], "Ledger")
    if ending == "denied":
        requests.deny(setup["boss"], req.id, "not now")
    elif ending == "cancelled":
        requests.cancel(setup["alice"], req.id)
    else:
        requests.close(admin, req.id, "reorganisation")
    assert status(req) == ending
    again = requests.create_request(setup["alice"], "Ledger")
    assert again["status"] == "pending"
    assert again["id"] != req.id


def test_justification_longer_than_500_characters_refused(setup, refused):
    refused(UsageError, "500", requests.create_request, setup["alice"], "Ledger", "x" * 501)
    assert requests.create_request(setup["alice"], "Ledger", "x" * 500)["status"] == "pending"


def test_request_for_an_app_without_selfservice_refused(make, refused):
    make.app("Closed")
    alice = make.user("alice")
    error = refused(Refused, "not offered", requests.create_request, alice, "Closed")
    assert error.rule == "rule 1"


# --- rule 10: cancel and deny ------------------------------------------------------------------


def test_rule10_requester_cancels_his_pending_request(setup, make):
    req = make.request(setup["alice"], "Ledger")
    view = requests.cancel(setup["alice"], req.id)
    assert view["status"] == "cancelled"
    assert view["decided_by"] == setup["alice"].upn


@pytest.mark.parametrize("who", ["boss", "deputy", "admin", "carol"])
def test_rule10_only_the_requester_may_cancel(setup, make, admin, refused, who):
    actor = {"admin": admin}.get(who) or setup.get(who) or make.user(who)
    req = make.request(setup["alice"], "Ledger")
    error = refused(Refused, "only the requester", requests.cancel, actor, req.id)
    assert error.rule == "rule 10"


def test_rule10_cancelling_a_decided_request_is_a_conflict(setup, make, refused):
    req = make.request(setup["alice"], "Ledger")
    requests.approve(setup["boss"], req.id)
    refused(Conflict, setup["boss"].upn, requests.cancel, setup["alice"], req.id)


def test_rule10_deny_needs_a_reason_the_requester_sees(setup, make, refused):
    req = make.request(setup["alice"], "Ledger")
    error = refused(Refused, "reason", requests.deny, setup["boss"], req.id, "  ")
    assert error.rule == "rule 10"
    requests.deny(setup["boss"], req.id, "ask your manager first")
    seen = requests.show(setup["alice"], req.id)
    assert seen["status"] == "denied"
    assert seen["reason"] == "ask your manager first"
    told = Notification.select().where((Notification.recipient == setup["alice"])
                                       & (Notification.kind == "decided")).get()
    assert "ask your manager first" in told.message
    assert not GroupMember.select().where(GroupMember.user == setup["alice"]).exists()


# --- rule 14: approvers are notified --------------------------------------------------------------


def test_rule14_each_approver_gets_a_notification_row(setup, make):
    req = make.request(setup["alice"], "Ledger")
    rows = list(Notification.select().where(Notification.request == req.id))
    assert {n.recipient_id for n in rows} == {setup["boss"].id, setup["deputy"].id}
    assert {n.kind for n in rows} == {"new_request"}
    assert all(n.read_at is None for n in rows)
    assert all("Ledger" in n.message for n in rows)
    assert not EmailOutbox.select().exists()  # e-mail is off for Ledger


def test_rule14_approvers_badge_counts_what_they_may_decide(setup, make):
    from desktop.services import notifications

    first = make.request(setup["alice"], "Ledger")
    make.request(make.user("carol"), "Ledger")
    assert notifications.pending_to_approve_count(setup["boss"]) == 2
    assert notifications.unread_count(setup["boss"], ["new_request"]) == 2
    requests.approve(setup["deputy"], first.id)
    assert notifications.pending_to_approve_count(setup["boss"]) == 1
    assert notifications.pending_to_approve_count(setup["alice"]) == 0
    assert notifications.unread_count(setup["alice"]) == 1  # his decision


def test_rule14_ineligible_approvers_are_not_notified(setup, make, admin):
    directory.update_user(admin, setup["deputy"].upn, license="none")
    req = make.request(setup["alice"], "Ledger")
    told = {n.recipient_id for n in Notification.select().where(Notification.request == req.id)}
    assert told == {setup["boss"].id}


def test_rule14_email_queued_for_approvers_when_switched_on(make):
    boss, nomail = make.user("boss"), make.user("nomail", mail=False)
    make.selfservice_app("Vault", approvers=(boss, nomail), email=True)
    alice = make.user("alice")
    req = make.request(alice, "Vault")
    mails = list(EmailOutbox.select())
    assert [m.to for m in mails] == [boss.upn]  # one without an address gets the tray only
    assert str(req.id) in mails[0].body
    assert "Vault" in mails[0].subject
    assert Notification.select().where(Notification.request == req.id).count() == 2


# --- the rights table's approver row --------------------------------------------------------------


def test_administrators_are_not_approvers_unless_listed(setup, make, admin, refused):
    req = make.request(setup["alice"], "Ledger")
    error = refused(Refused, "only an approver of Ledger", requests.approve, admin, req.id)
    assert error.rule == "rights table"
    refused(Refused, "only an approver", requests.deny, admin, req.id, "no")


def test_approver_of_another_app_may_not_decide(setup, make, refused):
    other = make.user("other")
    make.selfservice_app("Vault", approvers=(other,))
    req = make.request(setup["alice"], "Ledger")
    refused(Refused, "only an approver of Ledger", requests.approve, other, req.id)


def test_disabled_approver_is_not_signed_in(setup, make, admin, refused):
    req = make.request(setup["alice"], "Ledger")
    stale = User.get_by_id(setup["deputy"].id)
    directory.update_user(admin, stale.upn, enabled=False)
    refused(NotSignedIn, "disabled", requests.approve, stale, req.id)


def test_approver_sees_requests_to_approve_requester_his_own(setup, make):
    req = make.request(setup["alice"], "Ledger")
    assert [r["id"] for r in requests.list_requests(setup["boss"], "to_approve")] == [req.id]
    assert [r["id"] for r in requests.list_requests(setup["alice"], "mine")] == [req.id]
    assert requests.list_requests(setup["boss"], "mine") == []
    assert requests.show(setup["boss"], req.id)["id"] == req.id


def test_others_may_not_see_a_request(setup, make, refused):
    req = make.request(setup["alice"], "Ledger")
    carol = make.user("carol")
    error = refused(Refused, "neither yours", requests.show, carol, req.id)
    assert error.rule == "rights table"
    refused(Refused, "Administrator", requests.list_requests, carol, "all")
    assert requests.list_requests(carol, "to_approve") == []
