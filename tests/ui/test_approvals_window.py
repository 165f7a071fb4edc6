"""The Approvals window: pending requests, single and bulk decisions, conflicts, history."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from desktop.live import LiveFeed
from desktop.models import AccessRequest, User
from desktop.services import requests
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.approvals import decision as decision_module


@pytest.fixture
def crm(make):
    ann = make.user("ann", license="p2", name="Ann Approver")
    ben = make.user("ben", license="p2", name="Ben Approver")
    app = make.selfservice_app("Fabrikam CRM", approvers=(ann, ben))
    return {"ann": ann, "ben": ben, "app": app}


def requester(make, local: str, name: str, department: str = "Sales", license: str = "p1"):
    from desktop.services import directory

    user = make.user(local, license=license, name=name)
    directory.update_user(make.admin, user.upn, department=department)
    return User.get_by_id(user.id)


def open_approvals(qtbot, user: User, feed: LiveFeed) -> ApprovalsWindow:
    window = ApprovalsWindow(User.get_by_id(user.id), feed)
    qtbot.addWidget(window)
    window.show()
    return window


def test_pending_requests_show_requester_department_license_justification_and_age(
        qtbot, crm, make, feed):
    alice = requester(make, "alice", "Alice Wu", "Sales", "p2")
    req = make.request(alice, "Fabrikam CRM", "Taking over the Benelux accounts")
    window = open_approvals(qtbot, crm["ann"], feed)
    model = window.pending_page.model
    assert model.rowCount() == 1
    texts = [model.index(0, c).data() for c in range(model.columnCount())]
    assert texts == ["Alice Wu", "Sales", "Entra ID P2", "Fabrikam CRM",
                     "Taking over the Benelux accounts", "just now"]
    assert window.tabs.tabText(0) == "Pending (1)"
    window.pending_page.select_ids([req.id])
    assert "Alice Wu" in window.pending_page.detail.text()
    assert "Benelux" in window.pending_page.detail.text()


def test_the_tab_badge_counts_new_requests_live(qtbot, crm, make, feed):
    window = open_approvals(qtbot, crm["ann"], feed)
    assert window.tabs.tabText(0) == "Pending"
    make.request(make.user("alice"), "Fabrikam CRM")
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "Pending (1)")
    make.request(make.user("carl"), "Fabrikam CRM")
    qtbot.waitUntil(lambda: window.pending_count == 2)
    qtbot.waitUntil(lambda: window.pending_page.model.rowCount() == 2)  # read off the GUI thread


def test_ctrl_enter_approves_and_del_denies_with_the_reason(qtbot, crm, make, feed):
    first = make.request(make.user("alice"), "Fabrikam CRM")
    second = make.request(make.user("carl"), "Fabrikam CRM")
    window = open_approvals(qtbot, crm["ann"], feed)
    page = window.pending_page
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window only
    page.select_ids([first.id])
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert AccessRequest.get_by_id(first.id).status == "approved"
    assert "Approved" in page.outcome.text.text()
    page.select_ids([second.id])
    page.reason.setText("No seats left")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    denied = AccessRequest.get_by_id(second.id)
    assert (denied.status, denied.reason) == ("denied", "No seats left")
    assert window.pending_count == 0
    window.tabs.setCurrentWidget(window.history_page)  # a hidden tab is read when shown
    history = window.history_page.model.rows()
    assert [(r["status"], r["decided_by_name"]) for r in history] == [
        ("denied", "Ann Approver"), ("approved", "Ann Approver")]


def test_a_decision_someone_else_took_first_shows_who_and_when(qtbot, crm, make, feed):
    req = make.request(make.user("alice", name="Alice Wu"), "Fabrikam CRM")
    window = open_approvals(qtbot, crm["ann"], feed)
    page = window.pending_page
    feed.stop()  # Ann's list is a moment old when she clicks
    page.select_ids([req.id])
    requests.approve(crm["ben"], req.id, "ok")
    page.approve_button.click()
    text = page.outcome.text.text()
    assert "already approved by Ben Approver (ben@example.test)" in text
    assert AccessRequest.get_by_id(req.id).decided_by_id == crm["ben"].id


def test_bulk_approve_with_progress_reports_the_ones_decided_first(qtbot, crm, make, feed,
                                                                 monkeypatch):
    ids = [make.request(make.user(f"user{i:02d}"), "Fabrikam CRM").id for i in range(60)]
    window = open_approvals(qtbot, crm["ann"], feed)
    page = window.pending_page
    feed.stop()
    assert page.select_ids(ids) == 60
    taken = [ids[5], ids[30], ids[59]]
    for rid in taken:
        requests.approve(crm["ben"], rid)
    dialogs: list[int] = []  # the maximum of each progress dialog shown
    original = QProgressDialog.setValue
    # Shown at once (a run this short is otherwise over before its progress would show).
    monkeypatch.setattr(decision_module, "SHOW_AFTER", 0)

    def spy(self, value):
        if not dialogs:
            dialogs.append(self.maximum())
        return original(self, value)

    monkeypatch.setattr(QProgressDialog, "setValue", spy)
    assert page.decide(True) is None  # decided off the GUI thread
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    summary = page.last_summary
    assert summary is not None
    assert len(summary.decided) == 57
    assert sorted(c.request_id for c in summary.conflicts) == sorted(taken)
    assert dialogs == [60]
    text = page.outcome.text.text()
    assert "Approved 57 of 60 requests." in text
    assert "3 had already been decided by someone else" in text
    assert text.count("Ben Approver") == 3
    assert AccessRequest.select().where(AccessRequest.status == "pending").count() == 0
    assert page.model.rowCount() == 0


def test_deny_needs_a_reason(qtbot, crm, make, feed):
    req = make.request(make.user("alice"), "Fabrikam CRM")
    window = open_approvals(qtbot, crm["ann"], feed)
    page = window.pending_page
    page.select_ids([req.id])
    page.deny_button.click()
    assert page.error.isVisible()
    assert "reason is required" in page.error.text()
    assert AccessRequest.get_by_id(req.id).status == "pending"


def test_opening_a_request_already_decided_says_who_and_when(qtbot, crm, make, feed):
    req = make.request(make.user("alice", name="Alice Wu"), "Fabrikam CRM")
    requests.deny(crm["ben"], req.id, "not now")
    window = open_approvals(qtbot, crm["ann"], feed)
    window.show_request(req.id)
    assert window.tabs.currentWidget() is window.history_page
    assert "already denied by Ben Approver" in window.pending_page.outcome.text.text()


def test_opening_a_pending_request_selects_it(qtbot, crm, make, feed):
    make.request(make.user("alice"), "Fabrikam CRM")
    req = make.request(make.user("carl"), "Fabrikam CRM")
    window = open_approvals(qtbot, crm["ann"], feed)
    window.show_request(req.id)
    assert [r["id"] for r in window.pending_page.selected_rows()] == [req.id]


def test_passwords_tab_only_where_the_administrator_allowed_it(qtbot, crm, feed):
    window = open_approvals(qtbot, crm["ann"], feed)
    assert not window.tabs.isTabVisible(window.tabs.indexOf(window.passwords_page))
    assert "Fabrikam CRM" in window.scope.text()


def test_every_control_has_an_accessible_name(qtbot, crm, make, feed):
    from PySide6.QtWidgets import (
        QComboBox,
        QLineEdit,
        QListView,
        QPlainTextEdit,
        QPushButton,
        QTableView,
        QWidget,
    )

    from desktop.ui.tray import FallbackWindow

    make.request(make.user("alice"), "Fabrikam CRM")
    kinds = (QPushButton, QLineEdit, QPlainTextEdit, QTableView, QListView, QComboBox)
    for window in (open_approvals(qtbot, crm["ann"], feed), FallbackWindow(crm["ann"])):
        qtbot.addWidget(window)
        unnamed = [f"{type(w).__name__}" for w in window.findChildren(QWidget)
                   if isinstance(w, kinds) and not w.accessibleName()
                   and not w.objectName().startswith("qt_")]
        assert not unnamed, unnamed


def test_a_decisions_outcome_clears_after_a_while_or_on_the_next_selection(
        qtbot, crm, make, feed):
    from desktop.ui.approvals import window as approvals_window

    first = make.request(make.user("alice"), "Fabrikam CRM")
    second = make.request(make.user("carl"), "Fabrikam CRM")
    third = make.request(make.user("dora"), "Fabrikam CRM")
    window = open_approvals(qtbot, crm["ann"], feed)
    page = window.pending_page
    assert approvals_window.OUTCOME_SECONDS == 10
    assert page.outcome_timer.interval() == 10_000
    page.select_ids([first.id])
    page.approve_button.click()
    assert page.outcome.isVisible()
    assert page.outcome_timer.isActive()
    page.outcome_timer.setInterval(50)  # the production wait, shortened
    page.outcome_timer.start()
    qtbot.waitUntil(lambda: not page.outcome.isVisible(), timeout=1000)

    # A conflict is not timed out, but selecting another request means the approver moved on.
    feed.stop()
    page.select_ids([second.id])
    requests.approve(crm["ben"], second.id)
    page.approve_button.click()
    assert "already approved by Ben Approver" in page.outcome.text.text()
    assert not page.outcome_timer.isActive()
    page.model.refresh()  # lists refreshing on their own do not clear it
    assert page.outcome.isVisible()
    page.select_ids([third.id])
    assert not page.outcome.isVisible()


def test_the_subtitle_lists_only_applications_that_take_requests_live(qtbot, crm, make, feed):
    from desktop.services import selfservice

    make.selfservice_app("Woodgrove Benefits", approvers=(crm["ann"],))
    make.selfservice_app("Litware Wiki")  # no approval needed, no approver
    window = open_approvals(qtbot, crm["ann"], feed)
    assert window.scope.text() == "You approve requests for Fabrikam CRM, Woodgrove Benefits."
    selfservice.update(make.admin, "Woodgrove Benefits", enabled=False)  # as elsewhere
    qtbot.waitUntil(lambda: "Woodgrove" not in window.scope.text(), timeout=1000)
    assert window.scope.text() == "You approve requests for Fabrikam CRM."
    selfservice.update(make.admin, "Fabrikam CRM", require_approval=False)
    qtbot.waitUntil(lambda: "Fabrikam" not in window.scope.text(), timeout=1000)
    assert "No application you approve takes requests" in window.scope.text()


def test_a_search_then_enter_takes_the_request_and_goes_to_the_reason(qtbot, crm, make, feed):
    make.request(make.user("alice", name="Alice Wu"), "Fabrikam CRM")
    wanted = make.request(make.user("carl", name="Carl Berg"), "Fabrikam CRM")
    window = open_approvals(qtbot, crm["ann"], feed)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page = window.pending_page
    page.search.setFocus()
    qtbot.keyClicks(page.search, "carl")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.reason.hasFocus()
    assert [r["id"] for r in page.selected_rows()] == [wanted.id]
    qtbot.keyClick(page.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert AccessRequest.get_by_id(wanted.id).status == "approved"


def test_the_detail_line_reads_as_a_sentence_for_a_new_request(qtbot, crm, make, feed):
    req = make.request(make.user("alice", name="Alice Wu"), "Fabrikam CRM", "Benelux accounts")
    window = open_approvals(qtbot, crm["ann"], feed)
    window.pending_page.select_ids([req.id])
    text = window.pending_page.detail.text()
    assert "requests Fabrikam CRM, just now (" in text
    assert "just now ago" not in text


def test_ages_follow_the_demos_clock_when_a_trainer_jumps_ahead(qtbot, demo_db):
    # A request made before `demo jump 7d` is 7 days old in the services: in the window too.
    from desktop.demo.scenarios import demo_upn
    from desktop.services import governance

    alice = User.get(User.upn == demo_upn("alice.wu"))
    made = requests.create_request(alice, "Adatum Payroll")["id"]
    live = LiveFeed(interval_ms=50)
    live.start()
    try:
        window = open_approvals(qtbot, User.get(User.upn == demo_upn("priya.nair")), live)
        page = window.pending_page
        age_column = next(c for c in range(page.model.columnCount())
                          if page.model.headerData(c, Qt.Orientation.Horizontal) == "Age")

        def age() -> str:
            return page.model.index(page.model.row_of(made), age_column).data()

        assert age() == "just now"
        governance.jump(demo_db, "7d")
        qtbot.waitUntil(lambda: age() == "7 days", timeout=5000)
        page.select_ids([made])
        assert ", 7 days ago (" in page.detail.text()
    finally:
        live.stop()
