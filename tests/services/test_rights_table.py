"""Every row of SPEC.md's rights table: who is allowed, and that everyone else is refused
without a row changing. (Sign-in and one's own password: test_signin.py; approving and
deciding: test_request_lifecycle.py.)"""

from __future__ import annotations

import io
import json

import pytest

from desktop.errors import NotSignedIn, Refused
from desktop.models import AccessRequest, Application, Group, User
from desktop.services import (
    access,
    applications,
    auditlog,
    auth,
    catalog,
    directory,
    requests,
    selfservice,
)

ADMIN_ROLES = ["global_admin", "cloud_app_admin", "app_admin"]
NOT_ADMINS = ["user", "approver", "unlicensed"]


@pytest.fixture
def world(make, admin):
    """Ledger (approver: appr), a spare group with dave, carol as a plain user, a request."""
    people = {
        "global_admin": admin,
        "cloud_app_admin": make.user("cloud", roles=("cloud_app_admin",)),
        "app_admin": make.user("appadm", roles=("app_admin",)),
        "user": make.user("plain"),
        "approver": make.user("appr"),
        "unlicensed": make.user("nolic", license="none"),
    }
    make.selfservice_app("Ledger", approvers=(people["approver"],),
                         roles=("reader", "writer"), role="reader")
    make.group("Spare group")
    carol, dave, member = make.user("carol"), make.user("dave"), make.user("member")
    make.member("Spare group", dave)
    make.member("SS - Ledger", member)
    req = make.request(carol, "Ledger")
    return {"people": people, "carol": carol, "dave": dave, "member": member, "req": req}


def admin_actions(world):
    carol, dave, member = world["carol"], world["dave"], world["member"]
    return {
        "add application": lambda a: applications.add_application(a, "New app"),
        "change application": lambda a: applications.update_application(
            a, "Ledger", description="General ledger"),
        "add group": lambda a: directory.add_group(a, "New group"),
        "add group member": lambda a: directory.add_member(a, "Spare group", carol.upn),
        "remove group member": lambda a: directory.remove_member(a, "Spare group", dave.upn),
        "self-service settings": lambda a: selfservice.update(a, "Ledger", email_approvers=True),
        "remove access": lambda a: access.remove_access(a, "Ledger", member.upn),
        "change role": lambda a: access.change_role(a, "Ledger", member.upn, "writer"),
        "close a pending request": lambda a: requests.close(a, world["req"].id, "tidy up"),
    }


ADMIN_ACTIONS = ["add application", "change application", "add group", "add group member",
                 "remove group member", "self-service settings", "remove access",
                 "change role", "close a pending request"]


def effect(name, world):
    """What the allowed action visibly did."""
    carol, dave, member = world["carol"], world["dave"], world["member"]
    from desktop.models import Assignment, GroupMember, SelfServiceSettings

    checks = {
        "add application": lambda: Application.select().where(
            Application.name == "New app").exists(),
        "change application": lambda: Application.get(
            Application.name == "Ledger").description == "General ledger",
        "add group": lambda: Group.select().where(Group.name == "New group").exists(),
        "add group member": lambda: GroupMember.select().where(
            GroupMember.user == carol).exists(),
        "remove group member": lambda: not GroupMember.select().where(
            GroupMember.user == dave).exists(),
        "self-service settings": lambda: SelfServiceSettings.get().email_approvers,
        "remove access": lambda: not GroupMember.select().where(
            GroupMember.user == member).exists(),
        "change role": lambda: Assignment.get(Assignment.user == member).role.value == "writer",
        "close a pending request": lambda: AccessRequest.get_by_id(
            world["req"].id).status == "closed",
    }
    return checks[name]()


# --- applications, groups, members, settings, access, closing: any administrator ----------------


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_administrators_may(world, role, action):
    actor = world["people"][role]
    admin_actions(world)[action](actor)
    assert effect(action, world)


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
@pytest.mark.parametrize("who", NOT_ADMINS)
def test_others_may_not(world, refused, who, action):
    actor = world["people"][who]
    error = refused(Refused, "Global, Cloud Application or Application Administrator",
                    admin_actions(world)[action], actor)
    assert error.rule == "rights table"
    assert error.exit_code == 3


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_administrators_may_read_the_directory(world, role):
    actor = world["people"][role]
    assert {u["upn"] for u in directory.list_users(actor)} >= {world["carol"].upn}
    assert "Spare group" in {g["name"] for g in directory.list_groups(actor)}
    assert [u["upn"] for u in directory.list_members(actor, "Spare group")] == [
        world["dave"].upn]
    assert [a["name"] for a in applications.list_applications(actor)] == ["Ledger"]
    assert applications.get_application(actor, "Ledger")["self_service"] is True
    assert directory.get_user(actor, world["carol"].upn)["upn"] == world["carol"].upn
    carol = world["carol"]
    assert directory.display_names(actor, [carol.upn.upper(), "nobody@example.test"]) == {
        carol.upn: carol.display_name}
    assert len(requests.list_requests(actor, "all")) == 1


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_others_may_not_read_the_directory(world, refused, who):
    actor = world["people"][who]
    for call, args in ((directory.list_users, ()), (directory.list_groups, ()),
                       (directory.list_members, ("Spare group",)),
                       (applications.list_applications, ()),
                       (applications.get_application, ("Ledger",)),
                       (directory.display_names, ([world["carol"].upn],)),
                       (requests.list_requests, ("all",))):
        refused(Refused, "Administrator", call, actor, *args)
    refused(Refused, "only administrators", directory.get_user, actor, world["carol"].upn)


