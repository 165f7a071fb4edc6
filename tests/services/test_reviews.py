"""Rule 20: access reviews: who may start and decide, no self-review, a reason to remove, the
end at its boundary (exactly the removals and the unreviewed policy), recurrence started once,
the export agreeing with the decisions, the evidence bundle's reviews.csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest

from desktop.errors import Conflict, Refused
from desktop.models import (
    AccessReview,
    AuditEvent,
    EmailOutbox,
    GroupMember,
    Notification,
    ReviewItem,
    SelfServiceSettings,
)
from desktop.services import check, exports, governance, requests, reviews
from desktop.services.core import frozen_clock

START = dt.datetime(2027, 3, 1, 9, 0, 0)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def ledger(make):
    """Ledger: boss approves; alice, bob and carol hold access through requests; e-mail on."""
    boss = make.user("boss", license="p2")
    app = make.selfservice_app("Ledger", approvers=(boss,), roles=("reader:Reader",),
                               role="reader", email=True)
    people = {name: make.user(name) for name in ("alice", "bob", "carol")}
    with frozen_clock(START - dt.timedelta(days=2)):
        for person in people.values():
            req = requests.create_request(person, "Ledger")
            requests.approve(boss, req["id"])
    return {"app": app, "boss": boss, "admin": make.admin, **people}


def member(app, user):
    group = SelfServiceSettings.get(SelfServiceSettings.application == app).group_id
    return GroupMember.select().where((GroupMember.group == group)
                                      & (GroupMember.user == user)).exists()


def ends(review_id):
    return AccessReview.get_by_id(review_id).ends_at


def start(ledger, **kw):
    kw.setdefault("days", 14)
    with frozen_clock(START):
        return reviews.start_review(ledger["admin"], "Ledger", **kw)


def test_only_administrators_start_and_reviewers_are_told(ledger, refused):
    refused(Refused, "administrator", reviews.start_review, ledger["boss"], "Ledger", days=14)
    view = start(ledger)
    assert view["members"] == 3
    assert view["reviewer_upns"] == [ledger["boss"].upn]
    review = AccessReview.get_by_id(view["id"])
    assert review.ends_at == review.started_at + dt.timedelta(days=14)
    told = Notification.get(Notification.kind == reviews.REVIEW_TASK)
    assert told.recipient_id == ledger["boss"].id
    assert "3 people" in told.message
    assert EmailOutbox.select().where(EmailOutbox.subject == "Access review: Ledger").count() == 1
    assert reviews.task_count(ledger["boss"]) == 3
    refused(Conflict, "under review already", reviews.start_review, ledger["admin"], "Ledger",
            days=3)


def test_decide_rights_self_review_and_reason(ledger, make, refused):
    review = start(ledger, reviewers=[ledger["alice"].upn, ledger["boss"].upn])["id"]
    refused(Refused, "not a reviewer", reviews.decide, ledger["bob"], review, ["carol"], "keep")
    refused(Refused, "his own access", reviews.decide, ledger["alice"], review,
            [ledger["bob"].upn, ledger["alice"].upn], "keep")  # all or nothing
    refused(Refused, "reason", reviews.decide, ledger["alice"], review, [ledger["bob"].upn],
            "remove", "  ")
    done = reviews.decide(ledger["alice"], review, [ledger["bob"].upn, ledger["carol"].upn],
                          "remove", "left the team")
    assert done["remove"] == 2
    assert done["undecided"] == 1
    reviews.decide(ledger["boss"], review, [ledger["carol"].upn], "keep")  # changeable
    assert reviews.task_count(ledger["alice"]) == 0  # only herself is left
    rows = {r["user"]: r for r in reviews.items(ledger["admin"], review)}
    assert rows[ledger["carol"].upn]["decision"] == "keep"
    assert rows[ledger["bob"].upn]["reason"] == "left the team"
    with frozen_clock(ends(review)):
        refused(Refused, "has ended", reviews.decide, ledger["boss"], review,
                [ledger["bob"].upn], "keep")


def test_end_applies_exactly_the_removals_at_the_boundary(ledger):
    review = start(ledger, unreviewed="remove")["id"]
    boss, app = ledger["boss"], ledger["app"]
    reviews.decide(boss, review, [ledger["alice"].upn], "keep")
    reviews.decide(boss, review, [ledger["bob"].upn], "remove", "no longer needed")
    end = ends(review)
    assert governance.sweep(end - SECOND).get("reviews_completed") == 0
    assert member(app, ledger["bob"])
    done = governance.sweep(end)
    assert done["review_removals"] == 2
    assert done["reviews_completed"] == 1
    assert member(app, ledger["alice"])
    assert not member(app, ledger["bob"])
    assert not member(app, ledger["carol"])
    outcomes = {i.user.upn: i.outcome for i in ReviewItem.select()}
    assert outcomes == {ledger["alice"].upn: "kept", ledger["bob"].upn: "removed",
                        ledger["carol"].upn: "not reviewed, removed"}
    assert AccessReview.get_by_id(review).status == "completed"
    removals = AuditEvent.select().where(AuditEvent.action == "access.remove")
    assert [e.actor for e in removals] == [None, None]
    told = Notification.get((Notification.recipient == ledger["bob"])
                            & (Notification.kind == "access_removed"))
    assert "no longer needed" in told.message
    assert governance.sweep(end + SECOND).get("review_removals") == 0  # nothing twice
    assert check.run(ledger["admin"])["problems"] == 0


def test_unreviewed_kept_by_default(ledger):
    governance.sweep(ends(start(ledger)["id"]))
    assert all(member(ledger["app"], ledger[n]) for n in ("alice", "bob", "carol"))
    assert {i.outcome for i in ReviewItem.select()} == {"not reviewed, kept"}


def test_recurrence_starts_the_next_once(ledger):
    first = start(ledger, recurrence="quarterly")["id"]
    end = ends(first)
    assert governance.sweep(end)["reviews_started"] == 1
    assert governance.sweep(end + SECOND)["reviews_started"] == 0
    nxt = AccessReview.get(AccessReview.status == "active")
    assert AccessReview.get_by_id(first).next_review == nxt.id
    assert nxt.ends_at == end.replace(month=6)
    assert nxt.started_at == end
    assert nxt.recurrence == "quarterly"
    assert ReviewItem.select().where(
        ReviewItem.review == nxt).count() == 3


def test_cancel_and_export_agree_with_decisions(ledger, tmp_path):
    review = start(ledger)["id"]
    reviews.decide(ledger["boss"], review, [ledger["bob"].upn], "remove", "moved")
    reviews.decide(ledger["boss"], review, [ledger["alice"].upn], "keep")
    end = ends(review)
    governance.sweep(end)
    rows = {r["user"]: r for r in reviews.export_rows(ledger["admin"], review)}
    assert {u: (r["decision"], r["outcome"]) for u, r in rows.items()} == {
        ledger["alice"].upn: ("keep", "kept"), ledger["bob"].upn: ("remove", "removed"),
        ledger["carol"].upn: (None, "not reviewed, kept")}
    out = tmp_path / "evidence.zip"
    exports.evidence(ledger["admin"], "Ledger", START, end + dt.timedelta(days=1), out)
    with zipfile.ZipFile(out) as zf:
        text = zf.read("reviews.csv").decode("utf-8-sig")
    bundled = {r["user"]: r["outcome"] for r in csv.DictReader(io.StringIO(text))}
    assert bundled == {u: r["outcome"] for u, r in rows.items()}
    second = start(ledger, days=3)["id"]
    reviews.cancel_review(ledger["admin"], second)
    assert AccessReview.get_by_id(second).status == "cancelled"
