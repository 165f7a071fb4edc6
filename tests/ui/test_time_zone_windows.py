"""The directory's time zone in the windows: Directory time zone… saves it (and refuses in
place), and the dates people choose say which zone they end in; an absence that ends at
midnight in New York shows its own last day, not the UTC one."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt

from desktop.api.backend import as_backend
from desktop.models import User
from desktop.services import away
from desktop.services.time_zone import set_time_zone, show_time_zone
from desktop.ui.admin.time_zone import TimeZoneDialog
from desktop.ui.approvals.away import AwayDialog


def test_the_dialog_saves_a_zone_and_refuses_an_unknown_one_in_place(qtbot, admin, make):
    dialog = TimeZoneDialog(None, as_backend(User.get_by_id(admin.id)))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.zone.currentText() == "UTC"
    dialog.zone.setCurrentText("Atlantis/Capital")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert "not a time zone" in dialog.error.text()
    assert dialog.result() != TimeZoneDialog.DialogCode.Accepted
    assert show_time_zone(admin)["time_zone"] == "UTC"
    dialog.zone.setCurrentText("Europe/Paris")
    qtbot.keyClick(dialog.zone.lineEdit(), Qt.Key.Key_Return)
    assert dialog.result() == TimeZoneDialog.DialogCode.Accepted
    assert dialog.saved == {"time_zone": "Europe/Paris", "changed": True}
    assert show_time_zone(admin)["time_zone"] == "Europe/Paris"


def test_a_person_who_may_not_change_it_is_told_in_the_dialog(qtbot, make):
    bob = make.user("bob")
    dialog = TimeZoneDialog(None, as_backend(User.get_by_id(bob.id)))
    qtbot.addWidget(dialog)
    dialog.zone.setCurrentText("Europe/Paris")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert "Global Administrator" in dialog.error.text()


def test_the_away_dialog_shows_the_zone_and_the_last_day_in_it(qtbot, admin, make):
    boss = make.user("boss", license="p2")
    make.selfservice_app("Ledger", approvers=(boss,))
    set_time_zone(admin, "America/New_York")
    away.set_away(boss, None, "2099-06-01", "2099-06-14", None)
    dialog = AwayDialog(None, as_backend(User.get_by_id(boss.id)))
    qtbot.addWidget(dialog)
    assert dialog.starts.date() == QDate(2099, 6, 1)
    assert dialog.ends.date() == QDate(2099, 6, 14)  # its end is 15 June 04:00 UTC
    assert dialog.ends.text() == "14 June 2099 (America/New_York)"


def test_the_admin_console_offers_it_to_a_global_administrator_only(qtbot, admin_window,
                                                                    person, monkeypatch):
    monkeypatch.setattr(TimeZoneDialog, "ask", classmethod(
        lambda _cls, _parent, backend: backend.call("time_zone.set", time_zone="Asia/Tokyo")))
    assert admin_window.time_zone_action.isEnabled()
    admin_window.time_zone_action.trigger()
    assert "Asia/Tokyo" in admin_window.statusBar().currentMessage()
    from desktop.ui.admin import AdminWindow

    other = AdminWindow(person("rahul.mehta"))
    qtbot.addWidget(other)
    assert not other.time_zone_action.isEnabled()
    assert "Global Administrator" in other.time_zone_action.toolTip()
