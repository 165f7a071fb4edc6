"""Deciding many requests at once: one transaction per batch, conflicts reported with who and
when."""

from __future__ import annotations

import pytest

from desktop.errors import Refused
from desktop.models import AccessRequest, AuditEvent
from desktop.services import bulk, requests


def build(make, count: int) -> dict:
    """`count` pending requests for one application with two approvers, Ann and Ben."""
    ann = make.user("ann", license="p2", name="Ann Approver")
    ben = make.user("ben", license="p2", name="Ben Approver")
    app = make.selfservice_app("Fabrikam CRM", approvers=(ann, ben))
    people = [make.user(f"user{i:03d}") for i in range(count)]
    ids = [make.request(p, app).id for p in people]
    return {"ann": ann, "ben": ben, "app": app, "ids": ids}


@pytest.fixture
def many(make, db):
    return build(make, 20)


@pytest.fixture
def two_hundred(make, db):
    return build(make, 200)


def test_bulk_approve_of_200_where_3_were_decided_by_someone_else_first(two_hundred,
                                                                          consistent):
    many = two_hundred
    ids = many["ids"]
    taken = [ids[120], ids[150], ids[199]]
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        if done == 100:  # Ben, on another desktop, gets there first
            for rid in taken:
                requests.approve(many["ben"], rid, "already looked at these")

    summary = bulk.decide_many(many["ann"], ids, True, None, progress=progress, batch=50)

    assert len(summary.decided) == 197
    assert sorted(c.request_id for c in summary.conflicts) == sorted(taken)
    assert not summary.failed
    assert not summary.cancelled
    for c in summary.conflicts:
        assert c.decided_by == many["ben"].upn
        assert c.decided_by_name == "Ben Approver"
        assert c.status == "approved"
        assert c.decided_at
        assert c.decided_at.endswith("Z")
        assert many["ben"].upn in c.message
    # Nothing lost: every request is decided exactly once, by exactly one approver.
    statuses = {r.id: (r.status, r.decided_by_id) for r in AccessRequest.select()}
    assert all(statuses[i][0] == "approved" for i in ids)
    assert sum(1 for i in ids if statuses[i][1] == many["ben"].id) == 3
    assert sum(1 for i in ids if statuses[i][1] == many["ann"].id) == 197
    assert AuditEvent.select().where(AuditEvent.action == "request.approve").count() == 200
    assert calls == [(50, 200), (100, 200), (150, 200), (200, 200)]  # after each batch
    assert "197 of 200 requests approved" in summary.text()
    assert "3 had already been decided" in summary.text()


def test_denying_many_needs_a_reason_and_changes_nothing_without_one(many, refused):
    refused(Refused, "reason is required", bulk.decide_many, many["ann"], many["ids"][:5],
            False, "  ")


def test_bulk_deny_with_a_reason(many):
    summary = bulk.decide_many(many["ann"], many["ids"][:10], False, "No seats left")
    assert len(summary.decided) == 10
    reasons = {r.reason for r in AccessRequest.select().where(AccessRequest.status == "denied")}
    assert reasons == {"No seats left"}


def test_stopping_leaves_the_rest_pending_and_whole(many, consistent):
    ids = many["ids"][:20]
    done = []
    summary = bulk.decide_many(many["ann"], ids, True, None,
                               progress=lambda d, t: done.append(d),
                               should_stop=lambda: len(done) >= 2, batch=4)
    assert summary.cancelled
    assert done == [4, 8]  # stopped between batches
    assert summary.decided == ids[:8]
    assert summary.not_done == 12
    pending = AccessRequest.select().where(AccessRequest.id.in_(ids[8:])
                                           & (AccessRequest.status == "pending")).count()
    assert pending == 12


def test_a_request_he_may_not_decide_is_reported_not_skipped(many, make):
    other = make.user("other", license="p2")
    summary = bulk.decide_many(other, many["ids"][:3], True)
    assert summary.decided == []
    assert len(summary.failed) == 3
    assert all("only an approver" in message for _id, message in summary.failed)
