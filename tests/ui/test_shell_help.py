"""The windows' shell: titles, the window the tray opens, Help (user guide, About), icons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl

from desktop import __version__
from desktop.models import User
from desktop.resources import ENV_VAR, icon
from desktop.ui import help as help_module
from desktop.ui.admin.pickers import ApproverPickerDialog
from desktop.ui.app import WindowSwitcher, shell_window
from desktop.ui.help import GUIDE_ONLINE, AboutDialog
from desktop.ui.tray import ApproverTray

ROOT = Path(__file__).resolve().parents[2]


def menu_titles(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def menu_entries(window, title: str) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions()
                if a.text().replace("&", "") == title)
    return [a.text().replace("&", "") for a in menu.actions() if a.text()]


@pytest.fixture
def approver(make) -> User:
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    return User.get_by_id(ann.id)


def test_the_tray_opens_the_window_gui_opens(qtbot, approver, feed):
    tray = ApproverTray(approver, feed, tray_available=False)
    tray.on_approvals_action_triggered()
    from_tray = tray.windows["approvals"]
    qtbot.addWidget(from_tray)
    switcher = WindowSwitcher(approver, None)
    from_gui = switcher.open("approvals")
    qtbot.addWidget(from_gui)
    assert type(from_tray) is type(from_gui)
    assert from_tray.windowTitle() == from_gui.windowTitle() == "Approvals: Ann Approver"
    assert menu_titles(from_tray) == menu_titles(from_gui) == ["Window", "Help"]
    # Its Window menu opens My Apps beside it, as the tray's own menu does.
    window_menu = next(a.menu() for a in from_tray.menuBar().actions()
                       if a.text() == "&Window")
    next(a for a in window_menu.actions() if a.text() == "&My Apps").trigger()
    assert tray.windows["myapps"].isVisible()
    qtbot.addWidget(tray.windows["myapps"])
    assert tray.fallback is not None
    qtbot.addWidget(tray.fallback)
    assert "Access Desk" not in tray.fallback.windowTitle()


def test_help_has_the_user_guide_and_about_with_the_version(qtbot, demo_db, monkeypatch):
    admin = shell_window("admin", demo_db, None, lambda _kind: None)
    qtbot.addWidget(admin)
    # Qt adds " — Access Desk" (the display name) to every title on X11 and Windows.
    assert admin.windowTitle().startswith("Admin console")
    assert "Access Desk" not in admin.windowTitle()
    assert menu_titles(admin)[-1] == "Help"
    assert menu_entries(admin, "Help") == ["Keyboard shortcuts", "User guide",
                                           "About Access Desk"]
    shown: list[object] = []
    monkeypatch.setattr(AboutDialog, "show_about", classmethod(lambda cls, p: shown.append(p)))
    menu = next(a.menu() for a in admin.menuBar().actions() if a.text() == "&Help")
    next(a for a in menu.actions() if a.text() == "&About Access Desk").trigger()
    assert shown == [admin]
    about = AboutDialog(admin)
    qtbot.addWidget(about)
    assert about.version.text() == f"Version {__version__}"
    myapps = shell_window("myapps", demo_db, None, lambda _kind: None)
    qtbot.addWidget(myapps)
    assert menu_entries(myapps, "Help") == ["User guide", "About Access Desk"]


def test_the_user_guide_opens_docs_index_or_says_where_it_is(qtbot, monkeypatch, tmp_path):
    opened: list[QUrl] = []
    told: list[str] = []
    monkeypatch.setattr(help_module, "tell", lambda _parent, _title, text: told.append(text))
    monkeypatch.setattr(help_module, "open_url", lambda url: opened.append(url) or True)
    assert help_module.open_user_guide(None)
    assert [Path(u.toLocalFile()) for u in opened] == [ROOT / "docs" / "index.md"]
    assert told == []
    # Nothing opens Markdown here: the window says which file to read.
    monkeypatch.setattr(help_module, "open_url", lambda url: False)
    assert not help_module.open_user_guide(None)
    assert str(ROOT / "docs" / "index.md") in told[-1]
    # Installed without the docs folder: where to read it instead.
    (tmp_path / "resources").mkdir()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "resources"))
    assert not help_module.open_user_guide(None)
    assert "not installed" in told[-1]
    assert GUIDE_ONLINE in told[-1]


def test_approvers_are_people_not_groups_in_the_picker(qtbot, demo_db):
    dialog = ApproverPickerDialog(demo_db, [{"upn": "alice.wu@contoso.example",
                                              "name": "Alice Wu"}])
    qtbot.addWidget(dialog)
    person = icon("user").cacheKey()
    assert person != icon("group").cacheKey()
    assert person != icon("users").cacheKey()
    shown = dialog.model.data(dialog.model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert shown.cacheKey() == person
    assert dialog.selected.item(0).icon().cacheKey() == person

