"""Self-service settings: rules 1-6 and rule 12's setting, each allowed and refused."""

from __future__ import annotations

import pytest

from desktop.errors import Conflict, NotFound, Refused, UsageError
from desktop.models import Assignment, SelfServiceSettings
from desktop.services import applications, selfservice
from desktop.services.applications import RoleSpec


def settings_of(app):
    return SelfServiceSettings.get(SelfServiceSettings.application == app)


# --- rule 1: origin and visibility -------------------------------------------------------------


@pytest.mark.parametrize("origin", ["gallery", "app_proxy", "consent"])
def test_rule1_eligible_origins_can_be_enabled(make, admin, origin):
    make.group("Sales apps")
    make.app("Ledger", origin=origin)
    view = selfservice.update(admin, "Ledger", enabled=True, group="Sales apps")
    assert view["enabled"] is True
    assert view["available"] is True
    assert view["unavailable_reason"] is None
    assert view["version"] == 1


def test_rule1_custom_origin_refused_saying_why(make, admin, refused):
    make.group("Sales apps")
    make.app("Homegrown", origin="custom")
    error = refused(Refused, "rule 1", selfservice.update, admin, "Homegrown",
                    enabled=True, group="Sales apps")
    assert "custom" in str(error)
    assert "gallery" in str(error)
    view = selfservice.show(admin, "Homegrown")
    assert view["available"] is False
    assert "custom" in view["unavailable_reason"]


def test_rule1_hidden_app_refused_saying_hidden(make, admin, refused):
    make.group("Sales apps")
    make.app("Backstage", hidden=True)
    error = refused(Refused, "hidden", selfservice.update, admin, "Backstage",
                    enabled=True, group="Sales apps")
    assert error.rule == "rule 1"
    # Any option on an ineligible application is refused, even without enabling.
    refused(Refused, "hidden", selfservice.update, admin, "Backstage", email_approvers=True)


def test_rule1_turning_off_always_works_on_an_ineligible_app(make, admin):
    app = make.selfservice_app("Ledger")
    applications.update_application(admin, "Ledger", origin="custom")
    view = selfservice.update(admin, "Ledger", enabled=False)
    assert view["enabled"] is False
    assert settings_of(app).enabled is False


# --- rule 2: public client flows -------------------------------------------------------------


def test_rule2_public_client_app_has_no_settings(make, admin, refused):
    make.group("Devs")
    make.app("Mobile CLI", public_client=True)
    error = refused(Refused, "public client flows", selfservice.update, admin, "Mobile CLI",
                    enabled=True, group="Devs")
    assert error.rule == "rule 2"
    view = selfservice.show(admin, "Mobile CLI")
    assert view["available"] is False
    # The reason says where to change it: the application's properties.
    assert "public client flows" in view["unavailable_reason"]
    assert "properties" in view["unavailable_reason"]


def test_rule2_allowed_once_public_client_flows_are_off(make, admin):
    make.group("Devs")
    make.app("Mobile CLI", public_client=True)
    applications.update_application(admin, "Mobile CLI", public_client_flows=False)
    assert selfservice.update(admin, "Mobile CLI", enabled=True, group="Devs")["enabled"]


# --- rule 3: the target group ----------------------------------------------------------------


def test_rule3_enabling_needs_a_group(make, admin, refused):
    make.app("Ledger")
    error = refused(Refused, "group", selfservice.update, admin, "Ledger", enabled=True)
    assert error.rule == "rule 3"


@pytest.mark.parametrize(("flags", "why"), [
    ({"on_prem_synced": True}, "synchronized from on-premises"),
    ({"dynamic": True}, "dynamic"),
    ({"distribution": True}, "distribution list"),
    ({"mail_enabled": True}, "mail-enabled"),
])
def test_rule3_unassignable_groups_refused(make, admin, refused, flags, why):
    make.app("Ledger")
    make.group("Odd group", **flags)
    error = refused(Refused, why, selfservice.update, admin, "Ledger",
                    enabled=True, group="Odd group")
    assert error.rule == "rule 3"
    # Checked whenever the option is given, also while self-service stays off.
    refused(Refused, why, selfservice.update, admin, "Ledger", group="Odd group")


def test_rule3_enabling_assigns_the_group_with_default_access(make, admin):
    app = make.app("Ledger", roles=("reader:Reader",))
    group = make.group("Ledger users")
    selfservice.update(admin, "Ledger", enabled=True, group="Ledger users", role="reader")
    rows = list(Assignment.select().where(Assignment.application == app))
    assert [(a.group_id, a.user_id, a.role_id) for a in rows] == [(group.id, None, None)]


# --- rule 4: approvers -----------------------------------------------------------------------


def test_rule4_approval_needs_an_approver(make, admin, refused):
    make.group("Ledger users")
    make.app("Ledger")
    error = refused(Refused, "approver", selfservice.update, admin, "Ledger", enabled=True,
                    group="Ledger users", require_approval=True)
    assert error.rule == "rule 4"


def test_rule4_ten_approvers_allowed_eleventh_refused(make, admin, refused):
    people = [make.user(f"approver{i}") for i in range(11)]
    make.group("Ledger users")
    make.app("Ledger")
    view = selfservice.update(admin, "Ledger", enabled=True, group="Ledger users",
                              require_approval=True, add_approvers=[p.upn for p in people[:10]])
    assert len(view["approvers"]) == 10
    error = refused(Refused, "at most 10", selfservice.update, admin, "Ledger",
                    add_approvers=[people[10].upn])
    assert error.rule == "rule 4"
    # Eleven at once is refused too, and nothing of it is kept.
    make.app("Other")
    make.group("Other users")
    refused(Refused, "at most 10", selfservice.update, admin, "Other", enabled=True,
            group="Other users", require_approval=True, add_approvers=[p.upn for p in people])


