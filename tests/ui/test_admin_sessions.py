"""Signed-in devices: team mode's sessions listed, searched and signed out from the Admin
console; a Global Administrator sees everyone's, another administrator his own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.errors import NotSignedIn
from desktop.services import auditlog, sessions
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.sessions import NO_MATCH, NOBODY, NOBODY_OWN
from desktop.ui.admin.window import SESSIONS


def upns(page):
    return [page.model.row_data(r)["upn"] for r in range(page.model.rowCount())]


def select(page, upn, client=None):
    for r in range(page.model.rowCount()):
        row = page.model.row_data(r)
        if row["upn"] == upn and client in (None, row["client"]):
            page.view.selectRow(r)
            return row
    raise AssertionError(f"{upn} is not listed")


@pytest.fixture
def opened(person):
    """Three open sessions: Alice's tray, Rahul's command line and Alice's PowerShell."""
    alice, rahul = person("alice.wu"), person("rahul.mehta")
    return {
        "alice tray": sessions.open_session(alice, client="access-desk tray 1.9",
                                            address="10.0.4.37"),
        "rahul cli": sessions.open_session(rahul, client="access-desk cli 1.9",
                                           address="192.168.10.5"),
        "alice ps": sessions.open_session(alice, client="PowerShell 7.4", address="10.0.4.37"),
    }


def open_page(qtbot, actor):
    window = AdminWindow(actor)
    qtbot.addWidget(window)
    window.show()
    window.show_page(SESSIONS)
    return window, window.sessions


def test_opened_sessions_appear_with_person_client_address_and_times(qtbot, demo_db, opened,
                                                                     qtmodeltester):
    window, page = open_page(qtbot, demo_db)
    assert window.windowTitle() == "Admin console · Signed-in devices"
    assert sorted(upns(page)) == sorted(["alice.wu@contoso.example"] * 2
                                        + ["rahul.mehta@contoso.example"])
    titles = [page.model.headerData(c, Qt.Orientation.Horizontal)
              for c in range(page.model.columnCount())]
    assert titles == ["Person", "Client", "Address", "Signed in", "Last seen", "Ends"]
    row = page.model.row_of(opened["rahul cli"]["session_id"])
    cells = [page.model.cell(row, c)[0] for c in range(page.model.columnCount())]
    assert cells[:3] == ["Rahul Mehta", "access-desk cli 1.9", "192.168.10.5"]
    assert all(text.endswith(" UTC") for text in cells[3:])
    assert page.empty.isHidden()
    assert page.view.isVisible()
    assert not page.sign_out_button.isEnabled()  # nothing selected yet
    qtmodeltester.check(page.model)


def test_a_session_opened_while_another_page_is_shown_appears_when_shown(qtbot, demo_db,
                                                                         person):
    window, page = open_page(qtbot, demo_db)
    assert page.model.rowCount() == 0
    window.show_page(0)
    sessions.open_session(person("alice.wu"), client="access-desk gui 1.9")
    window.show_page(SESSIONS)  # signing in is not in the change feed: re-read when shown
    assert upns(page) == ["alice.wu@contoso.example"]


def test_a_global_administrator_signs_a_device_out_once_confirmed(qtbot, demo_db, opened,
                                                                   confirm_yes):
    _window, page = open_page(qtbot, demo_db)
    select(page, "alice.wu@contoso.example", "access-desk tray 1.9")
    assert page.sign_out_button.isEnabled()
    page.sign_out_button.click()
    assert confirm_yes == ["Sign out Alice Wu's device?"]
    with pytest.raises(NotSignedIn):
        sessions.resolve(opened["alice tray"]["token"])
    sessions.resolve(opened["alice ps"]["token"])  # her other device stays signed in
    assert page.model.row_of(opened["alice tray"]["session_id"]) == -1
    assert page.model.rowCount() == 2
    assert "Signed out Alice Wu's device (access-desk tray 1.9)" in page.message.text.text()
    event = auditlog.list_events(demo_db, limit=1)[0]
    assert (event["action"], event["target"]) == ("session.revoke", "alice.wu@contoso.example")


def test_the_confirmation_names_the_person_and_the_client(qtbot, demo_db, opened,
                                                          monkeypatch):
    from desktop.ui.common import ConfirmDialog

    asked = []
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(
        lambda _cls, _parent, title, text, confirm, danger=False:
        asked.append((title, text, confirm, danger)) or False))
    _window, page = open_page(qtbot, demo_db)
    select(page, "rahul.mehta@contoso.example")
    assert page.sign_out() is False  # cancelled: nothing happens
    [(title, text, confirm, danger)] = asked
    assert title == "Sign out Rahul Mehta's device?"
    assert "rahul.mehta@contoso.example" in text
    assert "access-desk cli 1.9" in text
    assert "sign in again" in text
    assert (confirm, danger) == ("Sign out device", True)
    sessions.resolve(opened["rahul cli"]["token"])
    assert page.model.rowCount() == 3


