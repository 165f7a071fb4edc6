"""The self-service page, driven as an administrator would: pickers, rules, save, conflicts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.services import selfservice
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.pickers import ApproverPickerDialog, GroupPickerDialog

APP = "Humongous Insurance Portal"  # gallery, SAML, exposes roles, self-service never set up
ELIGIBLE = ["alice.wu", "diego.ramirez", "fatima.benali", "yuki.tanaka", "priya.nair",
            "oliver.schmidt", "amara.okafor", "olga.ivanova", "noah.fischer", "sofia.rossi"]


def open_app(window, name):
    assert window.applications.select(name)
    assert window.applications.showing_detail()
    page = window.applications.selfservice
    assert page.app_name == name
    return page


def test_administrator_sets_up_self_service(qtbot, admin_window, monkeypatch):
    page = open_app(admin_window, APP)
    assert not page.save_button.isEnabled()
    assert page.approver_count.text() == "0 of 10"

    page.enabled.yes.click()
    assert page.save_button.isEnabled()
    assert page.discard_button.isEnabled()

    refusals = []

    def pick_group(_cls, parent, actor, current):
        dialog = GroupPickerDialog(actor, current, parent)
        qtbot.addWidget(dialog)
        # A synced group is listed but disabled, and choosing it says why.
        synced = dialog.row_named("All Staff (on-premises)")
        assert not dialog.model.flags(dialog.model.index(synced, 0)) & Qt.ItemFlag.ItemIsEnabled
        assert not dialog.choose("All Staff (on-premises)")
        refusals.append(dialog.error.text())
        assert dialog.error.isVisibleTo(dialog)
        assert dialog.choose("IT Operations")
        return dialog.chosen

    monkeypatch.setattr(GroupPickerDialog, "pick", classmethod(pick_group))
    page.select_group.click()
    assert "synchronized from on-premises" in refusals[0]
    assert "rule" not in refusals[0]  # the window says the rule in words
    assert page.group_name.text() == "IT Operations"

    page.require_approval.yes.click()
    assert page.select_approvers.isEnabled()

    def pick_approvers(_cls, parent, actor, current):
        dialog = ApproverPickerDialog(actor, current, parent)
        qtbot.addWidget(dialog)
        for local in ELIGIBLE:
            assert dialog.add(f"{local}@contoso.example"), dialog.error.text()
        assert dialog.count.text() == "10 of 10"
        assert not dialog.add("arjun.patel@contoso.example")
        refusals.append(dialog.error.text())
        assert dialog.count.text() == "10 of 10"
        return dialog.chosen

    monkeypatch.setattr(ApproverPickerDialog, "pick", classmethod(pick_approvers))
    page.select_approvers.click()
    assert "At most 10 approvers" in refusals[1]
    assert "number 11" in refusals[1]
    assert page.approver_count.text() == "10 of 10"

    assert page.role.isVisible()
    page.role.setCurrentIndex(page.role.findData("Claims.Viewer"))
    page.email_approvers.yes.click()

    admin_window.save_action.trigger()  # Ctrl+S
    assert not page.save_button.isEnabled()
    assert "Saved" in page.message.text.text()

    stored = selfservice.show(admin_window.actor, APP)
    assert stored["enabled"] is True
    assert stored["group"] == "IT Operations"
    assert stored["require_approval"] is True
    assert stored["approvers"] == [f"{u}@contoso.example" for u in ELIGIBLE]
    assert stored["role"] == "Claims.Viewer"
    assert stored["email_approvers"] is True
    assert stored["version"] == 1
    # The list shows it switched on.
    row = admin_window.applications.list.model.row_of(admin_window.applications.current["id"])
    assert admin_window.applications.list.model.row_data(row)["self_service"] is True


def test_a_disabled_or_unlicensed_person_cannot_be_picked(qtbot, demo_db):
    dialog = ApproverPickerDialog(demo_db, [])
    qtbot.addWidget(dialog)
    assert not dialog.add("aisha.khan@contoso.example")  # no license
    assert "P1 or P2" in dialog.error.text()
    assert not dialog.add("sean.murphy@contoso.example")  # disabled
    assert "disabled" in dialog.error.text()
    assert dialog.upns() == []


def test_clicking_a_disabled_group_shows_why(qtbot, demo_db):
    dialog = GroupPickerDialog(demo_db, None)
    qtbot.addWidget(dialog)
    dialog.show()
    row = dialog.row_named("Engineering (dynamic)")
    rect = dialog.view.visualRect(dialog.model.index(row, 0))
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "membership is dynamic" in dialog.error.text()


def test_service_refusal_is_shown_inline(admin_window):
    page = open_app(admin_window, APP)
    page.enabled.yes.click()
    assert page.save() is False
    assert "needs a group" in page.message.text.text()
    assert "rule" not in page.message.text.text()
    assert page.save_button.isEnabled()  # the edit is kept for the person to fix


def test_discard_restores_the_stored_settings(admin_window):
    page = open_app(admin_window, "Fabrikam CRM")
    page.require_approval.no.click()
    assert page.is_dirty()
    admin_window.discard_action.trigger()  # Esc
    assert not page.is_dirty()
    assert page.require_approval.value() is True
    assert not page.save_button.isEnabled()


def test_password_question_only_for_password_sso(admin_window):
    page = open_app(admin_window, "Tailspin Travel")
    assert page.approver_passwords.isVisibleTo(page)
    page = open_app(admin_window, "Fabrikam CRM")
    assert not page.approver_passwords.isVisibleTo(page)


def test_role_question_only_for_applications_with_roles(admin_window):
    page = open_app(admin_window, "Litware Wiki")
    assert not page.role.isVisibleTo(page)
    page = open_app(admin_window, "Fabrikam CRM")
    assert page.role.isVisibleTo(page)
    # A disabled role and an application-only role are listed but cannot be chosen.
    model = page.role.model()
    legacy = page.role.findData("Sales.Legacy")
    sync = page.role.findData("Integration.Sync")
    assert not model.item(legacy).isEnabled()
    assert "disabled" in model.item(legacy).toolTip()
    assert not model.item(sync).isEnabled()
    assert "applications only" in model.item(sync).toolTip()


def test_public_client_application_shows_the_disabled_page(admin_window):
    page = open_app(admin_window, "Tailspin Mobile Field App")
    assert page.unavailable.isVisible()
    text = page.unavailable.text.text()
    assert "public client flows" in text
    assert "Allow public client flows" in text
    assert not page.form_frame.isEnabled()
    assert not page.enabled.yes.isEnabled()
    page.open_properties.click()
    assert admin_window.applications.tabs.currentWidget() is admin_window.applications.properties
    assert admin_window.applications.properties.public_client.value() is True


@pytest.mark.parametrize(("app", "words"), [
    ("Contoso Timesheets", "gallery, an application proxy, or user or admin consent"),
    ("Fourth Coffee Rewards", "hidden"),
])
def test_other_ineligible_applications_say_why(admin_window, app, words):
    page = open_app(admin_window, app)
    assert page.unavailable.isVisible()
    assert words in page.unavailable.text.text()
    assert not page.form_frame.isEnabled()


def test_turning_public_client_flows_off_in_properties_enables_the_page(admin_window):
    open_app(admin_window, "Tailspin Mobile Field App")
    props = admin_window.applications.properties
    props.public_client.no.click()
    assert props.save_button.isEnabled()
    assert props.save()
    page = admin_window.applications.selfservice
    assert not page.unavailable.isVisible()
    assert page.form_frame.isEnabled()


def test_second_save_over_a_stale_version_is_refused_and_reloads(qtbot, demo_db, person):
    first = AdminWindow(demo_db)
    second = AdminWindow(person("rahul.mehta"))  # Cloud Application Administrator
    for w in (first, second):
        qtbot.addWidget(w)
        w.show()
    page1 = open_app(first, "Fabrikam CRM")
    page2 = open_app(second, "Fabrikam CRM")
    assert page1.loaded["version"] == page2.loaded["version"] == 1

    page1.email_approvers.no.click()
    assert page1.save()
    page2.require_approval.no.click()
    assert page2.save() is False

    text = page2.message.text.text()
    assert "changed by megan.bowen@contoso.example at" in text
    assert "version 2, yours 1" in text
    # Reloaded: the page now shows the newer settings, with nothing of the stale edit.
    assert page2.loaded["version"] == 2
    assert page2.email_approvers.value() is False
    assert page2.require_approval.value() is True
    assert not page2.is_dirty()
    stored = selfservice.show(demo_db, "Fabrikam CRM")
    assert stored["require_approval"] is True
    assert stored["version"] == 2
