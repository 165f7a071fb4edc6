"""Rule 18 in the windows: My Apps says "until <date>" and asks for an extension; the catalog
says how long access lasts; the Admin console's access page shows Until, Extend… and End."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from desktop.models import AccessGrant, AccessRequest, AuditEvent, SelfServiceSettings, User
from desktop.services import requests
from desktop.ui.admin.access import AccessPage, ExtendDialog
from desktop.ui.myapps import MyAppsWindow
from desktop.ui.myapps.parts import until


@pytest.fixture
def ledger(make):
    boss = make.user("boss", license="p2", name="Bea Boss")
    alice = make.user("alice", name="Alice Wu")
    app = make.selfservice_app("Ledger", approvers=(boss,))
    SelfServiceSettings.update(access_days=30).where(
        SelfServiceSettings.application == app).execute()
    req = requests.create_request(alice, "Ledger")
    requests.approve(boss, req["id"])
    return {"boss": User.get_by_id(boss.id), "alice": User.get_by_id(alice.id),
            "grant": AccessGrant.get(AccessGrant.user == alice)}


def test_my_apps_says_until_and_requests_an_extension(qtbot, ledger, feed, confirm_yes):
    window = MyAppsWindow(ledger["alice"], feed)
    qtbot.addWidget(window)
    window.show()
    page = window.apps_page
    day = until(ledger["grant"].ends_at.isoformat() + "Z")
    tip = page.model.data(page.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert f"until {day}" in tip
    assert page.select_app("Ledger")
    assert page.detail_until.text() == f"Your access lasts until {day}."
    assert page.extend_button.isVisible()
    assert page.extend_button.isEnabled()

    qtbot.mouseClick(page.extend_button, Qt.MouseButton.LeftButton)
    assert confirm_yes == ["Request extension?"]
    req = AccessRequest.get(AccessRequest.kind == "extension")
    assert (req.status, req.extends_grant) == ("pending", ledger["grant"].id)
    assert not page.extend_button.isEnabled()
    assert "waiting for approval" in page.extend_message.text()

    catalog = window.catalog_page
    qtbot.waitUntil(lambda: catalog.model.rowCount() == 1)
    cell = catalog.model.index(0, catalog.model.column_index("access_lasts"))
    assert catalog.model.data(cell) == "30 days"


def test_my_apps_shows_no_end_for_access_that_does_not_end(qtbot, make, feed):
    alice = make.user("alice")
    make.selfservice_app("Wiki")
    requests.create_request(alice, "Wiki")
    window = MyAppsWindow(alice, feed)
    qtbot.addWidget(window)
    window.show()
    assert window.apps_page.select_app("Wiki")
    assert not window.apps_page.detail_until.isVisible()
    assert not window.apps_page.extend_button.isVisible()


def test_access_page_shows_until_and_extends_and_ends(qtbot, ledger, make, confirm_yes):
    page = AccessPage(make.admin)
    qtbot.addWidget(page)
    page.show()
    assert page.select_application("Ledger")
    upn = ledger["alice"].upn
    row = page.model.row_of(upn)
    cell = page.model.index(row, page.model.column_index("until"))
    assert page.model.data(cell) == until(ledger["grant"].ends_at.isoformat() + "Z")
    assert not page.extend_button.isEnabled()  # nobody selected
    assert page.select_user(upn)
    assert page.extend_button.isEnabled()
    assert page.end_button.isEnabled()

    dialog = ExtendDialog(page, upn, "Ledger", "2027-03-31T09:00:00Z")
    qtbot.addWidget(dialog)
    dialog.days.setValue(10)
    assert dialog.choice() == {"days": 10}
    dialog.to_date.setChecked(True)
    assert dialog.choice()["until"] == dialog.date.date().toString("yyyy-MM-dd")

    assert page.extend_access({"days": 10})
    ends = AccessGrant.get_by_id(ledger["grant"].id).ends_at
    assert ends == ledger["grant"].ends_at + dt.timedelta(days=10)
    qtbot.waitUntil(lambda: page.model.data(page.model.index(
        page.model.row_of(upn), page.model.column_index("until"))) == until(
        ends.isoformat() + "Z"))

    assert page.select_user(upn)
    assert page.end_access()
    assert confirm_yes == ["End access?"]
    assert AccessGrant.get_by_id(ledger["grant"].id).ended_why == "ended by an administrator"
    assert AuditEvent.get(AuditEvent.action == "access.end").actor == make.admin.upn
    qtbot.waitUntil(lambda: page.model.row_of(upn) < 0)
