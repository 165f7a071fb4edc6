"""Rules 16-18 on the Admin console's Self-service page: time-outs, escalation, a reason to
approve and how long access lasts, saved as the command line would, refusals said in words."""

from __future__ import annotations

from PySide6.QtCore import QDate

from desktop.services import selfservice
from desktop.ui.admin.pickers import ApproverPickerDialog

APP = "Adatum Payroll"  # self-service on, approval by priya.nair


def open_app(window, name):
    assert window.applications.select(name)
    assert window.applications.showing_detail()
    return window.applications.selfservice


def test_administrator_sets_time_outs_escalation_and_duration(qtbot, admin_window, monkeypatch,
                                                               demo_db):
    page = open_app(admin_window, APP)
    assert page.expire_days.text() == "Never"
    assert not page.access_days.isVisibleTo(page)
    assert page.expire_days.toolTip()  # every new control explains itself
    page.expire_days.setValue(14)
    page.remind_days.setValue(3)
    page.escalate_days.setValue(5)

    def pick(_cls, parent, actor, current, **texts):
        dialog = ApproverPickerDialog(actor, current, parent, **texts)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Select escalation approvers"
        assert not dialog.add("beatriz.costa@contoso.example")  # disabled: rule 4's checks
        assert dialog.add("david.levi@contoso.example"), dialog.error.text()
        return dialog.chosen

    monkeypatch.setattr(ApproverPickerDialog, "pick", classmethod(pick))
    page.select_escalation.click()
    assert page.escalation_names.text() == "David Levi"
    page.reason_to_approve.yes.click()
    page.lasts.setCurrentIndex(page.lasts.findData("days"))
    assert page.access_days.isVisibleTo(page)
    page.access_days.setValue(30)
    page.end_reminder_days.setValue(5)
    assert page.save()
    stored = selfservice.show(demo_db, APP)
    assert (stored["expire_days"], stored["remind_days"], stored["escalate_days"]) == (14, 3, 5)
    assert stored["escalation_approvers"] == ["david.levi@contoso.example"]
    assert stored["reason_to_approve"]
    assert stored["access_days"] == 30
    assert stored["end_reminder_days"] == 5
    assert not page.is_dirty()

    page.lasts.setCurrentIndex(page.lasts.findData("until"))
    page.access_until.setDate(QDate(2999, 1, 31))
    page.remind_days.setValue(20)  # not before the expiry: refused, said in words
    assert not page.save()
    assert "fewer than 14" in page.message.text.text()
    assert "rule" not in page.message.text.text()
    page.remind_days.setValue(0)
    assert page.save()
    stored = selfservice.show(demo_db, APP)
    assert (stored["access_until"], stored["access_days"], stored["remind_days"]) == (
        "2999-01-31", None, None)
