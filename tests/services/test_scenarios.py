"""Trainer scenarios set up what they say (checked through the services); reset restores."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import peewee as pw
import pytest

from desktop.demo import scenarios
from desktop.demo.build import first_admin
from desktop.errors import NotFound, Refused
from desktop.models import AccessRequest, Change, User
from desktop.models.schema import pending_counts_consistent
from desktop.services import auditlog, catalog, selfservice
from desktop.services.core import is_demo

pytestmark = pytest.mark.usefixtures("consistent")


def person(local: str) -> User:
    return User.get(User.upn == scenarios.demo_upn(local))


def requests_of(local: str, app: str) -> list[AccessRequest]:
    return list(AccessRequest.select().where(
        (AccessRequest.requester == person(local))
        & (AccessRequest.application == selfservice.lookup.application(app))
    ).order_by(AccessRequest.id))


def test_every_scenario_is_listed_with_what_it_teaches():
    names = [s["name"] for s in scenarios.list_scenarios()]
    assert names == ["approver-on-leave", "license-expired", "public-client",
                     "eleventh-approver", "two-approvers", "requests-time-out",
                     "access-that-ends", "approver-away", "access-review"]
    assert all(s["title"] and s["teaches"] for s in scenarios.list_scenarios())


def test_scenarios_refuse_a_real_directory(admin, refused):
    assert not is_demo()
    for name in scenarios.SCENARIOS:
        refused(Refused, "demo database", scenarios.run_scenario, name, admin)


def test_unknown_scenario_is_not_found(demo):
    with pytest.raises(NotFound, match="one of approver-on-leave"):
        scenarios.run_scenario("nope")


def test_approver_on_leave(demo):
    johan = person("johan.berg")
    view = scenarios.run_scenario("approver-on-leave")
    assert not User.get_by_id(johan.id).enabled
    # his own request closed
    own = requests_of("johan.berg", "Relecloud Analytics")
    assert [r.status for r in own] == ["closed"]
    assert "disabled" in own[0].reason
    # he left every approver list
    for app in ("Tailspin Travel", "Lamna Learning"):
        assert johan.upn not in selfservice.show(demo, app)["approvers"]
    # alone: the request closed; shared: still pending for the others
    kofi = requests_of("kofi.mensah", "Tailspin Travel")[-1]
    assert kofi.status == "closed"
    assert "no eligible approver" in kofi.reason
    mateo = requests_of("mateo.silva", "Lamna Learning")[-1]
    assert mateo.status == "pending"
    assert len(selfservice.show(demo, "Lamna Learning")["approvers"]) == 9
    assert any("left to the 9 other approvers" in line for line in view["done"])


def test_license_expired(demo):
    fatima = person("fatima.benali")
    scenarios.run_scenario("license-expired")
    assert User.get_by_id(fatima.id).license == "none"
    closed = requests_of("fatima.benali", "Adatum Payroll")[-1]
    assert closed.status == "closed"
    assert "license" in closed.reason
    _rows, message = catalog.catalog(User.get_by_id(fatima.id))
    assert message
    assert "license" in message.lower()


def test_public_client(demo):
    scenarios.run_scenario("public-client")
    view = selfservice.show(demo, "Wingtip Tickets")
    assert not view["available"]
    assert "public client flows" in view["unavailable_reason"]
    ingrid = requests_of("ingrid.solberg", "Wingtip Tickets")[-1]
    assert ingrid.status == "closed"
    assert "public client flows" in ingrid.reason


def test_eleventh_approver_refused(demo, dump):
    view = scenarios.run_scenario("eleventh-approver")
    assert view["approvers"] == 10
    assert "at most 10 approvers" in view["refusal"]
    listed = selfservice.show(demo, "Lamna Learning")["approvers"]
    assert len(listed) == 10
    assert scenarios.demo_upn(scenarios.ELEVENTH) not in listed


def test_eleventh_approver_refills_to_ten_after_a_leave(demo):
    scenarios.run_scenario("approver-on-leave")
    view = scenarios.run_scenario("eleventh-approver")
    assert view["approvers"] == 10
    assert "added" in view["done"][0]


def test_two_approvers_at_once_one_wins_the_other_conflicts(demo):
    view = scenarios.run_scenario("two-approvers")
    req = AccessRequest.get_by_id(view["request"])
    assert req.status in ("approved", "denied")
    assert req.decided_by.upn == view["winner"]
    assert {view["winner"], view["loser"]} == {scenarios.demo_upn(x) for x in scenarios.RACERS}
    assert view["winner"] in view["conflict"]
    assert "already" in view["conflict"]
    # again: another requester races, and the audit chain stays whole
    again = scenarios.run_scenario("two-approvers")
    assert again["request"] != view["request"]
    assert auditlog.verify(demo).ok


MESSAGE_ID = re.compile(r"<([a-z]+-[0-9a-z-]*?)-[0-9a-f]{12}@access-desk>")
RECENT = dt.datetime.now() - dt.timedelta(days=1)


def _stable(value: Any) -> Any:
    """What two builds of the demo share: its history runs on a frozen clock, but a few
    bookkeeping columns (rows' created_at, e-mail Message-IDs) take the wall clock or a
    random id, so they are masked."""
    if isinstance(value, str):
        value = MESSAGE_ID.sub(r"<\1-*@access-desk>", value)
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and value.replace(tzinfo=None) > RECENT:
        return "<now>"
    return value


def content(dump_tables: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted((tuple(_stable(v) for v in row) for row in rows), key=repr)
            for t, rows in dump_tables().items()}


def test_reset_returns_the_directory_to_its_initial_content(demo, dump):
    before = content(dump)
    feed_before = before.pop("change")
    for name in scenarios.SCENARIOS:
        scenarios.run_scenario(name)
    assert content(dump) != before
    last_change = Change.select(pw.fn.MAX(Change.id)).scalar()
    scenarios.reset_demo()
    assert is_demo()
    after = content(dump)
    # The change feed is the one thing kept: other processes remember how far they read it,
    # so it goes on past the reset (never backwards) and ends with the reset notice.
    feed_after = after.pop("change")
    assert len(feed_after) > len(feed_before)
    newest = Change.select().order_by(Change.id.desc()).first()
    assert newest.topic == "reset"
    assert newest.id > last_change
    assert [t for t in before if before[t] != after.get(t)] == []
    assert after == before
    assert first_admin().upn == demo.upn
    assert pending_counts_consistent()


def test_reset_refuses_a_real_directory(admin, refused):
    refused(Refused, "demo database", scenarios.reset_demo)


def test_reset_refuses_a_person_who_is_not_an_administrator(demo, dump):
    """`init --demo --reset --as` and the Trainer menu: resetting is an administrator's."""
    carlos = User.get(User.upn == scenarios.demo_upn("carlos.mendes"))
    before = dump()
    with pytest.raises(Refused, match="Administrator may reset"):
        scenarios.reset_demo(actor=carlos)
    assert dump() == before
