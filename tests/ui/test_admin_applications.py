"""Enterprise applications: opening a search's result, adding an application, the empty
directory and the self-service column, driven with mouse and keyboard."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from desktop.services import applications
from desktop.ui.admin.new_application import NewApplicationDialog
from desktop.ui.admin.window import REQUESTS

# (typed, the first result): the searches; "" clears the search (Esc), after which
# the first row of the whole list is Adatum Payroll.
SEARCHES = [("fabrikam", "Fabrikam CRM"), ("wingtip", "Wingtip Tickets"),
            ("tailspin", "Tailspin Mobile Field App"), ("lamna", "Lamna Learning"),
            ("", "Adatum Payroll"), ("adatum", "Adatum Payroll")]


@pytest.fixture(scope="module")
def stored_settings(_demo_sqlite_template: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """`access-desk selfservice show NAME --json` of each first result, on a copy of the demo
    (the same data every test's demo_db starts from), the commands run side by side."""
    db = tmp_path_factory.mktemp("cli") / "demo.db"
    shutil.copyfile(_demo_sqlite_template, db)
    names = sorted({first for _text, first in SEARCHES})
    running = [subprocess.Popen(
        [sys.executable, "-m", "desktop", "--db", str(db), "selfservice", "show", name, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in names]
    stored = {}
    for name, process in zip(names, running, strict=True):
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        stored[name] = json.loads(out)
    return stored


def shown_settings(page: Any) -> dict[str, Any]:
    """What the Self-service page shows, in the keys of `selfservice show --json`."""
    ss = page.selfservice
    group = ss.group_name.text()
    version = re.match(r"Version (\d+) ", ss.version.text())
    shown = {
        "app": page.app_title.text(),
        "available": ss.unavailable.isHidden() and ss.form_frame.isEnabled(),
        "unavailable_reason": None,
        "enabled": ss.enabled.value(),
        "group": None if group == "None selected" else group,
        "require_approval": ss.require_approval.value(),
        "approvers": [u for u in ss.approver_names.toolTip().split("\n") if u],
        "role": ss.role.currentData(),
        "email_approvers": ss.email_approvers.value(),
        "approver_sets_passwords": ss.approver_passwords.value(),
        "version": int(version.group(1)) if version else 0,
    }
    assert ss.approver_count.text() == f"{len(shown['approvers'])} of 10"
    if version is None:
        assert ss.version.text() == "Never saved"
    if not shown["available"]:
        shown["unavailable_reason"] = html.unescape(ss.unavailable.text.text())
    return shown


def assert_page_shows(page: Any, stored: dict[str, Any]) -> None:
    assert page.showing_detail()
    assert page.selfservice.isEnabled()
    assert page.properties.isEnabled()
    assert page.properties.name.text() == stored["app"]
    assert page.properties.public_client.value() == ("public client flows" in (
        stored["unavailable_reason"] or ""))
    shown = shown_settings(page)
    reason = stored["unavailable_reason"]
    if reason is not None:  # the banner explains it in its own words, around the reason
        assert reason.rstrip(".") in shown["unavailable_reason"]
        shown["unavailable_reason"] = reason
        assert page.selfservice.open_properties.isVisible()
    # The settings of rules 1-15 (governance's own are tested with their page).
    assert shown == {key: stored[key] for key in shown}


def search_for(qtbot: Any, page: Any, text: str) -> None:
    """Click in the search box and type (or Esc to clear), as a person would."""
    box, model = page.list.search, page.list.model
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    if text:
        box.selectAll()
        qtbot.keyClicks(box, text)
    else:
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: model.search_text == (text or None))


@pytest.mark.parametrize("how", ["click", "keyboard"])
def test_the_first_result_of_a_search_opens_with_its_stored_settings(qtbot, admin_window,
                                                                     stored_settings, how):
    admin_window.activateWindow()
    qtbot.waitUntil(admin_window.isActiveWindow)
    stored = stored_settings
    page = admin_window.applications
    view, model = page.list.view, page.list.model
    for text, first in SEARCHES:
        search_for(qtbot, page, text)
        assert model.row_data(0)["name"] == first
        if how == "click":
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                             pos=view.visualRect(model.index(0, 0)).center())
        else:  # the keys go wherever the focus is: Down from the search box, then Enter
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
            assert view.hasFocus()
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        assert page.app_title.text() == first
        assert_page_shows(page, stored[first])
        admin_window.refresh_action.trigger()  # F5 keeps showing the same
        assert_page_shows(page, stored[first])
        qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
        assert not page.showing_detail()


# --- item 5: the Self-service column -------------------------------------------------------


def self_service_cells(model: Any) -> dict[str, tuple[str, str]]:
    column = model.column_index("self_service_state")
    cells = {}
    for row in range(model.rowCount()):
        index = model.index(row, column)
        cells[model.row_data(row)["name"]] = (
            model.data(index, Qt.ItemDataRole.DisplayRole),
            model.data(index, Qt.ItemDataRole.ToolTipRole))
    return cells


def test_the_self_service_column_says_not_available_and_why(qtbot, qtmodeltester,
                                                            admin_window, demo_db):
    # The demo's "public-client" scenario: Wingtip Tickets keeps its settings, on.
    applications.update_application(demo_db, "Wingtip Tickets", public_client_flows=True)
    admin_window.refresh_action.trigger()
    page = admin_window.applications
    view, model = page.list.view, page.list.model
    cells = self_service_cells(model)
    assert cells["Fabrikam CRM"][0] == "On"
    assert cells["Humongous Insurance Portal"][0] == "Off"
    for name, why in (("Wingtip Tickets", "public client flows"),  # on, but rule 2
                      ("Tailspin Mobile Field App", "public client flows"),
                      ("Contoso Timesheets", "custom")):              # rule 1
        text, tip = cells[name]
        assert text == "Not available"
        assert why in tip
        assert tip.startswith("Self-service isn't available. ")
        assert "rule" not in tip

    # Sorting is the service's: Not available, Off, On (and back), by a click on the header.
    header = view.horizontalHeader()
    column = model.column_index("self_service_state")
    section = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    order = {"Not available": 0, "Off": 1, "On": 2}
    for sort in ("self_service", "-self_service"):
        with qtbot.waitSignal(model.loaded):
            qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                             pos=QPoint(section, header.height() // 2))
        assert model.sort_key == sort
        shown = [order[text] for text, _tip in self_service_cells(model).values()]
        assert shown == sorted(shown, reverse=sort.startswith("-"))
        assert len(set(shown)) == 3
    qtmodeltester.check(model)


# --- item 4: New application, and a directory without any ---------------------------------


def when_dialog_opens(qtbot: Any, drive: Callable[[Any], None]) -> list[Any]:
    """Run `drive(dialog)` once a NewApplicationDialog is the modal window (inside its exec)."""
    seen: list[Any] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NewApplicationDialog):
            QTimer.singleShot(10, look)
            return
        seen.append(dialog)
        try:
            qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.name)  # opens in Name
            drive(dialog)
        finally:  # a failed check must not leave the test waiting on an open dialog
            if dialog.isVisible():
                seen.append("left open")
                dialog.reject()

    QTimer.singleShot(0, look)
    return seen


