"""Directory pages: users and groups, changed only as the rights table allows."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.services import directory
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.directory import PersonPickerDialog


def select(page, key, value):
    model = page.model
    for r in range(model.rowCount()):
        if model.row_data(r)[key] == value:
            page.view.selectRow(r)
            return r
    raise AssertionError(value)


def test_users_show_license_roles_and_enabled(admin_window):
    page = admin_window.users
    row = select(page, "upn", "rahul.mehta@contoso.example")
    assert page.model.data(page.model.index(row, 3)) == "Entra ID P2"
    assert page.model.data(page.model.index(row, 4)) == "Cloud Application Administrator"
    row = select(page, "upn", "sean.murphy@contoso.example")
    assert page.model.data(page.model.index(row, 5)) == "Disabled"
    assert page.toggle_button.text() == "Enable"


def test_a_global_administrator_disables_a_user(admin_window, demo_db, confirm_yes):
    page = admin_window.users
    select(page, "upn", "alice.wu@contoso.example")
    page.toggle_button.click()
    assert confirm_yes == ["Disable Alice Wu?"]
    assert directory.get_user(demo_db, "alice.wu@contoso.example")["enabled"] is False
    row = page.model.row_of("alice.wu@contoso.example")
    assert page.model.row_data(row)["enabled"] is False


def test_other_administrators_see_users_read_only(qtbot, person):
    w = AdminWindow(person("ingrid.solberg"))
    qtbot.addWidget(w)
    select(w.users, "upn", "alice.wu@contoso.example")
    for b in (w.users.add_button, w.users.edit_button, w.users.toggle_button,
              w.users.password_button):
        assert not b.isEnabled()


def test_groups_show_their_kind_and_members(admin_window):
    page = admin_window.groups
    row = select(page, "name", "All Staff (on-premises)")
    assert page.model.data(page.model.index(row, 1)) == "Synced from on-premises"
    assert page.members.rowCount() == 14
    assert not page.add_member_button.isEnabled()
    assert "Read-only" in page.members_hint.text()


def test_an_administrator_adds_a_member_to_a_cloud_group(admin_window, demo_db, monkeypatch):
    page = admin_window.groups
    select(page, "name", "IT Operations")
    before = page.members.rowCount()
    monkeypatch.setattr(PersonPickerDialog, "pick",
                        classmethod(lambda *a, **k: "zara.ahmed@contoso.example"))
    assert page.add_member_button.isEnabled()
    page.add_member_button.click()
    assert page.members.rowCount() == before + 1
    assert "zara.ahmed@contoso.example" in [
        u["upn"] for u in directory.list_members(demo_db, "IT Operations")]


def test_users_show_guests_in_their_own_column(qtbot, demo_db, qtmodeltester):
    directory.add_user(demo_db, "heidi_fabrikam.example#ext#@contoso.example", "Heidi Guest",
                       license="p1", user_type="guest", external_user_state="Accepted")
    w = AdminWindow(demo_db)
    qtbot.addWidget(w)
    page = w.users
    qtmodeltester.check(page.model)
    column = [c.key for c in page.model.columns].index("user_type")
    assert page.model.headerData(column, Qt.Orientation.Horizontal) == "Type"
    row = select(page, "upn", "heidi_fabrikam.example#ext#@contoso.example")
    cell = page.model.index(row, column)
    assert page.model.data(cell) == "Guest"
    assert "accepted the invitation" in page.model.data(cell, Qt.ItemDataRole.ToolTipRole)
    member = page.model.index(select(page, "upn", "alice.wu@contoso.example"), column)
    assert page.model.data(member) == "Member"


# --- issue 17 item 12: names and UPNs checked as the command line checks them ---------------


def when_user_dialog_opens(qtbot, drive):
    """Run `drive(dialog)` once a UserDialog is the modal window (inside its exec)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.admin.directory import UserDialog

    seen = []

    def look():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, UserDialog):
            QTimer.singleShot(10, look)
            return
        seen.append(dialog)
        try:
            drive(dialog)
        finally:  # a failed check must not leave the test waiting on an open dialog
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, look)
    return seen


def test_the_user_editor_refuses_control_characters_and_homoglyphs(qtbot, admin_window,
                                                                   demo_db):
    from desktop.ui.admin.directory import UserDialog
    from tests.conftest import dump_tables

    before = dump_tables()
    said = []

    def drive(dialog):
        for upn, name in (("kim.lee@contoso.example", "Kim\x1b[31m Lee"),
                          ("k\u0456m@contoso.example", "Kim Lee")):  # a Cyrillic "і"
            dialog.upn.setText(upn)
            dialog.name.setText(name)
            qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # Enter: Add user
            assert dialog.isVisible()  # refused: the dialog stays, saying why
            said.append(dialog.error.text())
        dialog.grab().save("/tmp/h2_user_dialog_refused.png")

    seen = when_user_dialog_opens(qtbot, drive)
    admin_window.users.add_button.click()
    assert len(seen) == 1
    assert isinstance(seen[0], UserDialog)
    assert said[0] == "The display name contains a control character (U+001B)."
    assert "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I" in said[1]
    assert "is not allowed" in said[1]
    assert dump_tables() == before


def test_the_user_editor_saves_a_name_mixing_scripts_and_shows_the_warning(qtbot, admin_window,
                                                                           demo_db):
    from desktop.ui.admin.window import USERS

    admin_window.show_page(USERS)
    page = admin_window.users

    def drive(dialog):
        dialog.upn.setText("paul.smith@contoso.example")
        dialog.name.setText("P\u0430ul Smith")  # a Cyrillic "а"
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)

    seen = when_user_dialog_opens(qtbot, drive)
    page.add_button.click()
    assert len(seen) == 1
    assert directory.get_user(demo_db, "paul.smith@contoso.example")["name"] == "P\u0430ul Smith"
    assert page.message.isVisible()
    assert page.message.property("tone") == "warning"
    text = page.message.text.text()
    assert text.startswith("The user was added. The display name mixes Latin and Cyrillic")
    page.grab().save("/tmp/h2_users_warning.png")
