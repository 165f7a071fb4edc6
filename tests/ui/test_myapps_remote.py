"""My Apps on a desktop connected to an Access Desk server: every read and write goes through
the server's API, and what others do arrives through its live notices."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from desktop.services import credentials, requests
from desktop.ui.myapps import MyAppsWindow
from desktop.ui.myapps.window import APPS_TAB, CATALOG_TAB, REQUESTS_TAB

APP = "Tailspin Travel"  # the demo's password-SSO application; Johan Berg approves
PASSWORD = "Tr4vel-Secret-9"


@pytest.fixture(autouse=True)
def _clear_clipboard():
    yield
    QGuiApplication.clipboard().clear()


def calls_of(backend: Any) -> list[str]:
    """The operations the window asks the server for, recorded as they go."""
    seen: list[str] = []
    call = backend.call

    def recording(name: str, /, **params: Any) -> Any:
        seen.append(name)
        return call(name, **params)

    backend.call = recording
    return seen


def test_request_approval_and_copy_through_the_server(qtbot, person, remote_as):
    oliver, johan = person("oliver.schmidt"), person("johan.berg")
    backend = remote_as(oliver)
    assert backend.remote
    asked = calls_of(backend)
    window = MyAppsWindow(backend, None)
    qtbot.addWidget(window)
    window.show()
    # No waiting for the live connection: notices of writes made before it opens still
    # come (the feed starts where the window began reading).
    assert window.windowTitle() == "My Apps: Oliver Schmidt"
    assert window.apps_page.app_names() == ["Northwind Expenses"]

    # The catalog lists and searches.
    window.tabs.setCurrentIndex(CATALOG_TAB)
    catalog = window.catalog_page
    assert {"Fabrikam CRM", APP} <= {r["name"] for r in catalog.model.rows()}
    catalog.search.setText("tailspin")
    qtbot.waitUntil(lambda: [r["name"] for r in catalog.model.rows()] == [APP])

    # Requesting it through the dialog.
    assert catalog.select_app(APP)
    assert catalog.request_button.isEnabled()
    catalog.request_button.click()
    dialog = catalog.request_dialog
    assert dialog is not None
    assert "Johan Berg will be asked to approve" in dialog.approval.text.text()
    dialog.justification.setPlainText("Booking the Oslo trip")
    dialog.submit_button.click()
    assert not dialog.isVisible()
    assert "waiting for approval" in catalog.outcome.text.text()
    request_id = catalog.outcome_request
    assert request_id is not None
    qtbot.waitUntil(lambda: catalog.model.rows()[0]["state"] == "requested")

    window.tabs.setCurrentIndex(REQUESTS_TAB)
    page = window.requests_page
    qtbot.waitUntil(lambda: page.model.row_of(request_id) >= 0)
    row = page.model.rows()[page.model.row_of(request_id)]
    assert (row["app"], row["status"], row["approver"]) == (APP, "pending", "Johan Berg")

    # Johan approves at his desk: the status, the badge and Apps follow.
    # Looking at My requests marked what he had not seen read: the badge clears.
    qtbot.waitUntil(lambda: window.unseen == 0, timeout=5000)
    window.tabs.setCurrentIndex(APPS_TAB)
    requests.approve(johan, request_id, None)
    qtbot.waitUntil(lambda: APP in window.apps_page.app_names(), timeout=5000)
    qtbot.waitUntil(lambda: window.unseen == 1, timeout=5000)
    assert window.tabs.tabText(REQUESTS_TAB) == "My requests (1)"
    window.tabs.setCurrentIndex(REQUESTS_TAB)
    qtbot.waitUntil(lambda: page.model.rows()[page.model.row_of(request_id)]["status"]
                    == "approved")
    assert request_id in page.model.fresh_ids  # bold: seen for the first time
    qtbot.waitUntil(lambda: window.tabs.tabText(REQUESTS_TAB) == "My requests", timeout=5000)

    # Johan sets his sign-in details; Oliver copies the password through the server.
    window.tabs.setCurrentIndex(APPS_TAB)
    apps = window.apps_page
    assert apps.select_app(APP)
    assert not apps.copy_password_button.isEnabled()
    credentials.set_credentials(johan, APP, oliver.upn, "oliver.travel", PASSWORD)
    qtbot.waitUntil(apps.copy_password_button.isEnabled, timeout=5000)
    assert "were set on" in apps.credential_status.text()
    apps.copy_password_button.click()
    assert QGuiApplication.clipboard().text() == PASSWORD
    assert "Password copied" in apps.clip_message.text()
    apps.clipboard.clear_now()

    assert {"me.desk", "me.apps", "catalog", "me.request_preview", "request.create",
            "me.requests", "me.notifications.unread", "me.notifications.read",
            "password.read"} <= set(asked)
    window.feed.stop()
