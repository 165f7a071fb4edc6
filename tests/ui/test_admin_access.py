"""Users and groups: who has access through self-service; Remove access and Change role."""

from __future__ import annotations

import pytest

from desktop.services import access, auditlog
from desktop.ui.admin.access import RoleDialog

APP = "Fabrikam CRM"


@pytest.fixture
def page(admin_window):
    admin_window.show_page(1)
    assert admin_window.access.select_application(APP)
    return admin_window.access


def users(page):
    return [page.model.row_data(r)["user"] for r in range(page.model.rowCount())]


def test_access_lists_user_group_role_since_and_request(page):
    rows = {page.model.row_data(r)["user"]: page.model.row_data(r)
            for r in range(page.model.rowCount())}
    olga = rows["olga.ivanova@contoso.example"]
    assert olga["group"] == "SS - Fabrikam CRM users"
    assert olga["role"] == "Sales.Rep"
    assert olga["via_request"] == 14
    row = page.model.row_of("olga.ivanova@contoso.example")
    cell = page.model.column_index
    assert page.model.data(page.model.index(row, cell("via_request"))) == "Request 14"
    assert page.model.data(page.model.index(row, cell("since"))) == "2026-10-14"
    assert page.model.data(page.model.index(row, cell("name"))) == "Olga Ivanova"


def test_remove_access_is_confirmed_gone_and_audited(page, demo_db, confirm_yes):
    upn = "olga.ivanova@contoso.example"
    assert page.select_user(upn)
    assert page.remove_button.isEnabled()
    page.remove_button.click()
    assert confirm_yes == ["Remove access?"]
    assert upn not in users(page)
    assert upn not in [r["user"] for r in access.list_access(demo_db, APP)]
    event = auditlog.list_events(demo_db, action="access.remove", limit=1)[0]
    assert event["target"] == upn
    assert event["actor"] == demo_db.upn
    assert "Removed" in page.message.text.text()


def test_remove_access_declined_changes_nothing(page, monkeypatch):
    from desktop.ui.common import ConfirmDialog

    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda *a, **k: False))
    before = users(page)
    page.select_user("alice.wu@contoso.example")
    assert page.remove_access() is False
    assert users(page) == before


def test_change_role_is_confirmed_and_audited(page, demo_db, monkeypatch):
    asked = []

    def ask(_cls, _parent, user, app, roles, current):
        asked.append((user, app, current, [r["value"] for r in roles]))
        return "Sales.Manager"

    monkeypatch.setattr(RoleDialog, "ask", classmethod(ask))
    upn = "alice.wu@contoso.example"
    page.select_user(upn)
    page.role_button.click()
    assert asked[0][:3] == (upn, APP, None)
    row = page.model.row_of(upn)
    assert page.model.row_data(row)["role"] == "Sales.Manager"
    assert page.model.id_at(page.view.currentIndex().row()) == upn  # selection kept
    event = auditlog.list_events(demo_db, action="access.change_role", limit=1)[0]
    assert event["details"]["to"] == "Sales.Manager"


def test_role_dialog_disables_roles_that_cannot_be_chosen(qtbot, demo_db):
    from desktop.services import selfservice

    roles = selfservice.role_choices(demo_db, APP)
    dialog = RoleDialog(None, "alice.wu@contoso.example", APP, roles, None)
    qtbot.addWidget(dialog)
    model = dialog.combo.model()
    legacy = dialog.combo.findData("Sales.Legacy")
    assert not model.item(legacy).isEnabled()


def test_change_role_is_off_for_an_application_without_roles(page):
    page.select_application("Litware Wiki")
    if page.model.rowCount():
        page.view.selectRow(0)
    assert not page.role_button.isEnabled()


DENY_ELSEWHERE = """
import sys
from desktop.models.schema import open_database
from desktop.models import User
from desktop.services import requests
open_database(sys.argv[1])
requests.deny(User.get(User.upn == sys.argv[2]), int(sys.argv[3]), "no seats left")
"""


def test_the_pending_column_follows_requests_decided_elsewhere(qtbot, demo_db, person):
    """Lamna Learning has two pending requests (26 and 29) in the demo."""
    import os
    import subprocess
    import sys

    from desktop.live import LiveFeed
    from desktop.models import database_proxy
    from desktop.services import requests
    from desktop.ui.admin import AdminWindow
    from desktop.ui.admin.window import ACCESS

    feed = LiveFeed(interval_ms=50)
    feed.start()
    window = AdminWindow(demo_db, feed)
    qtbot.addWidget(window)
    window.show()
    window.show_page(ACCESS)
    page = window.access
    assert page.select_application("Lamna Learning")
    apps = page.apps.model

    def pending() -> str:
        row = apps.row_of(page.app["id"])
        return apps.data(apps.index(row, apps.column_index("pending")))

    try:
        assert pending() == "2"
        requests.cancel(person("mateo.silva"), 26)  # this process, another connection
        qtbot.waitUntil(lambda: pending() == "1", timeout=1000)
        subprocess.run([sys.executable, "-c", DENY_ELSEWHERE, database_proxy.obj.database,
                        "rahul.mehta@contoso.example", "29"],
                       check=True, timeout=60, env=dict(os.environ), capture_output=True)
        qtbot.waitUntil(lambda: pending() == "", timeout=1000)  # nothing pending: blank
    finally:
        feed.stop()
