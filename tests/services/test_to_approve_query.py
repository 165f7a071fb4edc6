"""The requests an approver may decide, read from the applications' index (issue 15): the same
rows as the rule's sub-select form (rights table, rules 4, 17 and 19), on seeded-random
directories with escalation approvers, people away with delegates and approvers' own
requests; every reader (listing pages both ways, counts, the badge, the Approvals list)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any

import peewee as pw
import pytest

from desktop.models import (
    AccessRequest,
    Application,
    AwayPeriod,
    EscalationApprover,
    SelfServiceApprover,
    SelfServiceSettings,
    User,
)
from desktop.services import approvals, notifications, policy, requests
from desktop.services.core import now

STATUSES = ("pending", "pending", "pending", "approved", "denied", "cancelled")


def old_to_approve_sql(user: User, at: dt.datetime) -> Any:
    """The condition as it was before issue 15 (sub-selects, no index served it): the oracle."""
    delegated = (SelfServiceSettings.select(SelfServiceSettings.application)
                 .join(SelfServiceApprover)
                 .where(SelfServiceApprover.user.in_(policy.delegators_subquery(user, at))))
    return ((AccessRequest.application.in_(policy.approver_apps_subquery(user))
             | (AccessRequest.escalated_at.is_null(False)
                & AccessRequest.application.in_(policy.escalation_apps_subquery(user)))
             | AccessRequest.application.in_(delegated))
            & (AccessRequest.requester != user))


def build(rng: random.Random) -> list[User]:
    """A small directory: people, applications with approvers and escalation approvers,
    periods away (under way, over, to come; with or without a delegate), requests of every
    status, some escalated or reminded, some made by an application's own approvers."""
    users = [User.create(upn=f"p{i}@example.test", display_name=f"Person {i}", license="p2")
             for i in range(7)]
    apps = []
    for i in range(rng.randint(3, 9)):
        app = Application.create(name=f"App {i}", origin="gallery")
        settings = SelfServiceSettings.create(application=app, enabled=True,
                                              require_approval=True)
        for position, who in enumerate(rng.sample(users, rng.randint(0, 3))):
            SelfServiceApprover.create(settings=settings, user=who, position=position)
        for position, who in enumerate(rng.sample(users, rng.randint(0, 2))):
            EscalationApprover.create(settings=settings, user=who, position=position)
        apps.append(app)
    t = now()
    for who in rng.sample(users, rng.randint(0, 3)):
        starts = t + dt.timedelta(days=rng.choice([-5, -1, 2]))
        AwayPeriod.create(user=who, starts_at=starts, ends_at=starts + dt.timedelta(days=3),
                          delegate=rng.choice([None, *users]))
    open_pairs = set()
    for _ in range(rng.randint(10, 60)):
        app, requester, status = rng.choice(apps), rng.choice(users), rng.choice(STATUSES)
        if status == "pending":
            if (app.id, requester.id) in open_pairs:
                continue  # rule 9: one open request per person and application
            open_pairs.add((app.id, requester.id))
        AccessRequest.create(
            application=app, requester=requester, status=status,
            justification=rng.choice(["needs it", "for the audit", None]),
            escalated_at=t if rng.random() < 0.3 else None,
            reminded_at=t if rng.random() < 0.2 else None)
    return users


def rebuild(db: pw.Database, rng: random.Random) -> list[User]:
    """``build`` on an emptied directory, in one transaction."""
    with db.atomic():
        for table in (AccessRequest, AwayPeriod, EscalationApprover, SelfServiceApprover,
                      SelfServiceSettings, Application, User):
            table.delete().execute()
        return build(rng)


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in rows]


def paged(read: Any, size: int, **kw: Any) -> list[int]:
    """Every row read `size` at a time by key (as the command line's listings read)."""
    seen: list[int] = []
    while True:
        page = ids(read(after=seen[-1] if seen else None, limit=size, **kw))
        if not page:
            return seen
        seen += page


