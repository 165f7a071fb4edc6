"""Rule 11 (no request stranded), rule 13 (access through self-service), rule 15 (disabling)."""

from __future__ import annotations

import pytest

from desktop.errors import Conflict, NotFound, Refused
from desktop.models import (
    AccessRequest,
    Assignment,
    AuditEvent,
    GroupMember,
    Notification,
    SelfServiceApprover,
    User,
)
from desktop.services import access, applications, directory, requests, selfservice

pytestmark = pytest.mark.usefixtures("consistent")


def reload(req):
    return AccessRequest.get_by_id(req.id)


def assert_closed_by(req, admin, *words):
    req = reload(req)
    assert req.status == "closed"
    assert req.decided_by_id == admin.id
    assert req.decided_at is not None
    for word in words:
        assert word in req.reason
    # The requester sees the reason: in his request and in a notification.
    viewer = req.requester if req.requester.enabled else admin  # a disabled one cannot sign in
    assert requests.show(viewer, req.id)["reason"] == req.reason
    note = Notification.get((Notification.request == req.id)
                            & (Notification.recipient == req.requester)
                            & (Notification.kind == "decided"))
    assert req.reason in note.message
    event = AuditEvent.get((AuditEvent.target == f"request {req.id}")
                           & (AuditEvent.action == "request.close"))
    assert event.actor == admin.upn


@pytest.fixture
def setup(make):
    boss, deputy = make.user("boss"), make.user("deputy")
    app = make.selfservice_app("Ledger", approvers=(boss, deputy),
                               roles=("reader:Reader", "writer:Writer"), role="reader")
    alice = make.user("alice")
    return {"app": app, "boss": boss, "deputy": deputy, "alice": alice,
            "req": make.request(alice, "Ledger")}


# --- rule 11: every trigger -------------------------------------------------------------------


def test_selfservice_turned_off_closes_pending(setup, admin):
    selfservice.update(admin, "Ledger", enabled=False)
    assert_closed_by(setup["req"], admin, "turned off")


def test_approval_turned_off_closes_and_asking_again_is_immediate(setup, admin):
    selfservice.update(admin, "Ledger", require_approval=False)
    assert_closed_by(setup["req"], admin, "no longer needs approval", "again")
    again = requests.create_request(setup["alice"], "Ledger")
    assert again["status"] == "approved"


@pytest.mark.parametrize(("change", "word"), [
    ({"hidden": True}, "hidden"),
    ({"origin": "custom"}, "custom"),
    ({"public_client_flows": True}, "public client flows"),
])
def test_app_becoming_ineligible_closes_pending(setup, admin, change, word):
    applications.update_application(admin, "Ledger", **change)
    assert_closed_by(setup["req"], admin, "no longer offered", word)


def test_app_change_keeping_it_eligible_closes_nothing(setup, admin):
    applications.update_application(admin, "Ledger", description="Books", origin="consent")
    assert reload(setup["req"]).status == "pending"


def test_removing_the_last_other_approver_closes_only_the_stranded(setup, make, admin):
    # The deputy asks for Ledger himself: only the boss could decide that.
    own = make.request(setup["deputy"], "Ledger")
    selfservice.update(admin, "Ledger", remove_approvers=[setup["boss"].upn])
    assert_closed_by(own, admin, "no eligible approver")
    assert reload(setup["req"]).status == "pending"  # the deputy can still decide alice's


def test_approver_losing_license_leaves_no_eligible_approver(make, admin):
    boss = make.user("boss")
    make.selfservice_app("Vault", approvers=(boss,))
    req = make.request(make.user("alice"), "Vault")
    directory.update_user(admin, boss.upn, license="none")
    assert_closed_by(req, admin, "no eligible approver")


def test_approver_losing_license_with_another_left_closes_nothing(setup, admin):
    directory.update_user(admin, setup["deputy"].upn, license="none")
    assert reload(setup["req"]).status == "pending"