# --- users, licenses, roles, other people's passwords: Global Administrator only -----------------


GLOBAL_ACTIONS = {
    "add a user": lambda a, w: directory.add_user(a, "new.person@example.test", "New Person"),
    "change a name": lambda a, w: directory.update_user(a, w["carol"].upn, name="Carol C."),
    "change a license": lambda a, w: directory.update_user(a, w["carol"].upn, license="p2"),
    "give a directory role": lambda a, w: directory.update_user(
        a, w["carol"].upn, roles=["app_admin"]),
    "disable a user": lambda a, w: directory.update_user(a, w["carol"].upn, enabled=False),
    "set another user's password": lambda a, w: auth.set_password(
        a, w["carol"].upn, "correct horse battery"),
}


@pytest.mark.parametrize("action", list(GLOBAL_ACTIONS))
def test_global_administrator_may(world, action):
    GLOBAL_ACTIONS[action](world["people"]["global_admin"], world)
    carol = User.get_by_id(world["carol"].id)
    expected = {
        "add a user": lambda: User.select().where(
            User.upn == "new.person@example.test").exists(),
        "change a name": lambda: carol.display_name == "Carol C.",
        "change a license": lambda: carol.license == "p2",
        "give a directory role": lambda: directory.get_user(
            world["people"]["global_admin"], carol.upn)["roles"] == ["app_admin"],
        "disable a user": lambda: carol.enabled is False,
        "set another user's password": lambda: auth.sign_in(
            carol.upn, "correct horse battery").id == carol.id,
    }
    assert expected[action]()


@pytest.mark.parametrize("action", list(GLOBAL_ACTIONS))
@pytest.mark.parametrize("who", ["cloud_app_admin", "app_admin", "user", "approver"])
def test_only_a_global_administrator_may(world, refused, who, action):
    error = refused(Refused, "only a Global Administrator", GLOBAL_ACTIONS[action],
                    world["people"][who], world)
    assert error.rule == "rights table"


def test_global_administrator_cannot_drop_his_own_role(world, admin, refused):
    refused(Refused, "from yourself", directory.update_user, admin, admin.upn,
            roles=["app_admin"])


# --- the audit log: any administrator ----------------------------------------------------------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_administrators_may_read_and_verify_the_audit_log(world, role):
    actor = world["people"][role]
    events = auditlog.list_events(actor, limit=5)
    assert events
    assert events[0]["action"] == "request.create"
    assert auditlog.verify(actor).ok


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_others_may_not_read_the_audit_log(world, refused, who):
    actor = world["people"][who]
    refused(Refused, "Administrator", auditlog.list_events, actor)
    refused(Refused, "Administrator", auditlog.verify, actor)


# --- one's own apps, requests, catalog: any signed-in user -------------------------------------


@pytest.mark.parametrize("who", ["user", "approver", "unlicensed", "app_admin"])
def test_any_signed_in_user_sees_his_own(world, who):
    actor = world["people"][who]
    assert directory.whoami(actor)["upn"] == actor.upn
    assert directory.get_user(actor, actor.upn)["upn"] == actor.upn
    rows, _ = catalog.catalog(actor)
    assert [r["name"] for r in rows] == ["Ledger"]
    assert requests.list_requests(actor, "mine") == []


def test_requester_sees_and_cancels_his_own(world):
    carol, req = world["carol"], world["req"]
    assert [r["id"] for r in requests.list_requests(carol, "mine")] == [req.id]
    assert requests.show(carol, req.id)["status"] == "pending"
    assert requests.cancel(carol, req.id)["status"] == "cancelled"


def test_a_disabled_user_does_nothing(world, admin, refused):
    carol = User.get_by_id(world["carol"].id)
    directory.update_user(admin, carol.upn, enabled=False)
    for call, args in ((directory.whoami, ()), (catalog.catalog, ()),
                       (requests.list_requests, ("mine",)), (requests.show, (world["req"].id,)),
                       (requests.create_request, ("Ledger",)),
                       (requests.cancel, (world["req"].id,))):
        refused(NotSignedIn, "disabled", call, carol, *args)


