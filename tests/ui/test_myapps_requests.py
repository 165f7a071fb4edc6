"""My Apps, driven as a user does: request, wait for approval, see the outcome live."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from desktop.live import LiveFeed
from desktop.models import User
from desktop.services import access, notifications
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.common import ConfirmDialog
from desktop.ui.myapps import MyAppsWindow, RequestDialog
from desktop.ui.myapps.window import APPS_TAB, CATALOG_TAB, REQUESTS_TAB


@pytest.fixture
def world(make):
    """Alice (P1) may request a wiki (no approval) and a CRM that Bob approves."""
    bob = make.user("bob", license="p2", name="Bob Approver")
    alice = make.user("alice", name="Alice Wu")
    make.selfservice_app("Litware Wiki")
    make.selfservice_app("Fabrikam CRM", approvers=(bob,), roles=("Sales.Rep:Sales rep",),
                         role="Sales.Rep")
    return {"alice": alice, "bob": bob}


def open_myapps(qtbot, user: User, feed: LiveFeed) -> MyAppsWindow:
    window = MyAppsWindow(User.get_by_id(user.id), feed)
    qtbot.addWidget(window)
    window.show()
    return window


def unnamed_controls(window: QWidget) -> list[str]:
    """Buttons, fields and lists a screen reader could not name (Qt's own parts aside)."""
    kinds = (QPushButton, QLineEdit, QPlainTextEdit, QTableView, QListView, QComboBox)
    return [f"{type(w).__name__} {w.objectName()}" for w in window.findChildren(QWidget)
            if isinstance(w, kinds) and not w.accessibleName()
            and not w.objectName().startswith("qt_")]


def request(qtbot, window: MyAppsWindow, app: str, justification: str = "") -> RequestDialog:
    window.tabs.setCurrentIndex(CATALOG_TAB)
    assert window.catalog_page.select_app(app)
    assert window.catalog_page.request_button.isEnabled()
    window.catalog_page.request_button.click()
    dialog = window.catalog_page.request_dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.justification.setPlainText(justification)
    return dialog


def test_an_approval_free_app_is_in_apps_at_once(qtbot, world, feed):
    window = open_myapps(qtbot, world["alice"], feed)
    assert window.apps_page.app_names() == []
    dialog = request(qtbot, window, "Litware Wiki")
    assert "No approval is needed" in dialog.approval.text.text()
    dialog.submit_button.click()
    assert not dialog.isVisible()
    assert "Litware Wiki was added to your apps" in window.catalog_page.outcome.text.text()
    # At once: no waiting for the timer (the Apps tab is read as it is shown).
    window.tabs.setCurrentIndex(APPS_TAB)
    assert window.apps_page.app_names() == ["Litware Wiki"]
    row = window.catalog_page.model.row_of(
        window.catalog_page.model.rows()[0]["id"])
    assert row >= 0
    states = {r["name"]: r["state"] for r in window.catalog_page.model.rows()}
    assert states["Litware Wiki"] == "owned"


def test_a_request_needing_approval_is_pending_then_approved_in_another_window(
        qtbot, world, feed):
    window = open_myapps(qtbot, world["alice"], feed)
    dialog = request(qtbot, window, "Fabrikam CRM", "New account executive")
    statement = dialog.approval.text.text()
    assert "Approval is needed" in statement
    assert "Bob Approver" in statement
    dialog.submit_button.click()
    assert "waiting for approval" in window.catalog_page.outcome.text.text()
    states = {r["name"]: r["state"] for r in window.catalog_page.model.rows()}
    assert states["Fabrikam CRM"] == "requested"  # marked, not hidden
    window.tabs.setCurrentIndex(REQUESTS_TAB)  # a hidden tab is read when it is shown
    rows = window.requests_page.model.rows()
    assert [(r["app"], r["status"], r["approver"]) for r in rows] == [
        ("Fabrikam CRM", "pending", "Bob Approver")]
    window.tabs.setCurrentIndex(APPS_TAB)

    approvals = ApprovalsWindow(User.get_by_id(world["bob"].id), feed)
    qtbot.addWidget(approvals)
    approvals.show()
    assert approvals.pending_count == 1
    assert approvals.pending_page.select_ids([rows[0]["id"]]) == 1
    approvals.pending_page.approve_button.click()

    qtbot.waitUntil(lambda: window.unseen == 1)
    assert window.tabs.tabText(REQUESTS_TAB) == "My requests (1)"
    qtbot.waitUntil(lambda: window.apps_page.app_names() == ["Fabrikam CRM"])
    assert approvals.pending_count == 0

    # Looking at My requests counts as seeing the decision: the badge clears.
    window.tabs.setCurrentIndex(REQUESTS_TAB)
    assert window.requests_page.model.rows()[0]["status"] == "approved"
    assert window.requests_page.model.rows()[0]["approver"] == "Bob Approver"
    qtbot.waitUntil(lambda: window.unseen == 0)
    assert window.tabs.tabText(REQUESTS_TAB) == "My requests"
    assert rows[0]["id"] in window.requests_page.model.fresh_ids  # still bold this time


def test_a_denial_shows_the_reason(qtbot, world, feed, make):
    req = make.request(world["alice"], "Fabrikam CRM", "please")
    window = open_myapps(qtbot, world["alice"], feed)
    approvals = ApprovalsWindow(User.get_by_id(world["bob"].id), feed)
    qtbot.addWidget(approvals)
    page = approvals.pending_page
    page.select_ids([req.id])
    page.deny_button.click()
    assert "reason is required" in page.error.text()
    assert page.model.rowCount() == 1
    page.reason.setText("CRM seats are for the sales team")
    page.deny_button.click()
    assert not page.error.isVisible()
    qtbot.waitUntil(lambda: window.unseen == 1)
    window.tabs.setCurrentIndex(REQUESTS_TAB)
    row = window.requests_page.model.rows()[0]
    assert (row["status"], row["reason"]) == ("denied", "CRM seats are for the sales team")
    window.requests_page.select_request(req.id)
    assert "CRM seats are for the sales team" in window.requests_page.detail.text()
    assert "Bob Approver" in window.requests_page.detail.text()


def test_cancel_a_pending_request(qtbot, world, feed, make, monkeypatch):
    req = make.request(world["alice"], "Fabrikam CRM")
    window = open_myapps(qtbot, world["alice"], feed)
    window.tabs.setCurrentIndex(REQUESTS_TAB)
    page = window.requests_page
    assert page.select_request(req.id)
    assert page.cancel_button.isEnabled()
    asked = []
    monkeypatch.setattr(ConfirmDialog, "ask",
                        classmethod(lambda cls, *a, **k: asked.append(a) or True))
    page.cancel_button.click()
    assert asked
    assert page.model.rows()[0]["status"] == "cancelled"
    assert "cancelled" in page.result.text()
    assert not page.cancel_button.isEnabled()
    window.tabs.setCurrentIndex(CATALOG_TAB)
    states = {r["name"]: r["state"] for r in window.catalog_page.model.rows()}
    assert states["Fabrikam CRM"] == "requestable"


def test_an_unlicensed_user_sees_why_instead_of_an_empty_list(qtbot, make, feed):
    make.selfservice_app("Litware Wiki")
    liam = make.user("liam", license="none")
    window = open_myapps(qtbot, liam, feed)
    window.tabs.setCurrentIndex(CATALOG_TAB)
    page = window.catalog_page
    assert page.license_banner.isVisible()
    assert "P1 or P2 license" in page.license_banner.text.text()
    assert page.model.rowCount() == 1  # the catalog is listed, not hidden
    assert page.model.rows()[0]["state"] == "license_required"
    page.select_app("Litware Wiki")
    assert not page.request_button.isEnabled()


def test_a_long_justification_is_refused_before_submitting(qtbot, world, feed):
    window = open_myapps(qtbot, world["alice"], feed)
    dialog = request(qtbot, window, "Fabrikam CRM", "x" * 501)
    assert not dialog.submit_button.isEnabled()
    assert dialog.counter.text() == "501 / 500"
    dialog.justification.setPlainText("x" * 500)
    assert dialog.submit_button.isEnabled()
    dialog.reject()


def test_the_catalog_searches_and_ctrl_r_opens_the_request(qtbot, world, feed):
    window = open_myapps(qtbot, world["alice"], feed)
    page = window.catalog_page
    window.tabs.setCurrentIndex(CATALOG_TAB)
    page.search.setText("wiki")
    page.model.apply_search_now()
    assert [r["name"] for r in page.model.rows()] == ["Litware Wiki"]
    page.select_app("Litware Wiki")
    window.on_request_shortcut_activated()
    assert page.request_dialog is not None
    page.request_dialog.reject()


@pytest.mark.parametrize("keys", [[Qt.Key.Key_Return], [Qt.Key.Key_Down, Qt.Key.Key_Return]])
def test_typing_a_search_then_enter_requests_the_only_match(qtbot, world, feed, keys):
    window = open_myapps(qtbot, world["alice"], feed)
    page = window.catalog_page
    window.tabs.setCurrentIndex(CATALOG_TAB)
    page.search.setFocus()
    qtbot.keyClicks(page.search, "fabrikam")
    for key in keys:
        qtbot.keyClick(page.table if page.table.hasFocus() else page.search, key)
    assert page.request_dialog is not None
    assert page.request_dialog.isVisible()
    assert "Fabrikam CRM" in page.request_dialog.windowTitle()
    page.request_dialog.reject()


def test_he_is_told_when_an_administrator_removes_access_or_changes_the_role(
        qtbot, world, feed, make):
    req = make.request(world["alice"], "Fabrikam CRM")
    from desktop.services import requests as request_service

    request_service.approve(world["bob"], req.id)
    notifications.mark_read(world["alice"], "all")
    window = open_myapps(qtbot, world["alice"], feed)
    assert window.unseen == 0

    access.change_role(make.admin, "Fabrikam CRM", world["alice"].upn, "Sales.Rep")
    access.remove_access(make.admin, "Fabrikam CRM", world["alice"].upn)
    qtbot.waitUntil(lambda: window.unseen == 2)
    qtbot.waitUntil(lambda: window.apps_page.app_names() == [])
    window.tabs.setCurrentIndex(REQUESTS_TAB)
    notices = window.requests_page.notices
    assert notices.isVisible()
    assert "removed your access to Fabrikam CRM" in notices.text.text()
    assert "role in Fabrikam CRM" in notices.text.text()
    qtbot.waitUntil(lambda: window.unseen == 0)


def test_shortcuts_and_accessible_names(qtbot, world, feed):
    window = open_myapps(qtbot, world["alice"], feed)
    assert not unnamed_controls(window)
    window.tabs.setCurrentIndex(APPS_TAB)
    window.on_find_shortcut_activated()
    window.on_request_shortcut_activated()
    assert window.tabs.currentIndex() == CATALOG_TAB


def test_the_request_outcome_follows_the_decision_made_elsewhere(qtbot, world, feed, make):
    from desktop.services import requests

    window = open_myapps(qtbot, world["alice"], feed)
    request(qtbot, window, "Fabrikam CRM").submit_button.click()
    outcome = window.catalog_page.outcome.text
    assert "Your request for Fabrikam CRM is waiting for approval" in outcome.text()
    req_id = window.catalog_page.outcome_request
    requests.approve(world["bob"], req_id)  # Bob, on another desktop
    qtbot.waitUntil(lambda: "was approved" in outcome.text(), timeout=1000)
    assert outcome.text() == "Your request for Fabrikam CRM was approved. Find it under Apps."
    # The details of an application follow its properties too, changed elsewhere.
    from desktop.services import applications

    window.tabs.setCurrentIndex(APPS_TAB)
    assert window.apps_page.select_app("Fabrikam CRM")
    applications.update_application(make.admin, "Fabrikam CRM",
                                    description="Customers and deals")
    qtbot.waitUntil(
        lambda: window.apps_page.detail_description.text() == "Customers and deals",
        timeout=1000)


def test_open_sign_in_page_without_a_browser_says_so_and_gives_the_address(
        qtbot, world, feed, make, monkeypatch):
    from PySide6.QtGui import QDesktopServices, QGuiApplication

    from desktop.services import applications

    applications.update_application(make.admin, "Litware Wiki",
                                    homepage="https://wiki.litware.example/start")
    opened: list[str] = []

    def no_browser(url):
        opened.append(url.toString())
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(no_browser))
    window = open_myapps(qtbot, world["alice"], feed)
    request(qtbot, window, "Litware Wiki").submit_button.click()
    window.tabs.setCurrentIndex(APPS_TAB)
    page = window.apps_page
    assert page.select_app("Litware Wiki")
    assert not page.no_browser.isVisible()
    page.open_button.click()
    assert opened == ["https://wiki.litware.example/start"]
    assert page.no_browser.isVisible()
    assert "No web browser opened" in page.no_browser_banner.text.text()
    assert page.address.text() == "https://wiki.litware.example/start"
    page.copy_address_button.click()
    assert QGuiApplication.clipboard().text() == "https://wiki.litware.example/start"
    assert page.clip_message.text() == "The address was copied."
    # Enter on the tile does the same; a browser that opens it takes the notice away.
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: True))
    page.tiles.setFocus()
    qtbot.keyClick(page.tiles, Qt.Key.Key_Return)
    assert not page.no_browser.isVisible()