def test_approver_disabled_leaves_no_eligible_approver(make, admin):
    boss = make.user("boss")
    make.selfservice_app("Vault", approvers=(boss,))
    req = make.request(make.user("alice"), "Vault")
    directory.update_user(admin, boss.upn, enabled=False)
    assert_closed_by(req, admin, "no eligible approver")


def test_requester_disabled_closes_his_requests(setup, admin):
    directory.update_user(admin, setup["alice"].upn, enabled=False)
    assert_closed_by(setup["req"], admin, "disabled")


def test_requester_losing_license_closes_his_requests(setup, admin):
    directory.update_user(admin, setup["alice"].upn, license="none")
    assert_closed_by(setup["req"], admin, "license")


def test_license_p2_to_p1_closes_nothing(setup, admin, make):
    p2 = make.user("pat", license="p2")
    req = make.request(p2, "Ledger")
    directory.update_user(admin, p2.upn, license="p1")
    assert reload(req).status == "pending"


def test_changing_group_and_role_closes_nothing_later_approvals_use_new_values(
        setup, make, admin, refused):
    make.group("Ledger writers")
    selfservice.update(admin, "Ledger", group="Ledger writers", role="writer")
    assert reload(setup["req"]).status == "pending"
    requests.approve(setup["boss"], setup["req"].id)
    member = GroupMember.get(GroupMember.user == setup["alice"])
    assert member.group.name == "Ledger writers"
    assert Assignment.get(Assignment.user == setup["alice"]).role.value == "writer"
    # The new group has access to the app: alice now "has access" (rule 9).
    refused(Refused, "already have access", requests.create_request, setup["alice"], "Ledger")


def test_administrator_closes_a_pending_request_with_a_reason(setup, admin):
    view = requests.close(admin, setup["req"].id, "licence review")
    assert view["status"] == "closed"
    assert view["decided_by"] == admin.upn
    assert_closed_by(setup["req"], admin, "licence review")


@pytest.mark.parametrize("role", ["cloud_app_admin", "app_admin"])
def test_any_administrator_may_close(setup, make, role):
    other = make.user("op", roles=(role,))
    assert requests.close(other, setup["req"].id, "tidy up")["status"] == "closed"


def test_close_refusals(setup, admin, refused):
    error = refused(Refused, "reason", requests.close, admin, setup["req"].id, " ")
    assert error.rule == "rule 11"
    for actor in (setup["boss"], setup["alice"]):  # approvers and requesters are no admins
        error = refused(Refused, "Administrator", requests.close, actor, setup["req"].id, "x")
        assert error.rule == "rights table"
    requests.approve(setup["boss"], setup["req"].id)
    refused(Conflict, setup["boss"].upn, requests.close, admin, setup["req"].id, "late")


# --- rule 13: access through self-service ------------------------------------------------------


@pytest.fixture
def granted(setup, make):
    """Alice got Ledger by request; manny was added to the group by hand."""
    requests.approve(setup["boss"], setup["req"].id)
    manny = make.user("manny")
    make.member("SS - Ledger", manny)
    return {**setup, "manny": manny}


def test_rule13_list_shows_group_members_with_or_without_request(granted, admin):
    rows = {r["user"]: r for r in access.list_access(admin, "Ledger")}
    alice, manny = granted["alice"].upn, granted["manny"].upn
    assert set(rows) == {alice, manny}
    assert rows[alice]["via_request"] == granted["req"].id
    assert rows[alice]["role"] == "reader"
    assert rows[alice]["group"] == "SS - Ledger"
    assert rows[manny]["via_request"] is None
    assert rows[manny]["role"] is None


def test_rule13_remove_takes_membership_and_role_audited_and_told(granted, admin):
    alice = granted["alice"]
    access.remove_access(admin, "Ledger", alice.upn)
    assert not GroupMember.select().where(GroupMember.user == alice).exists()
    assert not Assignment.select().where(Assignment.user == alice).exists()
    event = AuditEvent.select().where(AuditEvent.action == "access.remove").get()
    assert event.actor == admin.upn
    assert event.target == alice.upn
    note = Notification.get((Notification.recipient == alice)
                            & (Notification.kind == "access_removed"))
    assert "Ledger" in note.message
    assert [r["user"] for r in access.list_access(admin, "Ledger")] == [granted["manny"].upn]
    # Without access he may ask again.
    assert requests.create_request(alice, "Ledger")["status"] == "pending"