def test_delete_signs_the_selected_device_out_and_selects_the_next(qtbot, demo_db, opened,
                                                                    confirm_yes):
    window, page = open_page(qtbot, demo_db)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window only
    page.view.selectRow(0)
    first = page.selected()
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    assert len(confirm_yes) == 1
    assert page.model.row_of(first["id"]) == -1
    assert page.selected() is not None  # ready for the next Delete
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    assert page.model.rowCount() == 1


def test_a_device_signed_out_meanwhile_says_so_and_leaves_the_list(qtbot, demo_db, opened):
    _window, page = open_page(qtbot, demo_db)
    row = select(page, "rahul.mehta@contoso.example")
    sessions.revoke_session(demo_db, row["id"])  # another administrator was quicker
    assert page.sign_out() is False
    assert page.message.property("tone") == "error"
    assert page.message.text.text() == f"No open session {row['id']}."
    assert page.model.row_of(row["id"]) == -1


def test_a_global_administrator_searches_by_person(qtbot, demo_db, opened):
    _window, page = open_page(qtbot, demo_db)
    assert page.search.isVisible()
    page.search.setText("rahul")
    page.model.apply_search_now()
    assert upns(page) == ["rahul.mehta@contoso.example"]
    page.search.setText("Alice Wu")
    page.model.apply_search_now()
    assert upns(page) == ["alice.wu@contoso.example"] * 2
    page.search.setText("nobody-like-this")
    page.model.apply_search_now()
    assert page.empty.isVisible()
    assert page.empty.text() == NO_MATCH
    assert page.search.isVisible()  # the search stays to be changed


def test_another_administrator_sees_and_signs_out_only_his_own(qtbot, person, opened,
                                                                confirm_yes):
    rahul = person("rahul.mehta")  # a Cloud Application Administrator
    _window, page = open_page(qtbot, rahul)
    assert upns(page) == ["rahul.mehta@contoso.example"]
    assert not page.search.isVisible()
    assert page.view.isColumnHidden(page.model.column_index("name"))
    assert "your own devices only" in page.hint.text()
    page.view.selectRow(0)
    assert page.sign_out() is True
    with pytest.raises(NotSignedIn):
        sessions.resolve(opened["rahul cli"]["token"])
    assert page.empty.isVisible()
    assert page.empty.text() == NOBODY_OWN
    sessions.resolve(opened["alice tray"]["token"])


def test_nobody_signed_in_shows_what_the_page_is_for(qtbot, demo_db):
    _window, page = open_page(qtbot, demo_db)
    assert page.model.rowCount() == 0
    assert page.empty.isVisible()
    assert page.empty.text() == NOBODY
    assert not page.view.isVisible()
    assert not page.tools.isVisible()  # nothing to search or sign out
    assert "sign in again" in page.hint.text()
    assert "12 hours" in page.hint.text()


def test_a_device_signed_out_elsewhere_leaves_the_list_on_the_audit_signal(qtbot, demo_db,
                                                                           opened, person):
    from desktop.live import LiveFeed

    feed = LiveFeed()  # never started: the test emits its signal itself
    window = AdminWindow(demo_db, feed)
    qtbot.addWidget(window)
    window.show()
    window.show_page(SESSIONS)
    page = window.sessions
    assert page.model.rowCount() == 3
    sessions.revoke_session(person("rahul.mehta"), opened["rahul cli"]["session_id"])
    feed.audit_changed.emit()  # revoking writes an audit event
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    sessions.open_session(person("alice.wu"), client="access-desk gui 1.9")
    window.refresh_action.trigger()  # F5
    assert page.model.rowCount() == 3


def test_a_narrow_page_leaves_out_the_sign_in_time(qtbot, demo_db, opened):
    window, page = open_page(qtbot, demo_db)
    since = page.model.column_index("since")
    assert not page.view.isColumnHidden(since)
    window.resize(860, 700)
    qtbot.waitUntil(lambda: page.view.isColumnHidden(since))
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: not page.view.isColumnHidden(since))


def test_the_headers_sort_in_sql(qtbot, demo_db, opened):
    _window, page = open_page(qtbot, demo_db)
    page.view.sortByColumn(page.model.column_index("name"), Qt.SortOrder.DescendingOrder)
    assert upns(page)[0] == "rahul.mehta@contoso.example"
    assert page.model.sort_key == "-name"
    page.view.sortByColumn(page.model.column_index("client"), Qt.SortOrder.AscendingOrder)
    assert [page.model.row_data(r)["client"] for r in range(3)] == [
        "access-desk cli 1.9", "access-desk tray 1.9", "PowerShell 7.4"]