def check(user: User) -> None:
    at = now()
    old = AccessRequest.select(AccessRequest).where(old_to_approve_sql(user, at))
    expected = sorted(r.id for r in old)
    pending = sorted(r.id for r in old if r.status == "pending")
    overdue = [r.id for r in old if r.status == "pending"
               and (r.reminded_at is not None or r.escalated_at is not None)]
    denied = sorted(r.id for r in old if r.status == "denied")
    by_p = sorted(r.id for r in old if r.requester.upn.startswith("p1@"))

    assert sorted(r.id for r in requests.request_query(user, "to_approve")) == expected
    newest = expected[::-1]

    def page(**kw: Any) -> list[dict[str, Any]]:
        return requests.list_requests(user, "to_approve", **kw)

    assert ids(page()) == newest
    # Read from the merge itself (requests._merged_listing): the same views, field for
    # field, as the page read again from the tables.
    assert page(search="p") == requests._listed(
        requests.request_page(user, "to_approve", search="p"))
    assert paged(page, 3) == newest
    assert paged(page, 2, newest_first=False) == expected
    assert ids(page(offset=2, limit=4)) == newest[2:6]
    assert ids(page(status="denied")) == denied[::-1]
    assert paged(page, 2, status="pending") == pending[::-1]
    assert ids(page(search="p1@")) == by_p[::-1]
    assert ids(page(sort="-id")) == newest
    assert requests.count_requests(user, "to_approve") == len(expected)
    assert requests.count_requests(user, "to_approve", status="pending") == len(pending)
    assert notifications.pending_to_approve_count(user) == len(pending)
    assert notifications.pending_to_approve_counts(user) == {
        "pending": len(pending), "overdue": len(overdue)}
    assert ids(approvals.list_pending(user)) == pending
    assert ids(approvals.list_pending(user, limit=2, offset=1)) == pending[1:3]
    assert ids(approvals.list_pending(user, sort="-created_at")) == pending[::-1]
    assert ids(approvals.list_decided(user, sort="-created_at")) == sorted(
        set(expected) - set(pending), reverse=True)


def test_the_index_served_query_gives_the_rule_s_rows(
        db: pw.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded-random directories, each person's requests to approve through every reader;
    with MERGED_AT_MOST 1, the walk over the ids (a person of many applications) too."""
    for seed in range(6):
        users = rebuild(db, random.Random(seed))
        for user in users:
            check(user)
            expected = sorted(r.id for r in AccessRequest.select(AccessRequest.id).where(
                old_to_approve_sql(user, now())))
            with monkeypatch.context() as m:
                m.setattr(requests, "MERGED_AT_MOST", 1)
                page = functools.partial(requests.list_requests, user, "to_approve")
                assert paged(page, 4) == expected[::-1]
                assert paged(page, 4, newest_first=False) == expected


def _plan(db: pw.Database, query: Any) -> str:
    sql, params = query.sql()
    return "\n".join(str(row[-1]) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))


def test_the_requests_to_approve_are_read_from_the_application_index(
        db: pw.Database) -> None:
    """SQLite: the badge's count searches the (application_id, status) index, and a page of
    the listing merges the applications' index in id order: no walk over every request, no
    sort of every match (a sub-select per row before: the status index walked, or every
    request id)."""
    if not isinstance(db, pw.SqliteDatabase):
        pytest.skip("the plans are SQLite's")
    with db.atomic():
        users = build(random.Random(3))
    approver = max(users, key=lambda u: len(policy.deciding(u, None).applications()))
    assert len(policy.deciding(approver, None).applications()) > 1
    plan = _plan(db, notifications.pending_to_approve_query(approver))
    assert "USING INDEX access_request_application_id_status" in plan, plan
    assert "SCAN" not in plan, plan
    plan = _plan(db, requests.request_page(approver, "to_approve", after=10**6, limit=100))
    assert "MERGE (UNION ALL)" in plan, plan
    assert "USING INDEX access_request_application_id (" in plan, plan
    # (the merged page itself, at most `limit` ids, is what "SCAN merged" reads)
    assert "SCAN" not in plan.replace("SCAN merged", ""), plan
    assert "TEMP B-TREE" not in plan, plan