# --- requesting: a P1/P2 license (rule 7) --------------------------------------------------------


@pytest.mark.parametrize("license", ["p1", "p2"])
def test_a_licensed_user_may_request(make, world, license):
    person = make.user("licensed", license=license)
    assert requests.create_request(person, "Ledger")["status"] == "pending"


def test_an_unlicensed_user_may_not_request(world, refused):
    refused(Refused, "rule 7", requests.create_request, world["people"]["unlicensed"], "Ledger")


# --- import: Global Administrator; export and SMTP settings: any administrator -------------------


@pytest.fixture
def graph_users(tmp_path):
    path = tmp_path / "graph" / "users.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"value": [{
        "id": "0a000000-7e57-4a11-9d00-0000000000a1", "userPrincipalName": "imported@contoso.test",
        "displayName": "Imported Person", "accountEnabled": True}]}), encoding="utf-8")
    return path


def test_global_administrator_may_import(world, graph_users):
    from desktop.services import graph_import

    graph_import.import_graph(world["people"]["global_admin"], [graph_users])
    assert User.select().where(User.upn == "imported@contoso.test").exists()


@pytest.mark.parametrize("who", ["cloud_app_admin", "app_admin", "user"])
def test_only_a_global_administrator_may_import(world, refused, graph_users, who):
    from desktop.services import graph_import

    refused(Refused, "only a Global Administrator", graph_import.import_graph,
            world["people"][who], [graph_users])


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_administrators_may_export_and_set_smtp(world, role):
    from desktop.models import AuditEvent
    from desktop.services import exports, mail

    actor = world["people"][role]
    out = io.StringIO()
    assert exports.write(actor, "requests", "json", out) == 1
    assert json.loads(out.getvalue())[0]["requester"] == world["carol"].upn
    assert AuditEvent.select().order_by(AuditEvent.seq.desc()).first().action == "export"
    view = mail.configure(actor, host="smtp.example.test", port=2525)
    assert view["host"] == "smtp.example.test"
    assert mail.show_settings(actor)["host"] == "smtp.example.test"


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_others_may_not_export_or_set_smtp(world, refused, who):
    from desktop.services import exports, mail

    actor = world["people"][who]
    for kind in ("settings", "access", "requests", "audit"):
        refused(Refused, "Administrator", exports.write, actor, kind, "json", io.StringIO())
    refused(Refused, "Administrator", mail.configure, actor, host="smtp.example.test")
    refused(Refused, "Administrator", mail.show_settings, actor)


# --- sign-in details (rule 12): set by the application's approvers, copied by their owner ---------


@pytest.fixture
def vault(make, admin):
    """A password-SSO application whose approvers may set sign-in details; alice has it."""
    keeper = make.user("keeper")
    make.selfservice_app("Vault", approvers=(keeper,), sso="password")
    selfservice.update(admin, "Vault", approver_sets_passwords=True)
    alice, bob = make.user("alice"), make.user("bob")
    make.member("SS - Vault", alice)
    make.member("SS - Vault", bob)
    return {"keeper": keeper, "alice": alice, "bob": bob}


def test_approver_sets_and_owner_copies_sign_in_details(vault):
    from desktop.services import credentials

    view = credentials.set_credentials(vault["keeper"], "Vault", vault["alice"].upn,
                                       "alice.w", "s3cret-Vault-pw")
    assert view["set_by"] == vault["keeper"].upn
    creds = credentials.read_own_credentials(vault["alice"], "Vault")
    assert (creds.username, creds.password) == ("alice.w", "s3cret-Vault-pw")


def test_only_the_apps_approver_sets_sign_in_details(vault, world, admin, refused):
    from desktop.services import credentials

    for actor in (admin, vault["bob"], world["people"]["approver"]):
        error = refused(Refused, "only an approver of Vault", credentials.set_credentials,
                        actor, "Vault", vault["alice"].upn, "alice.w", "s3cret-Vault-pw")
        assert error.rule == "rights table"


def test_sign_in_details_refused_where_not_allowed(vault, admin, refused):
    from desktop.services import credentials

    selfservice.update(admin, "Vault", approver_sets_passwords=False)
    error = refused(Refused, "not allowed", credentials.set_credentials, vault["keeper"],
                    "Vault", vault["alice"].upn, "alice.w", "s3cret-Vault-pw")
    assert error.rule == "rule 12"


def test_nobody_copies_details_set_for_someone_else(vault, refused):
    from desktop.errors import NotFound
    from desktop.services import credentials

    credentials.set_credentials(vault["keeper"], "Vault", vault["alice"].upn,
                                "alice.w", "s3cret-Vault-pw")
    refused(NotFound, "no sign-in details", credentials.read_own_credentials, vault["bob"],
            "Vault")