def test_ctrl_n_adds_an_application_and_opens_it(qtbot, admin_window, demo_db):
    window = admin_window
    assert window.new_application_action.shortcut() == QKeySequence("Ctrl+N")
    assert "Ctrl+N" in window.applications.new_button.toolTip()
    window.show_page(REQUESTS)

    def drive(dialog: Any) -> None:
        qtbot.keyClicks(dialog.name, "Contoso Notes")
        dialog.publisher.setText("Contoso Ltd")
        dialog.origin.setCurrentIndex(dialog.origin.findData("consent"))
        dialog.sso.setCurrentIndex(dialog.sso.findData("oidc"))
        dialog.roles.setPlainText("Notes.Reader:Reader\nNotes.Editor\n")
        dialog.name.setFocus()
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # Enter submits

    seen = when_dialog_opens(qtbot, drive)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(seen) == 1
    assert seen[0].added is not None
    stored = applications.get_application(demo_db, "Contoso Notes")
    assert (stored["publisher"], stored["origin"], stored["sso"]) == (
        "Contoso Ltd", "consent", "oidc")
    assert sorted((r["value"], r["name"], r["user_assignable"]) for r in stored["roles"]) == [
        ("Notes.Editor", "Notes.Editor", True), ("Notes.Reader", "Reader", True)]
    page = window.applications
    assert window.current_page() is page
    assert page.showing_detail()
    assert page.app_title.text() == "Contoso Notes"
    assert page.selfservice.app_name == "Contoso Notes"
    assert "was added" in page.selfservice.message.text.text()


