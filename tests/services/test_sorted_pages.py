"""Everyone's requests sorted by application or requester (issue 15): on SQLite a page is read
from the application's or person's sort index outwards; it must hold exactly the rows, in
exactly the order, that sorting every request gives, page after page, with any filter."""

from __future__ import annotations

import pytest

from desktop.models import AccessRequest
from desktop.services import requests
from desktop.services.core import sort_order

SORTS = ("app", "-app", "requester", "-requester")
FILTERS = ({}, {"status": "pending"}, {"status": "approved"}, {"search": "a"},
           {"app": "Fabrikam CRM"}, {"status": "denied", "search": "contoso"})


def everything_sorted(admin, sort, filters):
    """The reference: the same query with every request sorted (no lead table)."""
    order = sort_order(sort, requests.REQUEST_SORTS, [AccessRequest.id.desc()],
                       AccessRequest.id)
    query = requests.sorted_page(admin, "all", order, lead=None, **filters)
    return [row["id"] for row in requests._listed(query)]


@pytest.mark.parametrize("sort", SORTS)
def test_pages_sorted_by_a_joined_column_are_those_of_a_full_sort(db, demo, sort):
    admin = demo
    for filters in FILTERS:
        expected = everything_sorted(admin, sort, filters)
        paged, offset = [], 0
        while True:
            page = requests.list_requests(admin, "all", sort=sort, limit=7, offset=offset,
                                          **filters)
            paged += [row["id"] for row in page]
            offset += 7
            if len(page) < 7:
                break
        assert paged == expected, (sort, filters)
        whole = [row["id"] for row in requests.list_requests(admin, "all", sort=sort,
                                                             **filters)]
        assert whole == expected, (sort, filters)
    assert len(everything_sorted(admin, sort, {})) == AccessRequest.select().count() > 20


def test_the_names_order_the_pages(db, demo):
    rows = requests.list_requests(demo, "all", sort="app")
    keys = [(row["app"].lower(), row["id"]) for row in rows]
    assert keys == sorted(keys)
    rows = requests.list_requests(demo, "all", sort="-requester")
    keys = [(row["requester"], row["id"]) for row in rows]
    assert keys == sorted(keys, reverse=True)


def test_an_approvers_history_merged_by_decision_is_the_full_sort(db, monkeypatch):
    """History's first pages (newest decision first) read one arm per application (issue
    15): the same rows in the same order as sorting all his decided requests, ties of
    the same instant included, on seeded-random directories with escalations and delegates."""
    import datetime as dt
    import random

    from desktop.services import approvals
    from desktop.services.core import now
    from tests.services.test_to_approve_query import old_to_approve_sql, rebuild

    for seed in range(4):
        rng = random.Random(seed)
        users = rebuild(db, rng)
        instants = [now() - dt.timedelta(hours=rng.randint(1, 9)) for _ in range(5)]
        for req in AccessRequest.select().where(AccessRequest.status != "pending"):
            req.decided_at = rng.choice(instants)  # few instants: many ties
            req.save()
        for user in users:
            decided = [r for r in AccessRequest.select().where(old_to_approve_sql(user, now()))
                       if r.status != "pending"]
            expected = [r.id for r in sorted(decided, key=lambda r: (r.decided_at, r.id),
                                             reverse=True)]
            for sort in (None, "-decided_at"):
                whole = [r["id"] for r in approvals.list_decided(user, sort=sort)]
                assert whole == expected, (seed, user.upn, sort)
                pages = [r["id"] for offset in range(0, len(expected) + 3, 3)
                         for r in approvals.list_decided(user, sort=sort, limit=3,
                                                         offset=offset)]
                assert pages == expected, (seed, user.upn, sort)
            by_p1 = [i for i in expected
                     if AccessRequest.get_by_id(i).requester.upn.startswith("p1@")]
            assert [r["id"] for r in approvals.list_decided(user, search="p1@")] == by_p1


def test_an_approvers_lists_sorted_by_any_column_are_the_full_sort(db, monkeypatch):
    """Pending and History sorted by application, status, decision time or requester read
    an approver's requests one application (and status) at a time, or walk everyone in name
    order (SQLite), on both backends (issue 15): page after page, the rows and order of
    sorting all his requests, with escalations, delegates, ties of names and instants, and a
    search."""
    import datetime as dt
    import random

    from desktop.services import approvals
    from desktop.services.core import now
    from tests.services.test_to_approve_query import old_to_approve_sql, rebuild

    keys = {"app": lambda r: r.application.name.lower(),
            "requester_name": lambda r: r.requester.display_name.lower(),
            "status": lambda r: r.status,
            "decided_at": lambda r: r.decided_at,
            "created_at": lambda r: r.id}

    def full_sort(rows, sort):
        key = keys[sort.lstrip("-")]
        by_id = sorted(rows, key=lambda r: r.id, reverse=True)  # the tie-break: newest first
        return [r.id for r in sorted(by_id, key=key, reverse=sort.startswith("-"))]

    for seed in range(2):
        rng = random.Random(100 + seed)
        users = rebuild(db, rng)
        rng.choice(users).update(display_name="person 3").execute()  # a name twice, any case
        instants = [now() - dt.timedelta(hours=rng.randint(1, 9)) for _ in range(4)]
        for req in AccessRequest.select().where(AccessRequest.status != "pending"):
            req.decided_at = rng.choice(instants)  # few instants: many ties
            req.save()
        for walk in (True, False):  # by requester: walking everyone, or his rows sorted
            monkeypatch.setattr(requests, "_requester_lead_pays", lambda *a, w=walk: w)
            only = () if walk else ("requester_name", "-requester_name")
            for user in users:
                his = list(AccessRequest.select().where(old_to_approve_sql(user, now())))
                lists = ((approvals.list_pending, [r for r in his if r.status == "pending"],
                          ("app", "-app", "requester_name", "-requester_name",
                           "created_at", "-created_at")),
                         (approvals.list_decided, [r for r in his if r.status != "pending"],
                          ("app", "-app", "requester_name", "-requester_name", "status",
                           "-status", "decided_at")))
                for read, rows, sorts in lists:
                    for sort in (s for s in sorts if not only or s in only):
                        expected = full_sort(rows, sort)
                        pages = [r["id"] for offset in range(0, len(expected) + 4, 4)
                                 for r in read(user, sort=sort, limit=4, offset=offset)]
                        assert pages == expected, (seed, user.upn, read.__name__, sort)
                        searched = [r["id"] for r in read(user, sort=sort, limit=50,
                                                          search="p1@")]
                        assert searched == [i for i in expected if AccessRequest.get_by_id(
                            i).requester.upn.startswith("p1@")], (seed, sort)
