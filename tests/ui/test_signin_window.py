"""Signing in, choosing the window a person may use, and screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMainWindow

from desktop.services import auth
from desktop.services.core import put_setting, transaction
from desktop.ui import app as shell
from desktop.ui import windows
from desktop.ui.settings import settings
from desktop.ui.signin import SignInDialog


def test_a_demo_database_shows_the_marker_and_a_person_picker(qtbot, demo_db):
    dialog = SignInDialog(None, "demo.db")
    qtbot.addWidget(dialog)
    assert dialog.demo
    assert dialog.person is not None
    assert dialog.password is None
    assert dialog.chosen_upn() == demo_db.upn  # the first Global Administrator by default
    dialog.choose("alice.wu@contoso.example")
    dialog.sign_in_button.click()
    assert dialog.user is not None
    assert dialog.user.upn == "alice.wu@contoso.example"


def test_the_demo_banner_is_in_the_dialog(qtbot, demo_db):
    from desktop.ui.common import DemoBanner

    dialog = SignInDialog(None, "demo.db")
    qtbot.addWidget(dialog)
    assert dialog.findChild(DemoBanner) is not None


def test_a_disabled_demo_person_cannot_sign_in(qtbot, demo_db):
    dialog = SignInDialog()
    qtbot.addWidget(dialog)
    assert dialog.person.findData("sean.murphy@contoso.example") == -1  # not offered
    dialog.person.setEditText("sean.murphy@contoso.example")
    dialog.sign_in_button.click()
    assert dialog.user is None
    assert "No enabled demo user" in dialog.error.text()


@pytest.fixture
def real_db(demo_db):
    """The demo directory, but no longer a demo database: passwords are asked."""
    with transaction():
        put_setting("demo", "0")
    auth.set_password(demo_db, "alice.wu@contoso.example", "correct horse battery")
    return demo_db


def test_any_other_database_asks_for_a_password(qtbot, real_db):
    dialog = SignInDialog(None, "/srv/access-desk.db")
    qtbot.addWidget(dialog)
    assert dialog.person is None
    assert dialog.password is not None
    dialog.choose("alice.wu@contoso.example")
    dialog.password.setText("wrong password!")
    dialog.sign_in_button.click()
    assert dialog.user is None
    assert dialog.error.text() == "Unknown user or wrong password."
    dialog.password.setText("correct horse battery")
    dialog.sign_in_button.click()
    assert dialog.user is not None


def test_the_right_window_for_each_person(demo_db, person):
    assert windows.default_kind(demo_db) == "admin"
    approver = person("alice.wu")
    assert windows.allowed_kinds(approver)["admin"] is not None
    assert windows.default_kind(approver) in ("approvals", "myapps")
    nobody = person("aisha.khan")
    assert windows.allowed_kinds(nobody)["admin"].startswith("only a Global")


def test_the_window_menu_offers_only_what_the_rights_allow(qtbot, demo_db, person):
    window = QMainWindow()
    qtbot.addWidget(window)
    chosen = []
    menu = windows.add_window_menu(window, person("aisha.khan"), "myapps", chosen.append)
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["&Admin console"].isEnabled()
    assert "only a Global" in actions["&Admin console"].toolTip()
    assert actions["&My Apps"].isChecked()
    menu = windows.add_window_menu(window, demo_db, "myapps", chosen.append)
    admin_action = next(a for a in menu.actions() if a.text() == "&Admin console")
    assert admin_action.isEnabled()
    admin_action.trigger()
    assert chosen == ["admin"]


def test_switcher_remembers_geometry(qtbot, demo_db):
    switcher = shell.WindowSwitcher(demo_db, None)
    window = switcher.open("admin")
    qtbot.addWidget(window)
    window.resize(1000, 700)
    switcher.save_geometry()
    assert not settings().value("geometry/admin").isEmpty()


def test_screenshot_renders_the_admin_console(tmp_path, qapp, demo_db):
    from desktop.ui.screenshot import screenshot

    out = screenshot("admin", demo_db, tmp_path / "admin.png", (1024, 700))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 700)


def test_screenshot_refuses_a_window_the_person_may_not_open(tmp_path, qapp, person):
    from desktop.errors import Refused
    from desktop.ui.screenshot import screenshot

    with pytest.raises(Refused):
        screenshot("admin", person("aisha.khan"), tmp_path / "x.png")
    assert not Path(tmp_path / "x.png").exists()


def test_a_lockout_message_keeps_the_fields_whole(qtbot, real_db):
    dialog = SignInDialog(None, "/srv/access-desk.db")
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    assert dialog.focusWidget() is dialog.upn  # nobody signed in here before
    heights = {w: w.height() for w in (dialog.upn, dialog.password, dialog.sign_in_button)}
    dialog.choose("alice.wu@contoso.example")
    for _ in range(auth.FREE_FAILURES + 1):
        dialog.password.setText("wrong password!")
        dialog.sign_in_button.click()
    message = dialog.error.text()
    assert "Too many failed sign-ins" in message
    assert "second" in message
    assert "1 seconds" not in message
    qtbot.waitUntil(lambda: dialog.error.height() >= dialog.error.heightForWidth(
        dialog.error.width()))  # every line of the message shows
    assert {w: w.height() for w in heights} == heights
    assert dialog.height() >= dialog.heightForWidth(dialog.width())
    bottom = dialog.password.geometry().bottom()
    assert dialog.error.geometry().top() > bottom  # below the fields, not over them
