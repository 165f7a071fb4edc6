"""The Admin console as a whole: who may open it, pages, shortcuts, accessible names, feed."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.errors import Refused
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.window import ACCESS, AUDIT, GROUPS, PAGES, REQUESTS


def test_a_non_administrator_cannot_open_the_console(qtbot, person):
    with pytest.raises(Refused, match="Administrator"):
        AdminWindow(person("alice.wu"))


@pytest.mark.parametrize("who", ["rahul.mehta", "ingrid.solberg"])
def test_cloud_application_and_application_administrators_may(qtbot, person, who):
    w = AdminWindow(person(who))
    qtbot.addWidget(w)
    assert w.users.add_button.isEnabled() is False  # only a Global Administrator adds users
    assert w.users.read_only.isVisibleTo(w.users)
    assert "only a Global Administrator" in w.users.read_only.text()


def test_ctrl_number_switches_pages(admin_window):
    for number, action in enumerate(admin_window.page_actions, start=1):
        assert action.shortcut() == QKeySequence(f"Ctrl+{number}")
        action.trigger()
        assert admin_window.stack.currentIndex() == number - 1
    assert len(PAGES) == 8


def test_common_shortcuts_exist(admin_window):
    assert admin_window.save_action.shortcut() == QKeySequence("Ctrl+S")
    assert admin_window.discard_action.shortcut() == QKeySequence("Esc")
    assert admin_window.refresh_action.shortcut() == QKeySequence("F5")
    assert admin_window.search_action.shortcut() == QKeySequence("Ctrl+F")
    assert admin_window.quit_action.shortcut() == QKeySequence("Ctrl+Q")


def test_ctrl_f_focuses_the_current_pages_search(qtbot, admin_window):
    admin_window.activateWindow()
    admin_window.show_page(2)
    admin_window.search_action.trigger()
    qtbot.waitUntil(lambda: admin_window.requests.search.hasFocus())


def test_ctrl_1_from_an_application_goes_back_to_the_list(admin_window):
    admin_window.applications.select("Fabrikam CRM")
    assert admin_window.applications.showing_detail()
    admin_window.page_actions[0].trigger()
    assert not admin_window.applications.showing_detail()


def test_search_filters_the_application_list_as_you_type(qtbot, admin_window):
    model = admin_window.applications.list.model
    total = model.rowCount()
    admin_window.applications.list.search.setText("north")
    qtbot.waitUntil(lambda: model.rowCount() < total)
    names = [model.row_data(r)["name"] for r in range(model.rowCount())]
    assert names == ["Northwind Catalog", "Northwind Expenses"]


def test_every_control_has_an_accessible_name(admin_window):
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QPlainTextEdit)
    admin_window.applications.select("Tailspin Travel")
    nameless = []
    for widget in admin_window.findChildren(QWidget):
        if not isinstance(widget, kinds):
            continue
        if widget.objectName().startswith("qt_") or _inside_combo_box(widget):
            continue  # Qt's own parts (menu bar overflow, combo pop-ups): Qt names them
        if not widget.accessibleName():
            nameless.append(f"{type(widget).__name__} {widget.objectName()} "
                            f"{getattr(widget, 'text', lambda: '')()}")
    assert nameless == []


def _inside_combo_box(widget):
    parent = widget.parent()
    while parent is not None:
        if isinstance(parent, QComboBox):
            return True
        parent = parent.parent()
    return False


def test_the_demo_marker_is_shown(admin_window):
    assert admin_window.demo_banner is not None
    assert admin_window.demo_banner.isVisible()
    assert "Demo directory" in admin_window.demo_banner.text()


def test_live_feed_changes_refresh_the_lists(qtbot, demo_db):
    from desktop.live import LiveFeed
    from desktop.services import requests

    feed = LiveFeed()  # never started: the test emits its signals itself
    w = AdminWindow(demo_db, feed)
    qtbot.addWidget(w)
    pending = w.requests.model.rowCount()
    first = w.requests.model.row_data(0)
    requests.close(demo_db, first["id"], "handled by phone")  # as if another desktop did it
    feed.requests_changed.emit()
    assert w.requests.model.rowCount() == pending  # not shown: marked stale, not re-read
    w.show()
    w.show_page(REQUESTS)  # shown: re-read before it is painted
    assert w.requests.model.rowCount() == pending - 1


def test_the_title_follows_the_page_and_its_application(admin_window):
    from desktop.ui.admin.window import ACCESS, APPLICATIONS, AUDIT

    w = admin_window
    assert w.windowTitle() == "Admin console · Enterprise applications"
    assert w.applications.select("Fabrikam CRM")
    assert w.windowTitle() == "Admin console · Fabrikam CRM"
    w.show_page(AUDIT)
    assert w.windowTitle() == "Admin console · Audit log"
    w.show_page(ACCESS)
    assert w.windowTitle() == "Admin console · Users and groups · Fabrikam CRM"
    assert w.access.select_application("Lamna Learning")
    assert w.windowTitle() == "Admin console · Users and groups · Lamna Learning"
    w.show_page(APPLICATIONS)
    assert w.windowTitle() == "Admin console · Fabrikam CRM"


def test_every_page_follows_changes_made_elsewhere(qtbot, demo_db, person):
    """Approving adds the requester to the self-service group: the Groups page's member count,
    the Users and groups list and the audit log follow, not only the Requests page."""
    from desktop.live import LiveFeed
    from desktop.services import requests

    feed = LiveFeed(interval_ms=50)
    feed.start()
    w = AdminWindow(demo_db, feed)
    qtbot.addWidget(w)
    w.show()
    try:
        assert w.access.select_application("Lamna Learning")
        groups = w.groups.model
        group = "SS - Lamna Learning users"
        while groups.canFetchMore():
            groups.fetchMore()

        def members() -> int:
            return next(r["members"] for r in groups.rows() if r["name"] == group)

        before, people = members(), w.access.model.rowCount()
        newest = w.audit.model.row_data(0)["seq"]
        w.show_page(ACCESS)
        requests.approve(person("rahul.mehta"), 26)
        qtbot.waitUntil(lambda: w.access.model.rowCount() == people + 1, timeout=1000)
        assert members() == before  # hidden pages wait until they are shown
        w.show_page(GROUPS)
        assert members() == before + 1
        w.show_page(AUDIT)
        assert w.audit.model.row_data(0)["seq"] > newest
    finally:
        feed.stop()
