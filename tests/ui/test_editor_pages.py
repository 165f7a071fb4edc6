"""The editor-page contract (desktop.ui.editor): the window and the switcher ask the pages."""

from __future__ import annotations

import pytest

from desktop.ui.admin.window import EMAIL
from desktop.ui.app import WindowSwitcher
from desktop.ui.common import ConfirmDialog
from desktop.ui.editor import EditorPage, unsaved_pages


@pytest.fixture
def switcher(qtbot, demo_db):
    switcher = WindowSwitcher(demo_db, None)
    qtbot.addWidget(switcher.open("admin"))
    return switcher


def edit_email(window) -> None:
    window.show_page(EMAIL)
    window.email.host.setText("smtp.changed.example")
    assert window.email.is_dirty()


def test_the_settings_pages_are_editor_pages(admin_window):
    apps = admin_window.applications
    # Pages are built when first shown or asked for (issue 15): until then they edit nothing.
    assert admin_window.editor_pages() == []
    editors = apps.editors  # an application's settings pages
    assert editors == [apps.selfservice, apps.properties]
    assert admin_window.editor_pages() == editors
    email = admin_window.email
    assert admin_window.editor_pages() == [*editors, email]
    assert all(isinstance(page, EditorPage) for page in admin_window.editor_pages())
    assert not isinstance(admin_window.audit, EditorPage)
    assert admin_window.dirty_pages() == []
    edit_email(admin_window)
    assert admin_window.dirty_pages() == [admin_window.email]
    assert unsaved_pages(admin_window) == [admin_window.email]
    assert unsaved_pages(object()) == []  # a window without editor pages


def test_leaving_with_unsaved_email_settings_asks_then_discards(switcher, confirm_yes):
    admin = switcher.window
    edit_email(admin)
    switcher.switch("myapps")
    assert switcher.kind == "myapps"
    # Asked once: the pages were discarded, so closing the Admin console did not ask again.
    assert confirm_yes == ["Leave without saving?"]
    assert not admin.email.is_dirty()


def test_staying_keeps_the_unsaved_settings(switcher, monkeypatch):
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda *_a, **_k: False))
    admin = switcher.window
    edit_email(admin)
    switcher.switch("myapps")
    assert switcher.kind == "admin"
    assert switcher.window is admin
    assert admin.email.host.text() == "smtp.changed.example"


def test_quitting_with_unsaved_email_settings_asks(admin_window, confirm_yes):
    edit_email(admin_window)
    assert admin_window.close()
    assert confirm_yes == ["Quit without saving?"]


def test_unsaved_changes_shows_while_any_page_is_dirty(admin_window):
    assert admin_window.applications.select("Fabrikam CRM")
    admin_window.applications.selfservice.require_approval.no.click()
    edit_email(admin_window)
    assert admin_window.state.text() == "Unsaved changes"
    admin_window.email.discard()
    assert admin_window.state.text() == "Unsaved changes"  # self-service still is
    admin_window.applications.selfservice.discard()
    assert admin_window.state.text() == ""