@pytest.mark.parametrize(("name", "roles", "says"), [
    ("Fabrikam CRM", "", "An application named 'Fabrikam CRM' already exists."),
    ("   ", "", "An application needs a name."),
    ("Contoso Notes", "Notes.Reader\nnotes.reader:Again", "Two roles have the same value."),
    ("Contoso Notes", ":Nameless", "A role needs a value"),
])
def test_a_refused_application_says_why_in_the_dialog_and_changes_nothing(
        qtbot, admin_window, dump, name, roles, says):
    before = dump()
    shown = []

    def drive(dialog: Any) -> None:
        qtbot.keyClicks(dialog.name, name)
        dialog.roles.setPlainText(roles)
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
        assert dialog.isVisible()  # still open, saying why
        shown.append(dialog.error.text())
        qtbot.keyClick(dialog.name, Qt.Key.Key_X)  # an edit clears the message
        shown.append(dialog.error.isVisible())
        qtbot.keyClick(dialog.name, Qt.Key.Key_Escape)

    seen = when_dialog_opens(qtbot, drive)
    admin_window.applications.new_button.click()
    assert len(seen) == 1
    assert shown[0].startswith(says)
    assert shown[1] is False
    assert dump() == before
    assert not admin_window.applications.showing_detail()


def test_an_empty_directory_says_how_to_add_applications(qtbot, db, admin, monkeypatch):
    from desktop.ui.admin import AdminWindow
    from desktop.ui.admin.transfer import GraphSourceDialog

    window = AdminWindow(admin)
    qtbot.addWidget(window)
    window.show()
    page = window.applications
    assert page.no_apps.isVisible()
    assert not page.list.isVisible()
    assert not page.new_button.isVisible()  # the empty state offers it, once
    assert "no applications yet" in page.no_apps.findChild(QLabel).text()

    # Import is the window's own File › Import from Microsoft Graph… action.
    asked = []
    monkeypatch.setattr(GraphSourceDialog, "ask",
                        classmethod(lambda _cls, _parent: asked.append(True)))
    assert page.no_apps.import_button.isEnabled()
    assert page.no_apps.import_button.toolTip() == window.transfers.import_action.toolTip()
    with qtbot.waitSignal(window.transfers.import_action.triggered):
        page.no_apps.import_button.click()
    assert asked

    def drive(dialog: Any) -> None:
        qtbot.keyClicks(dialog.name, "Ledger")
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)

    seen = when_dialog_opens(qtbot, drive)
    page.no_apps.new_button.click()
    assert len(seen) == 1
    assert page.showing_detail()
    page.show_list()
    assert page.list.isVisible()
    assert not page.no_apps.isVisible()
    assert [r["name"] for r in page.list.model.rows()] == ["Ledger"]


def test_a_search_without_a_match_still_says_so(qtbot, admin_window):
    page = admin_window.applications
    search_for(qtbot, page, "zzzz")
    assert page.list.isVisible()
    assert page.list.empty.isVisible()
    assert page.list.empty.text() == "No application matches this search."
    assert not page.no_apps.isVisible()