def test_rule4_a_group_is_never_an_approver(make, admin, refused):
    make.group("Ledger users")
    make.group("Finance approvers")
    make.app("Ledger")
    error = refused(Refused, "group", selfservice.update, admin, "Ledger", enabled=True,
                    group="Ledger users", require_approval=True,
                    add_approvers=["Finance approvers"])
    assert error.rule == "rule 4"
    assert "individual users" in str(error)


@pytest.mark.parametrize(("kwargs", "why"), [
    ({"enabled": False}, "disabled"),
    ({"license": "none"}, "license"),
])
def test_rule4_approvers_must_be_enabled_and_licensed(make, admin, refused, kwargs, why):
    person = make.user("pat", **kwargs)
    make.group("Ledger users")
    make.app("Ledger")
    error = refused(Refused, why, selfservice.update, admin, "Ledger", enabled=True,
                    group="Ledger users", require_approval=True, add_approvers=[person.upn])
    assert error.rule == "rule 4"
    # Refused whenever given, also while self-service is off.
    refused(Refused, why, selfservice.update, admin, "Ledger", add_approvers=[person.upn])


def test_rule4_unknown_approver_not_found(make, admin, refused):
    make.app("Ledger")
    refused(NotFound, "nobody@example.test", selfservice.update, admin, "Ledger",
            add_approvers=["nobody@example.test"])


def test_rule4_turning_approval_off_keeps_the_list_dormant(make, admin):
    boss = make.user("boss")
    make.selfservice_app("Ledger", approvers=(boss,))
    view = selfservice.update(admin, "Ledger", require_approval=False)
    assert view["require_approval"] is False
    assert view["approvers"] == [boss.upn]


# --- rule 5: the role ------------------------------------------------------------------------


def test_rule5_user_assignable_enabled_role_allowed(make, admin):
    make.group("Ledger users")
    make.app("Ledger", roles=("reader:Reader", "writer:Writer"))
    view = selfservice.update(admin, "Ledger", enabled=True, group="Ledger users",
                              role="writer")
    assert view["role"] == "writer"
    assert selfservice.update(admin, "Ledger", role=None)["role"] is None


def test_rule5_app_without_roles_refused(make, admin, refused):
    make.app("Ledger")
    error = refused(Refused, "exposes no roles", selfservice.update, admin, "Ledger",
                    role="reader")
    assert error.rule == "rule 5"


def test_rule5_disabled_role_refused(make, admin, refused):
    make.app("Ledger", roles=(RoleSpec("old", "Old", True, False, False),))
    error = refused(Refused, "disabled", selfservice.update, admin, "Ledger", role="old")
    assert error.rule == "rule 5"


def test_rule5_application_only_role_refused(make, admin, refused):
    make.app("Ledger", roles=(RoleSpec("daemon", "Daemon", False, True, True),))
    error = refused(Refused, "applications only", selfservice.update, admin, "Ledger",
                    role="daemon")
    assert error.rule == "rule 5"


def test_rule5_unknown_role_not_found(make, admin, refused):
    make.app("Ledger", roles=("reader",))
    refused(NotFound, "no role", selfservice.update, admin, "Ledger", role="owner")


# --- rule 6: who may change settings -----------------------------------------------------------


@pytest.mark.parametrize("role", ["global_admin", "cloud_app_admin", "app_admin"])
def test_rule6_administrators_may_change_settings(make, role):
    actor = make.user("operator", roles=(role,))
    make.group("Ledger users")
    make.app("Ledger")
    view = selfservice.update(actor, "Ledger", enabled=True, group="Ledger users")
    assert view["enabled"] is True
    assert view["updated_by"] == actor.upn


def test_rule6_others_may_not(make, refused):
    boss = make.user("boss", license="p2")
    make.selfservice_app("Ledger", approvers=(boss,))
    user = make.user("user", license="p2")
    for actor in (user, boss):  # even the application's own approver
        error = refused(Refused, "Administrator", selfservice.update, actor, "Ledger",
                        enabled=False)
        assert error.rule == "rights table"
        refused(Refused, "Administrator", selfservice.show, actor, "Ledger")


def test_settings_edit_on_a_stale_version_is_a_conflict(make, admin, refused):
    make.selfservice_app("Ledger")
    version = selfservice.show(admin, "Ledger")["version"]
    selfservice.update(admin, "Ledger", email_approvers=True, if_version=version)
    error = refused(Conflict, admin.upn, selfservice.update, admin, "Ledger",
                    email_approvers=False, if_version=version)
    assert f"version {version + 1}" in str(error)
    # A never-configured application is at version 0.
    make.app("Fresh")
    refused(Conflict, "yours 3", selfservice.update, admin, "Fresh", email_approvers=True,
            if_version=3)


def test_settings_update_without_any_option_is_a_usage_error(make, admin, refused):
    make.app("Ledger")
    refused(UsageError, "nothing to change", selfservice.update, admin, "Ledger")


# --- rule 12: approver-set passwords only for password SSO ----------------------------------------


def test_rule12_approver_passwords_refused_without_password_sso(make, admin, refused):
    make.app("Federated", sso="saml")
    error = refused(Refused, "password", selfservice.update, admin, "Federated",
                    approver_sets_passwords=True)
    assert error.rule == "rule 12"


def test_rule12_approver_passwords_allowed_for_password_sso(make, admin):
    app = make.selfservice_app("Vault", sso="password")
    view = selfservice.update(admin, "Vault", approver_sets_passwords=True)
    assert view["approver_sets_passwords"] is True
    # Leaving password SSO switches the setting off: it exists only there.
    applications.update_application(admin, "Vault", sso_mode="oidc")
    assert settings_of(app).approver_sets_passwords is False