def test_the_catalog_says_why_an_app_whose_only_approver_left_cannot_be_requested(
        qtbot, world, make, admin, feed):
    from desktop.errors import for_people
    from desktop.services import directory, requests

    directory.update_user(admin, world["bob"].upn, enabled=False)  # Fabrikam CRM's only one
    window = open_myapps(qtbot, world["alice"], feed)
    window.tabs.setCurrentIndex(CATALOG_TAB)
    page = window.catalog_page
    assert page.select_app("Fabrikam CRM")
    row = page.selected_row()
    assert row["state"] == "no_approver"
    assert not page.request_button.isEnabled()
    assert page.why_not.isVisible()
    assert page.why_not.text() == for_people(row["reason"])
    assert page.why_not.text().startswith("No approver is available for Fabrikam CRM")
    assert page.request_button.toolTip() == page.why_not.text()
    status = page.model.index(page.table.currentIndex().row(), 3)
    assert status.data() == "No approver available"
    # Requesting anyway (the command line) is refused with the same words.
    with pytest.raises(Exception, match="no approver is available") as refused:
        requests.create_request(world["alice"], "Fabrikam CRM")
    assert for_people(refused.value) == page.why_not.text()
    page.select_app("Litware Wiki")
    assert page.request_button.isEnabled()
    assert not page.why_not.isVisible()
