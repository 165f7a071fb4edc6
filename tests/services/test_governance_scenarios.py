"""The governance scenarios (rules 18-20) set up what they say, and a trainer's jump of the
demo's clock shows it happen: a reminder, access that ends, a delegate's decision, a review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from desktop.demo import scenarios
from desktop.models import (
    AccessGrant,
    AccessRequest,
    AccessReview,
    Application,
    Assignment,
    AuditEvent,
    GroupMember,
    Notification,
    ReviewItem,
    SelfServiceSettings,
    User,
)
from desktop.services import approvals, auditlog, governance, requests
from desktop.services.core import clock_offset, now, put_setting
from desktop.services.notice_kinds import NOBODY_AVAILABLE

pytestmark = pytest.mark.usefixtures("consistent")


def person(local: str) -> User:
    return User.get(User.upn == scenarios.demo_upn(local))


def app(name: str) -> Application:
    return Application.get(Application.name == name)


def holds(local: str, name: str) -> bool:
    """Self-service access: in the application's group, or a direct role from a request."""
    settings = SelfServiceSettings.get(SelfServiceSettings.application == app(name))
    user = person(local)
    member = GroupMember.select().where((GroupMember.group == settings.group_id)
                                        & (GroupMember.user == user)).exists()
    direct = Assignment.select().where((Assignment.application == app(name))
                                       & (Assignment.user == user)
                                       & Assignment.via_request.is_null(False)).exists()
    return bool(member or direct)


def notices(local: str, kind: str) -> list[str]:
    return [n.message for n in Notification.select().where(
        (Notification.recipient == person(local)) & (Notification.kind == kind))]


@pytest.fixture
def trainer(demo: User) -> Iterator[User]:
    """The demo's administrator; the clock's offset a jump leaves is cleared afterwards."""
    yield demo
    put_setting("clock_offset", "0")
    clock_offset(fresh=True)


def test_access_that_ends_reminds_one_and_a_jump_ends_the_other(trainer):
    view = scenarios.run_scenario("access-that-ends")
    assert view["look"]
    assert len(view["done"]) == 3
    relecloud = app(scenarios.ENDS_APP)
    soon, ending = person(scenarios.ENDS_SOON), person(scenarios.ENDS_NOW)
    for who in (soon, ending):
        assert holds(who.upn.split("@")[0], scenarios.ENDS_APP)
        assert AccessGrant.get((AccessGrant.user == who) & (AccessGrant.application == relecloud)
                               ).ended_at is None
    # the desktop's sweep (now): both are within the 14 days' reminder, nobody ends yet
    done = governance.sweep()
    assert (done["grants_reminded"], done["grants_ended"]) == (2, 0)
    assert any("request an extension" in t for t in notices(scenarios.ENDS_SOON,
                                                            "access_ending"))
    # the trainer jumps a week: Diego's access ends, Sofia's goes on
    jumped = governance.jump(trainer, "7d")
    assert jumped["sweep"]["grants_ended"] == 1
    assert not holds(scenarios.ENDS_NOW, scenarios.ENDS_APP)
    assert not Assignment.select().where((Assignment.application == relecloud)
                                         & (Assignment.user == ending)).exists()
    assert notices(scenarios.ENDS_NOW, "access_ended")
    assert holds(scenarios.ENDS_SOON, scenarios.ENDS_APP)
    # ... and she may ask to keep it, decided as a request is
    asked = requests.create_request(soon, scenarios.ENDS_APP, "Still closing the quarter.",
                                    extend=True)
    assert AccessRequest.get_by_id(asked["id"]).kind == "extension"


def test_approver_away_a_delegate_decides_and_the_administrators_are_told(trainer):
    scenarios.run_scenario("approver-away")
    nadia = person(scenarios.DELEGATE)
    waiting = [r for r in approvals.list_pending(nadia) if r["app"] == scenarios.AWAY_APP]
    assert len(waiting) == 1
    requests.approve(nadia, waiting[0]["id"], "Approved while Johan is away.")
    event = (AuditEvent.select().where(AuditEvent.action == "request.approve")
             .order_by(AuditEvent.id.desc()).first())
    assert event.actor == nadia.upn
    assert scenarios.demo_upn(scenarios.AWAY) in event.details
    assert AccessRequest.get_by_id(waiting[0]["id"]).decided_for == person(scenarios.AWAY).id
    # every Proseware Design approver is away, nobody stands in: the administrators hear it
    assert governance.sweep()["admins_told_nobody_available"] == 1
    assert any(scenarios.STRANDED_APP in t for t in notices("megan.bowen", NOBODY_AVAILABLE))
    assert [r.status for r in scenarios._pending(scenarios.STRANDED_APP)] == ["pending"]
    assert auditlog.verify(trainer).ok


def test_access_review_completes_at_the_jump_and_the_next_one_starts(trainer):
    view = scenarios.run_scenario("access-review")
    review = AccessReview.get_by_id(view["review"])
    assert (review.unreviewed, review.recurrence, review.status) == ("remove", "monthly",
                                                                      "active")
    decided = {i.user.upn: i.decision for i in ReviewItem.select().where(
        (ReviewItem.review == review) & ReviewItem.decision.is_null(False))}
    assert decided[scenarios.demo_upn("liam.oconnor")] == "remove"
    assert list(decided.values()).count("keep") == 3
    undecided = [i.user.upn.split("@")[0] for i in ReviewItem.select().where(
        (ReviewItem.review == review) & ReviewItem.decision.is_null())]
    assert undecided
    assert review.ends_at - now() < dt.timedelta(days=7)
    jumped = governance.jump(trainer, "7d")["sweep"]
    assert (jumped["reviews_completed"], jumped["reviews_started"]) == (1, 1)
    assert jumped["review_removals"] == 1 + len(undecided)
    assert AccessReview.get_by_id(review.id).status == "completed"
    for local in ["liam.oconnor", *undecided]:
        assert not holds(local, scenarios.REVIEW_APP), local
    for local in ("alice.wu", "yuki.tanaka", "fatima.benali"):
        assert holds(local, scenarios.REVIEW_APP), local
    nxt = AccessReview.get_by_id(AccessReview.get_by_id(review.id).next_review)
    assert (nxt.status, nxt.recurrence) == ("active", "monthly")


def test_a_governance_scenario_run_twice_says_why_rather_than_failing(trainer):
    for name in ("access-that-ends", "approver-away", "access-review"):
        scenarios.run_scenario(name)
    again = scenarios.run_scenario("access-review")
    assert "under review already" in again["done"][0]
    again = scenarios.run_scenario("access-that-ends")
    assert any("could not be given access" in line for line in again["done"])
