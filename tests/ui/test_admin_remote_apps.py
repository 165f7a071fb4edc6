"""The Admin console's applications connected to an Access Desk server: the list, the
Self-service page and its pickers read and save through the server's API; another
administrator's change shows through its live notices."""

from __future__ import annotations

from desktop.remote.feed import RemoteFeed
from desktop.services import applications, selfservice
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.new_application import NewApplicationDialog
from desktop.ui.admin.pickers import ApproverPickerDialog

APP = "Humongous Insurance Portal"  # gallery, SAML, exposes roles, self-service never set up


def test_an_administrator_sets_up_self_service_through_the_server(qtbot, remote_as, person,
                                                                 monkeypatch):
    megan = person("megan.bowen")
    backend = remote_as(megan)
    feed = RemoteFeed(backend)
    window = AdminWindow(backend, feed)
    qtbot.addWidget(window)
    feed.start()
    window.show()
    assert window.who.text().startswith("Signed in as Megan Bowen (megan.bowen@")
    apps = window.applications
    qtbot.waitUntil(lambda: apps.list.model.rowCount() > 0)
    names = [apps.list.model.row_data(r)["name"] for r in range(apps.list.model.rowCount())]
    assert APP in names

    # Open the application: its Self-service page, read from the server.
    assert apps.select(APP)
    page = apps.selfservice
    assert page.app_name == APP
    assert page.approver_count.text() == "0 of 10"
    assert page.role.findData("Claims.Viewer") > 0  # the roles came with the settings

    page.enabled.yes.click()
    page.set_group("IT Operations")
    page.require_approval.yes.click()

    def pick_approvers(_cls, parent, actor, current):
        dialog = ApproverPickerDialog(actor, current, parent)
        qtbot.addWidget(dialog)
        assert dialog.add("alice.wu@contoso.example"), dialog.error.text()
        assert not dialog.add("sean.murphy@contoso.example")  # disabled (rule 4)
        assert "disabled" in dialog.error.text()
        return dialog.chosen

    monkeypatch.setattr(ApproverPickerDialog, "pick", classmethod(pick_approvers))
    page.select_approvers.click()
    assert page.approver_names.text() == "Alice Wu"

    window.save_action.trigger()  # Ctrl+S
    assert "Saved: version 1" in page.message.text.text(), page.message.text.text()
    stored = selfservice.show(megan, APP)
    assert (stored["enabled"], stored["group"], stored["require_approval"]) == (
        True, "IT Operations", True)
    assert stored["approvers"] == ["alice.wu@contoso.example"]
    assert stored["updated_by"] == megan.upn

    # Another administrator turns approval off meanwhile: the page follows, live.
    selfservice.update(person("rahul.mehta"), APP, require_approval=False, if_version=1)
    qtbot.waitUntil(lambda: page.loaded is not None and page.loaded["version"] == 2)
    assert not page.require_approval.value()
    assert "saved by rahul.mehta@" in page.version.text()

    # Its properties: the publisher cleared, saved through the server.
    apps.tabs.setCurrentWidget(apps.properties)
    props = apps.properties
    assert props.publisher.text() == "Humongous Insurance"
    props.publisher.clear()
    window.save_action.trigger()
    assert applications.get_application(megan, APP)["publisher"] is None

    # A new application, with a role.
    dialog = NewApplicationDialog(window, backend)
    qtbot.addWidget(dialog)
    dialog.name.setText("Tailspin Timesheets")
    dialog.roles.setPlainText("Time.Approver:Approver")
    dialog.on_buttons_accepted()
    assert dialog.added is not None
    assert dialog.added["name"] == "Tailspin Timesheets"
    assert [r["value"] for r in selfservice.role_choices(megan, "Tailspin Timesheets")] == [
        "Time.Approver"]
    feed.stop()
    window.close()
