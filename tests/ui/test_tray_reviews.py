"""Rule 20 in the tray: "Access reviews (N)…" opens Approvals at its Reviews tab, a new review
task is announced once, and decisions lower the count live."""

from __future__ import annotations

from desktop.models import User
from desktop.services import requests, reviews
from desktop.services.notice_kinds import REVIEW_TASK
from desktop.ui.tray import ApproverTray
from tests.ui.test_tray import RecordingNotifier


def ledger(make) -> dict[str, User]:
    """Ledger, approved by Boss (who reviews it) and Ann; three people hold its access."""
    boss = User.get_by_id(make.user("boss", license="p2", name="Boss Approver").id)
    ann = User.get_by_id(make.user("ann", license="p2", name="Ann Approver").id)
    make.selfservice_app("Ledger", approvers=(boss, ann))
    people = {n: make.user(n, name=f"{n.title()} Person") for n in ("alice", "bob", "carol")}
    for person in people.values():
        requests.approve(boss, requests.create_request(person, "Ledger")["id"])
    return {"boss": boss, "ann": ann, **people}


def test_the_menu_offers_access_reviews_that_open_the_reviews_tab(qtbot, make, feed):
    who = ledger(make)
    notifier = RecordingNotifier()
    tray = ApproverTray(who["boss"], feed, notifier=notifier, tray_available=True)
    assert not tray.reviews_action.isVisible()  # no review: no entry

    review = reviews.start_review(make.admin, "Ledger", days=7)
    qtbot.waitUntil(lambda: tray.reviews_action.isVisible())
    assert tray.reviews_action.text() == "Access reviews (3)\u2026"
    visible = [a.text() for a in tray.menu.actions() if a.text() and a.isVisible()]
    assert visible == ["Open Approvals", "Access reviews (3)\u2026", "Open My Apps",
                       "Quit Access Desk tray"]
    assert "3 people wait" in tray.reviews_action.toolTip()
    # the review task is announced once, however often the tray looks again
    qtbot.waitUntil(lambda: len(notifier.shown) == 1)
    assert notifier.shown[0][0] == "An access review needs you"
    tray.check_new_requests()
    feed.poll_now()
    assert len(notifier.shown) == 1

    tray.reviews_action.trigger()
    window = tray.windows["approvals"]
    qtbot.addWidget(window)
    assert window.isVisible()
    assert window.tabs.currentWidget() is window.reviews_page
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Reviews (3)"

    # decisions (here by the other reviewer) lower the count live, then hide the entry
    reviews.decide(who["ann"], review["id"], who["alice"].upn, "keep")
    qtbot.waitUntil(lambda: tray.reviews_action.text() == "Access reviews (2)\u2026")
    reviews.decide(who["ann"], review["id"], [who["bob"].upn, who["carol"].upn], "remove",
                   "Moved to another team.")
    qtbot.waitUntil(lambda: not tray.reviews_action.isVisible())
    assert tray.review_tasks == 0


def test_a_review_task_balloon_opens_the_reviews_tab(qtbot, make, feed):
    who = ledger(make)
    notifier = RecordingNotifier()
    tray = ApproverTray(who["boss"], feed, notifier=notifier, tray_available=False)
    assert tray.fallback is not None
    qtbot.addWidget(tray.fallback)
    assert tray.fallback.reviews_button.isHidden()
    reviews.start_review(make.admin, "Ledger", days=7)
    qtbot.waitUntil(lambda: len(notifier.shown) == 1)
    assert not tray.fallback.reviews_button.isHidden()
    assert tray.fallback.reviews_button.text() == "Access reviews (3)\u2026"

    notifier.activated.emit(0)  # the balloon clicked: it carried no request
    window = tray.windows["approvals"]
    qtbot.addWidget(window)
    assert window.tabs.currentWidget() is window.reviews_page
    window.tabs.setCurrentWidget(window.pending_page)
    tray.fallback.reviews_button.click()
    assert window.tabs.currentWidget() is window.reviews_page
    assert tray.backend.call("me.notifications", limit=5)[0]["kind"] == REVIEW_TASK