def test_rule13_change_role_audited_and_told(granted, admin):
    manny = granted["manny"]
    view = access.change_role(admin, "Ledger", manny.upn, "writer")
    assert view["role"] == "writer"
    assert Assignment.get(Assignment.user == manny).role.value == "writer"
    event = AuditEvent.select().where(AuditEvent.action == "access.change_role").get()
    assert event.target == manny.upn
    assert '"to":"writer"' in event.details
    note = Notification.get((Notification.recipient == manny)
                            & (Notification.kind == "role_changed"))
    assert "Writer" in note.message
    access.change_role(admin, "Ledger", granted["alice"].upn, "writer")
    rows = {r["user"]: r["role"] for r in access.list_access(admin, "Ledger")}
    assert rows == {granted["alice"].upn: "writer", manny.upn: "writer"}


def test_rule13_refusals_change_nothing(granted, make, admin, refused):
    stranger = make.user("stranger")
    refused(NotFound, "no access", access.remove_access, admin, "Ledger", stranger.upn)
    refused(NotFound, "no access", access.change_role, admin, "Ledger", stranger.upn, "writer")
    refused(NotFound, "no role", access.change_role, admin, "Ledger", granted["alice"].upn,
            "owner")
    for actor in (granted["boss"], granted["alice"]):
        for call, args in ((access.remove_access, ()), (access.change_role, ("writer",))):
            error = refused(Refused, "Administrator", call, actor, "Ledger",
                            granted["manny"].upn, *args)
            assert error.rule == "rights table"
        refused(Refused, "Administrator", access.list_access, actor, "Ledger")


def test_rule13_turning_selfservice_off_keeps_access(granted, admin):
    selfservice.update(admin, "Ledger", enabled=False)
    assert {r["user"] for r in access.list_access(admin, "Ledger")} == {
        granted["alice"].upn, granted["manny"].upn}
    assert Assignment.get(Assignment.user == granted["alice"]).role.value == "reader"


# --- rule 15: disabling a user --------------------------------------------------------------------


def test_rule15_disabled_user_keeps_history_and_access(granted, make, admin):
    alice = granted["alice"]
    make.selfservice_app("Vault", approvers=(granted["boss"],))
    pending = make.request(alice, "Vault")
    directory.update_user(admin, alice.upn, enabled=False)
    assert User.get_by_id(alice.id).enabled is False
    assert reload(granted["req"]).status == "approved"  # history kept
    assert_closed_by(pending, admin, "disabled")
    assert GroupMember.select().where(GroupMember.user == alice).exists()  # access kept
    assert Assignment.select().where(Assignment.user == alice).exists()
    assert alice.upn in {r["user"] for r in access.list_access(admin, "Ledger")}


def test_rule15_disabled_user_leaves_approver_lists(setup, make, admin):
    make.selfservice_app("Vault", approvers=(setup["deputy"],))
    vault_req = make.request(make.user("carol"), "Vault")
    directory.update_user(admin, setup["deputy"].upn, enabled=False)
    assert not SelfServiceApprover.select().where(
        SelfServiceApprover.user == setup["deputy"]).exists()
    assert selfservice.show(admin, "Ledger")["approvers"] == [setup["boss"].upn]
    assert reload(setup["req"]).status == "pending"  # the boss is left for Ledger
    assert_closed_by(vault_req, admin, "no eligible approver")  # Vault has nobody left
    event = AuditEvent.get(AuditEvent.action == "selfservice.remove_approver")
    assert event.target == setup["deputy"].upn


def test_rule15_disabling_yourself_refused(admin, refused):
    error = refused(Refused, "your own account", directory.update_user, admin, admin.upn,
                    enabled=False)
    assert error.rule == "rights table"
