"""The demo directory: built through the services, so it obeys every rule it shows."""

from __future__ import annotations

from desktop.demo import data
from desktop.demo.build import first_admin
from desktop.models import AccessRequest, SelfServiceApprover, SelfServiceSettings, User
from desktop.models.schema import pending_counts_consistent
from desktop.services import auditlog, catalog, policy, requests, selfservice
from desktop.services.core import is_demo
from desktop.services.policy import (
    approver_problem,
    eligible_approvers,
    unavailable_reason,
)
from desktop.services.rights import is_global_admin


def demo_upn(local: str) -> str:
    return f"{local}@{data.DOMAIN}"


def test_build_demo_returns_its_first_global_administrator(demo):
    assert demo.upn == demo_upn(data.PEOPLE[0]["upn"])
    assert is_global_admin(demo)
    assert first_admin().id == demo.id
    assert is_demo()
    assert User.select().count() == len(data.PEOPLE)


def test_demo_is_consistent(demo):
    assert auditlog.verify(demo).ok
    assert pending_counts_consistent()
    expected_pending = sum(1 for h in data.HISTORY if h["outcome"] == "pending")
    assert AccessRequest.select().where(AccessRequest.status == "pending").count() == \
        expected_pending


def test_demo_settings_obey_rules_1_to_5(demo):
    for settings in SelfServiceSettings.select():
        app = settings.application
        view = selfservice.show(demo, app.name)
        if not view["enabled"]:
            continue
        assert unavailable_reason(app) is None, app.name
        assert policy.self_service_group_problem(settings.group) is None, app.name
        if settings.require_approval:
            assert 1 <= len(view["approvers"]) <= 10, app.name
            assert eligible_approvers(settings), app.name
        if settings.role_id:
            assert settings.role.enabled, app.name
            assert settings.role.user_assignable, app.name


def test_demo_pending_requests_can_each_be_decided(demo):
    for req in AccessRequest.select().where(AccessRequest.status == "pending"):
        settings = SelfServiceSettings.get(SelfServiceSettings.application == req.application)
        deciders = eligible_approvers(settings, excluding=req.requester)
        assert deciders, f"request {req.id} is stranded (rule 11)"
        assert all(approver_problem(u) is None for u in deciders)


def test_demo_pending_request_is_approved_by_its_approver(demo):
    req = AccessRequest.select().where(AccessRequest.status == "pending").first()
    settings = SelfServiceSettings.get(SelfServiceSettings.application == req.application)
    approver = eligible_approvers(settings, excluding=req.requester)[0]
    assert requests.approve(approver, req.id)["status"] == "approved"
    assert pending_counts_consistent()


def test_demo_catalog_explains_a_missing_license(demo):
    unlicensed = next(p for p in data.PEOPLE if p["license"] == "none" and p["enabled"])
    person = User.get(User.upn == demo_upn(unlicensed["upn"]))
    rows, message = catalog.catalog(person)
    assert rows
    assert {r["state"] for r in rows} == {"license_required"}
    assert "license" in message


def test_demo_people_who_left_are_disabled_and_keep_their_history(demo):
    leavers = {demo_upn(p["upn"]) for p in data.PEOPLE if not p["enabled"]}
    assert leavers
    disabled = list(User.select().where(~User.enabled))
    assert {u.upn for u in disabled} == leavers
    for person in disabled:
        assert not AccessRequest.select().where(
            (AccessRequest.requester == person) & (AccessRequest.status == "pending")).exists()
        assert not SelfServiceApprover.select().where(SelfServiceApprover.user == person).exists()
