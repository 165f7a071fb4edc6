"""Rule 20 in the windows: Approvals › Reviews decides Keep / Remove (a reason to remove),
for one person or several, and the tab shows only while he reviews."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.models import AccessReview, ReviewItem, User
from desktop.services import requests, reviews
from desktop.ui.approvals import ApprovalsWindow


def test_reviews_tab_keeps_and_removes_with_a_reason(qtbot, make, feed, qtmodeltester):
    boss = make.user("boss", license="p2")
    make.selfservice_app("Ledger", approvers=(boss,))
    people = [make.user(n, name=f"{n.title()} Person") for n in ("alice", "bob", "carol")]
    for person in people:
        requests.approve(boss, requests.create_request(person, "Ledger")["id"])
    window = ApprovalsWindow(User.get_by_id(boss.id), feed)
    qtbot.addWidget(window)
    window.show()
    page = window.reviews_page
    assert not window.tabs.isTabVisible(window.tabs.indexOf(page))  # no review yet

    reviews.start_review(make.admin, "Ledger", days=7)
    window.update_reviews()
    index = window.tabs.indexOf(page)
    assert window.tabs.isTabVisible(index)
    assert window.tabs.tabText(index) == "Reviews (3)"
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    qtmodeltester.check(page.model)
    assert "3 people" in page.counts.text()

    # Remove needs a reason: nothing is decided without one.
    page.table.selectRow(1)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert "reason" in page.error.text().lower()
    assert not ReviewItem.select().where(ReviewItem.decision.is_null(False)).exists()
    qtbot.keyClicks(page.reason, "moved to another team")
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    bob = ReviewItem.get(ReviewItem.user == people[1])
    assert (bob.decision, bob.reason) == ("remove", "moved to another team")

    # Bulk: search, select all, keep.
    qtbot.keyClicks(page.search, "a")  # "Alice Person" only
    page.model.apply_search_now()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.search.clear()
    page.model.apply_search_now()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.table.selectAll()
    qtbot.mouseClick(page.keep_button, Qt.MouseButton.LeftButton)
    assert {i.decision for i in ReviewItem.select()} == {"keep"}
    assert "3 kept" in page.counts.text()
    window.update_reviews()
    assert window.tabs.tabText(index) == "Reviews"
    assert reviews.task_count(boss) == 0


def test_admin_starts_a_review_from_users_and_groups(qtbot, admin_window):
    from desktop.ui.admin.reviews import StartReviewDialog

    page = admin_window.access
    assert page.select_application("Adatum Payroll")
    dialog = StartReviewDialog(page, "Adatum Payroll", page.backend)
    qtbot.addWidget(dialog)
    dialog.days.setValue(7)
    dialog.unreviewed.setCurrentIndex(1)
    choice = dialog.choice()
    assert choice == {"days": 7, "unreviewed": "remove", "recurrence": None}
    assert page.start_review(choice)
    assert "Under review until" in page.review_info.text()
    assert not page.review_button.isEnabled()


def test_start_review_picks_named_reviewers_with_the_people_picker(qtbot, admin_window,
                                                                   monkeypatch):
    # Rule 20: named reviewers are searched and added (a disabled person is refused in place),
    # not typed as UPNs; without any, Start review says so and stays open.
    from desktop.ui.admin.pickers import ReviewerPickerDialog
    from desktop.ui.admin.reviews import StartReviewDialog

    priya, sean = "priya.nair@contoso.example", "sean.murphy@contoso.example"
    asked: list[str] = []

    def pick_priya(picker):
        asked.append(picker.windowTitle())
        assert picker.model.headerData(4, Qt.Orientation.Horizontal) == "Can review?"
        picker.search.setText("Seán")
        picker.model.apply_search_now()
        qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
        assert not picker.add(sean)
        assert "disabled" in picker.error.text()
        picker.search.setText("Priya")
        picker.model.apply_search_now()
        qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
        picker.view.selectRow(0)
        qtbot.mouseClick(picker.add_button, Qt.MouseButton.LeftButton)
        assert picker.upns() == [priya]
        assert picker.count.text() == "1 of 10"
        return ReviewerPickerDialog.DialogCode.Accepted

    monkeypatch.setattr(ReviewerPickerDialog, "exec", pick_priya)
    page = admin_window.access
    assert page.select_application("Adatum Payroll")
    dialog = StartReviewDialog(page, "Adatum Payroll", page.backend)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.named.setChecked(True)
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # nobody named yet
    assert "Select the reviewers" in dialog.error.text()
    qtbot.mouseClick(dialog.select_reviewers, Qt.MouseButton.LeftButton)
    assert asked == ["Select reviewers"]
    assert dialog.reviewer_names.text() == "Priya Nair"
    assert dialog.named.isChecked()
    assert not dialog.approvers.isChecked()  # one or the other
    assert not dialog.error.text()
    choice = dialog.choice()
    assert choice["reviewers"] == [priya]
    assert page.start_review(choice)
    review = AccessReview.get(AccessReview.status == "active")
    assert review.reviewers == "named"
    assert reviews.reviewers_of(review)[0].upn == priya
