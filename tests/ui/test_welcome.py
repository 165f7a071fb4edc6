"""First run: each of the welcome window's three choices leads to a working window."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QWidget

from desktop import paths
from desktop.models import User
from desktop.models.schema import close_database
from desktop.services.core import is_demo
from desktop.services.rights import is_global_admin
from desktop.services.setup import postgres_url
from desktop.ui import app as shell
from desktop.ui.settings import last_database
from desktop.ui.signin import SignInDialog
from desktop.ui.welcome import WelcomeWindow
from desktop.ui.windows import default_kind

ADMIN = "first.admin@example.test"
PASSWORD = "a long enough password"


@pytest.fixture
def welcome(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "home"))
    window = WelcomeWindow()
    qtbot.addWidget(window)
    yield window
    close_database()


def signs_in(qtbot, upn: str, password: str | None) -> User:
    """The sign-in window run_gui shows next works on the database the welcome opened."""
    dialog = SignInDialog(None, last_database() or "")
    qtbot.addWidget(dialog)
    dialog.choose(upn)
    if dialog.password is not None:
        dialog.password.setText(password or "")
    dialog.sign_in_button.click()
    assert dialog.user is not None, dialog.error.text()
    return dialog.user


def test_the_demo_choice_builds_and_opens_the_demo_directory(qtbot, welcome):
    welcome.demo_card.click()
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted
    assert welcome.url == str(paths.demo_db_path())
    assert is_demo()
    assert last_database() == welcome.url  # remembered: no welcome next time
    user = signs_in(qtbot, "alice.wu@contoso.example", None)
    window = shell.WindowSwitcher(user, None).open(default_kind(user))
    qtbot.addWidget(window)
    assert window.isVisible()


def test_the_new_directory_choice_asks_for_the_first_administrator(qtbot, welcome, tmp_path):
    target = tmp_path / "ours.db"
    welcome.new_card.click()
    assert welcome.pages.currentIndex() == WelcomeWindow.PAGES.index("new")
    welcome.new_path.setText(str(target))
    form = welcome.new_admin
    form.upn.setText(ADMIN)
    form.password.setText(PASSWORD)
    form.confirm.setText("something else entirely")
    welcome.create_button.click()
    assert "differ" in welcome.new_error.text()
    assert not target.exists()  # nothing made before the form is right
    form.confirm.setText(PASSWORD)
    welcome.create_button.click()
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted, welcome.new_error.text()
    assert welcome.url == str(target)
    assert not is_demo()
    admin = User.get(User.upn == ADMIN)
    assert is_global_admin(admin)
    assert last_database() == str(target)
    user = signs_in(qtbot, ADMIN, PASSWORD)
    window = shell.WindowSwitcher(user, None).open(default_kind(user))
    qtbot.addWidget(window)
    assert default_kind(user) == "admin"


def test_a_weak_password_is_refused_with_the_rule(qtbot, welcome, tmp_path):
    welcome.new_card.click()
    welcome.new_path.setText(str(tmp_path / "x.db"))
    welcome.new_admin.upn.setText(ADMIN)
    welcome.new_admin.password.setText("short")
    welcome.new_admin.confirm.setText("short")
    welcome.create_button.click()
    assert welcome.url is None
    assert "12" in welcome.new_error.text()


def test_an_existing_directory_is_not_overwritten(qtbot, welcome, tmp_path):
    from desktop.models.schema import open_database

    target = tmp_path / "taken.db"
    open_database(str(target), init=True)
    auth_admin = User.create(upn="someone@example.test", display_name="Someone", license="p1")
    assert auth_admin.id
    close_database()
    welcome.new_card.click()
    welcome.new_path.setText(str(target))
    welcome.new_admin.upn.setText(ADMIN)
    welcome.new_admin.password.setText(PASSWORD)
    welcome.new_admin.confirm.setText(PASSWORD)
    welcome.create_button.click()
    assert "already holds a directory" in welcome.new_error.text()


def test_a_postgres_url_gets_the_typed_password():
    assert postgres_url("postgresql://ann@db:5432/ad", "p@ss word") == \
        "postgresql://ann:p%40ss%20word@db:5432/ad"
    assert postgres_url("postgresql://ann:x@db/ad", "other") == "postgresql://ann:x@db/ad"


def test_an_unreachable_postgres_says_so(qtbot, welcome, monkeypatch):
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    welcome.pg_card.click()
    welcome.pg_url.setText("postgresql://nobody@127.0.0.1:1/none")
    welcome.test_button.click()
    assert "Cannot connect" in welcome.pg_status.text.text()
    assert not welcome.connect_button.isEnabled()


@pytest.mark.postgres
def test_the_postgres_choice_tests_then_creates_the_schema(qtbot, welcome, pg_url):
    welcome.pg_card.click()
    welcome.pg_url.setText(pg_url)
    assert not welcome.connect_button.isEnabled()  # test first
    welcome.test_button.click()
    assert welcome.probe is not None, welcome.pg_status.text.text()
    assert welcome.probe.version is None
    assert "no Access Desk tables yet" in welcome.pg_status.text.text()
    assert welcome.connect_button.text() == "Create and connect"
    assert welcome.pg_admin.isVisibleTo(welcome)
    welcome.pg_admin.upn.setText(ADMIN)
    welcome.pg_admin.password.setText(PASSWORD)
    welcome.pg_admin.confirm.setText(PASSWORD)
    welcome.connect_button.click()
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted, welcome.pg_error.text()
    assert last_database().startswith("postgresql://")
    assert ":" not in last_database().split("//")[1].split("@")[0]  # no password kept
    user = signs_in(qtbot, ADMIN, PASSWORD)
    assert is_global_admin(user)
    # A second desktop testing the same URL finds the directory, nothing to create.
    again = WelcomeWindow()
    qtbot.addWidget(again)
    again.pg_card.click()
    again.pg_url.setText(pg_url)
    again.test_button.click()
    assert again.probe is not None
    assert again.probe.people == 1
    assert again.connect_button.text() == "Connect"
    assert not again.pg_admin.isVisibleTo(again)


def test_gui_without_any_database_shows_the_welcome(monkeypatch, tmp_path):
    """`access-desk gui` with no --db, no ACCESS_DESK_DB and nothing remembered."""
    from desktop.cli import main

    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ACCESS_DESK_DB", raising=False)
    shown: list[str] = []
    opened: list[str] = []

    def ask(cls, parent=None, problem=None):
        shown.append("welcome")
        from desktop.ui.welcome import open_demo

        return open_demo()

    monkeypatch.setattr(WelcomeWindow, "ask", classmethod(ask))
    monkeypatch.setattr(shell, "run_gui", lambda db, kind, actor: opened.append(db) or 0)
    assert main(["gui"]) == 0
    assert shown == ["welcome"]
    assert opened == [str(paths.demo_db_path())]
    close_database()
    # The choice is remembered: the next start goes straight on.
    shown.clear()
    assert main(["gui"]) == 0
    assert shown == []
    assert opened[-1] == str(paths.demo_db_path())
    close_database()


def test_a_remembered_database_that_cannot_be_opened_shows_the_welcome_saying_why(
        monkeypatch, tmp_path, qtbot):
    """Its team moved to a server, its password changed, its file is no longer ours: the
    windows do not just exit, they offer the other ways in and say what happened."""
    from desktop.cli import main
    from desktop.ui.settings import settings

    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ACCESS_DESK_DB", raising=False)
    stranger = tmp_path / "not-ours.db"
    stranger.write_bytes(b"not a database at all, just text" * 10)
    settings().setValue("database/last", str(stranger))
    problems: list[str | None] = []
    monkeypatch.setattr(WelcomeWindow, "ask", classmethod(
        lambda cls, parent=None, problem=None: problems.append(problem)))
    monkeypatch.setattr(shell, "run_gui", lambda *a: pytest.fail("no window after a Quit"))
    try:
        assert main(["gui"]) == 0
    finally:
        settings().remove("database/last")
    assert len(problems) == 1
    assert "not an Access Desk database" in (problems[0] or "")
    window = WelcomeWindow()
    qtbot.addWidget(window)
    window.show_problem(problems[0] or "")
    banner = window.findChild(QWidget, "banner")
    assert banner is not None
    assert banner.isVisibleTo(window)
    assert "not an Access Desk database" in banner.text.text()
    assert "cannot be opened" in window.subtitle.text()


def test_closing_the_welcome_quits_quietly(monkeypatch, tmp_path):
    from desktop.cli import main

    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(WelcomeWindow, "ask",
                        classmethod(lambda cls, parent=None, problem=None: None))
    monkeypatch.setattr(shell, "run_gui", lambda *a: pytest.fail("no window after a Quit"))
    assert main(["gui"]) == 0
    assert not paths.demo_db_path().exists()
    assert os.environ.get("ACCESS_DESK_DB") is None


def test_enter_creates_the_directory_and_sign_in_then_names_its_administrator(
        qtbot, welcome, tmp_path):
    from PySide6.QtCore import Qt

    target = tmp_path / "keyboard.db"
    with qtbot.waitExposed(welcome):
        welcome.show()
    assert welcome.focusWidget() is welcome.demo_card
    qtbot.keyClick(welcome.focusWidget(), Qt.Key.Key_Tab)
    assert welcome.focusWidget() is welcome.new_card
    qtbot.keyClick(welcome.focusWidget(), Qt.Key.Key_Return)
    assert welcome.pages.currentIndex() == WelcomeWindow.PAGES.index("new")
    assert welcome.focusWidget() is welcome.new_admin.upn  # the file is filled in already
    welcome.new_path.setText(str(target))
    qtbot.keyClicks(welcome.focusWidget(), ADMIN)
    qtbot.keyClick(welcome.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(welcome.focusWidget(), PASSWORD)
    qtbot.keyClick(welcome.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(welcome.focusWidget(), PASSWORD)
    qtbot.keyClick(welcome.focusWidget(), Qt.Key.Key_Return)
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted, welcome.new_error.text()
    assert welcome.url == str(target)
    # The sign-in window that follows knows who he is and asks only for his password.
    dialog = SignInDialog(None, welcome.url)
    qtbot.addWidget(dialog)
    assert dialog.upn is not None
    assert dialog.upn.text() == ADMIN
    assert dialog.focusWidget() is dialog.password


def test_enter_on_the_postgres_page_tests_the_connection_then_connects(
        qtbot, welcome, monkeypatch):
    from PySide6.QtCore import Qt

    from desktop.ui import welcome as module

    monkeypatch.setattr(module, "probe_postgres", lambda url: module.Probe("db", 7, 3, 7))
    connected: list[str] = []
    monkeypatch.setattr(module, "connect_postgres",
                        lambda url, init: connected.append(url) or "db")
    with qtbot.waitExposed(welcome):
        welcome.show()
    welcome.pg_card.click()
    assert welcome.focusWidget() is welcome.pg_url
    qtbot.keyClicks(welcome.pg_url, "postgresql://ann@db/accessdesk")
    qtbot.keyClick(welcome.pg_url, Qt.Key.Key_Return)  # Connect waits for a test: Enter tests
    assert "3 people" in welcome.pg_status.text.text()
    qtbot.keyClick(welcome.pg_url, Qt.Key.Key_Return)
    assert connected == ["postgresql://ann@db/accessdesk"]
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted
