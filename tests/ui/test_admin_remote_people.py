"""The Admin console's people pages connected to an Access Desk server: Users, Users and groups
(access), the Audit log and E-mail read and write through the server's API; another
administrator's change shows through its live notices."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from desktop.remote.feed import RemoteFeed
from desktop.services import access, directory, mail
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.directory import UserDialog
from desktop.ui.admin.mail import STORED_PASSWORD
from desktop.ui.admin.transfer import GraphSourceDialog, ImportSummaryDialog, SaveFileDialog
from desktop.ui.admin.window import ACCESS, APPLICATIONS, AUDIT, EMAIL, USERS

APP = "Fabrikam CRM"
TENANT = Path(__file__).resolve().parent.parent / "graph" / "data" / "tenant"
OLGA = "olga.ivanova@contoso.example"


def column(model: Any, key: str) -> list[Any]:
    return [model.row_data(r)[key] for r in range(model.rowCount())]


def test_an_administrator_manages_people_through_the_server(qtbot, remote_as, person,
                                                           monkeypatch, confirm_yes, tmp_path):
    megan = person("megan.bowen")
    backend = remote_as(megan)
    feed = RemoteFeed(backend)
    window = AdminWindow(backend, feed)
    qtbot.addWidget(window)
    feed.start()
    window.show()

    # Users: listed and searched on the server.
    window.show_page(USERS)
    users = window.users
    qtbot.waitUntil(lambda: "alice.wu@contoso.example" in column(users.model, "upn"))
    assert users.can_change  # Megan is a Global Administrator
    qtbot.keyClicks(users.search, "rahul")
    qtbot.waitUntil(lambda: column(users.model, "upn") == ["rahul.mehta@contoso.example"])
    users.search.clear()
    qtbot.waitUntil(lambda: users.model.rowCount() > 1)

    # Add a user through the dialog, as a person fills it in.
    def add(_cls, parent, actor, user=None):
        dialog = UserDialog(parent, actor, user)
        qtbot.addWidget(dialog)
        dialog.upn.setText("nora.berg@contoso.example")
        dialog.name.setText("Nora Berg")
        dialog.department.setText("Finance")
        dialog.on_buttons_accepted()
        assert dialog.result() == dialog.DialogCode.Accepted, dialog.error.text()
        return dialog.saved

    monkeypatch.setattr(UserDialog, "run", classmethod(add))
    users.add_button.click()
    assert directory.get_user(megan, "nora.berg@contoso.example")["department"] == "Finance"
    qtbot.waitUntil(lambda: "nora.berg@contoso.example" in column(users.model, "upn"))

    # A change made elsewhere (another desktop of hers): the list follows the server's notice.
    directory.update_user(megan, "nora.berg@contoso.example",
                          department="Legal")
    row = lambda: users.model.row_data(users.model.row_of("nora.berg@contoso.example"))  # noqa: E731
    qtbot.waitUntil(lambda: row()["department"] == "Legal")

    # Users and groups: remove a person's access.
    window.show_page(ACCESS)
    page = window.access
    qtbot.waitUntil(lambda: page.select_application(APP))
    qtbot.waitUntil(lambda: OLGA in column(page.model, "user"))
    assert page.model.row_data(page.model.row_of(OLGA))["name"] == "Olga Ivanova"
    assert page.select_user(OLGA)
    page.remove_button.click()
    assert confirm_yes == ["Remove access?"]
    assert "Removed" in page.message.text.text()
    assert OLGA not in [r["user"] for r in access.list_access(megan, APP)]
    qtbot.waitUntil(lambda: OLGA not in column(page.model, "user"))

    # The audit log shows the removal; Verify chain checks it on the server.
    window.show_page(AUDIT)
    audit = window.audit
    qtbot.waitUntil(lambda: "access.remove" in column(audit.model, "action"))
    with qtbot.waitSignal(audit.verified, timeout=10_000):
        audit.verify_button.click()
    assert audit.verdict.isVisible()
    assert audit.verdict.text.text().startswith("Verified:"), audit.verdict.text.text()

    # E-mail settings: saved with a password that is never shown again.
    window.show_page(EMAIL)
    email = window.email
    qtbot.waitUntil(lambda: bool(email.loaded) or email.host.text() == "")
    email.host.setText("smtp.contoso.example")
    email.user.setText("desk")
    email.password.setText("Kingfisher-Smtp-5512")
    email.sender_address.setText("access-desk@contoso.example")
    email.save_button.click()
    assert email.settings_message.text.text() == "The SMTP settings were saved."
    assert mail.show_settings(megan)["host"] == "smtp.contoso.example"
    assert mail.show_settings(megan)["password"] == "set"
    assert email.password.text() == ""
    assert email.password.placeholderText() == STORED_PASSWORD

    # An import's files go up to the server: a preview first (nothing written), then the
    # import; the Users page, read through the server, shows the new people.
    monkeypatch.setattr(GraphSourceDialog, "ask", classmethod(lambda *_a: [str(TENANT)]))
    previews: list[dict[str, Any]] = []
    monkeypatch.setattr(ImportSummaryDialog, "ask", classmethod(
        lambda _cls, _parent, report: previews.append(report) or True))
    assert window.transfers.import_action.isEnabled()
    window.transfers.import_action.trigger()
    qtbot.waitUntil(lambda: window.transfers.result_dialog is not None, timeout=30_000)
    assert previews[0]["dry_run"] is True
    assert previews[0]["added"]["users"] == 8
    assert window.transfers.result_dialog.report["added"]["users"] == 8
    assert directory.get_user(megan, "alice@contoso.test")["upn"] == "alice@contoso.test"
    window.transfers.result_dialog.close()

    # An evidence bundle is written and signed by the server, streamed into the file.
    window.show_page(APPLICATIONS)
    window.applications.select(APP)
    window.applications.evidence_button.click()
    dialog = window.applications.evidence_dialog
    bundle = tmp_path / "evidence.zip"
    dialog.start.setDate(dialog.start.date().addYears(-5))
    dialog.path.setText(str(bundle))
    dialog.write_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20_000)
    assert dialog.message.property("tone") == "success", dialog.message.text.text()
    with zipfile.ZipFile(bundle) as zf:
        assert {"verify.py", "audit.json", "checkpoint.json"} <= set(zf.namelist())
    dialog.close()

    # An export is written by the server and streamed into the chosen file.
    out = tmp_path / "audit.csv"
    monkeypatch.setattr(SaveFileDialog, "ask", classmethod(lambda *_args: str(out)))
    with qtbot.waitSignal(window.transfers.exported) as done:
        window.transfers.export_actions[("audit", "csv")].trigger()
    assert done.args[0] == str(out)
    assert done.args[1] > 100
    assert "access.remove" in out.read_text(encoding="utf-8-sig")
    feed.stop()
    window.close()
