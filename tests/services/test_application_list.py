"""The Admin console's application list (applications_page): its self-service state and order."""

from __future__ import annotations

import itertools
from typing import Any

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


def test_sorted_by_self_service_every_page_is_the_case_order_read_state_by_state(make, admin):
    """Sorted by Self-service, a page is read one state at a time in id order (index-served,
    issue 15): every page of every size equals the one ORDER BY CASE over the join gives."""
    for i in range(5):
        make.selfservice_app(f"On {i}")
        make.app(f"Off {i}")
        make.app(f"Custom {i}", origin="custom")
    make.selfservice_app("Switched off")
    selfservice.update(admin, "Switched off", enabled=False)  # settings kept, off
    make.selfservice_app("Flows")
    applications.update_application(admin, "Flows", public_client_flows=True)
    rank = {"not_available": 0, "off": 1, "on": 2}
    rows = applications.applications_page(admin)
    expected = sorted(rows, key=lambda r: (rank[r["self_service_state"]], r["id"]))
    assert [r["self_service_state"] for r in expected].count("on") == 5
    for sort, order in (("self_service", expected), ("-self_service", expected[::-1])):
        for limit in (1, 3, 5, 6, 100):
            for offset in range(len(order) + 2):
                page = applications.applications_page(admin, sort=sort, limit=limit,
                                                      offset=offset)
                assert page == order[offset:offset + limit], (sort, limit, offset)


def test_sorted_by_self_service_sqlite_sorts_nothing(make, admin, monkeypatch):
    """No page sorted by Self-service makes SQLite sort the applications (a temporary B-tree):
    each state is read in the table's own order, and the LIMIT stops the walk."""
    import peewee as pw
    import pytest

    from desktop.models import database_proxy

    db = database_proxy.obj
    if not isinstance(db, pw.SqliteDatabase):
        pytest.skip("SQLite's query plan")
    for i in range(3):
        make.selfservice_app(f"On {i}")
        make.app(f"Off {i}")
    selects: list[tuple[str, Any]] = []
    execute = db.execute_sql

    def recording(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            selects.append((sql, params))
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(db, "execute_sql", recording)
    for sort in ("self_service", "-self_service"):
        applications.applications_page(admin, sort=sort, limit=4, offset=2)
    monkeypatch.setattr(db, "execute_sql", execute)
    assert selects
    for sql, params in selects:
        plan = " ".join(str(row[-1]) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                                params).fetchall())
        assert "TEMP B-TREE" not in plan, plan
