"""The Admin console's application list (applications_page): its self-service state and order."""

from __future__ import annotations

import itertools

from desktop.models import ORIGINS, Application
from desktop.services import applications, selfservice
from desktop.services.policy import available_sql, unavailable_reason


def test_rules_1_and_2_in_sql_let_through_what_unavailable_reason_does(make):
    for origin, hidden, public in itertools.product(ORIGINS, (False, True), (False, True)):
        make.app(f"{origin} {hidden} {public}", origin=origin, hidden=hidden,
                 public_client=public)
    by_python = {a.id for a in Application.select() if unavailable_reason(a) is None}
    by_sql = {a.id for a in Application.select().where(available_sql())}
    assert by_sql == by_python
    assert len(by_sql) == 3  # the three self-service origins, shown, without public flows


def test_the_self_service_state_says_not_available_and_sorts_first(make, admin):
    make.selfservice_app("Ledger")                   # on
    make.app("Atlas")                                # off
    make.selfservice_app("Wingtip")                  # on, then public client flows: rule 2
    applications.update_application(admin, "Wingtip", public_client_flows=True)
    make.app("Backstage", hidden=True)               # rule 1
    make.app("Homegrown", origin="custom")           # rule 1
    assert selfservice.show(admin, "Wingtip")["enabled"] is True

    rows = applications.applications_page(admin, sort="self_service")
    states = {r["name"]: r["self_service_state"] for r in rows}
    assert states == {"Atlas": "off", "Backstage": "not_available",
                      "Homegrown": "not_available", "Ledger": "on",
                      "Wingtip": "not_available"}
    order = [r["self_service_state"] for r in rows]
    assert order == ["not_available"] * 3 + ["off", "on"]
    descending = applications.applications_page(admin, sort="-self_service")
    assert [r["self_service_state"] for r in descending] == order[::-1]
    wingtip = next(r for r in rows if r["name"] == "Wingtip")
    assert "public client flows" in wingtip["unavailable_reason"]
