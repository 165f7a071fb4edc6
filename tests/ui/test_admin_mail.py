"""The Admin console's E-mail page: SMTP settings with a write-only password, a test e-mail through
a real SMTP server, and the outbox with Send now."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit

from desktop.services import mail, requests
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.mail import STORED_PASSWORD
from desktop.ui.admin.window import EMAIL, PAGES

# The test server asks for a login without TLS: on 127.0.0.1, for a test, that is the point.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")

PASSWORD = "Kingfisher-Smtp-5512"
SENDER = "access-desk@contoso.example"


@pytest.fixture
def window(admin_window):
    admin_window.show_page(EMAIL)
    return admin_window


def fill(page, *, host="smtp.contoso.example", security="starttls", port=None, user="desk",
         password=None, sender=SENDER):
    page.host.setText(host)
    page.security.setCurrentIndex(page.security.findData(security))
    if port is not None:
        page.port.setText(str(port))
    page.user.setText(user)
    if password is not None:
        page.password.setText(password)
    page.sender_address.setText(sender)


def use_server(page, server):
    fill(page, host="127.0.0.1", security="none", port=server.port, user=server.user,
         password=server.password)


def test_the_page_follows_the_audit_log_in_the_sidebar(window):
    assert PAGES[EMAIL][0] == "E-mail"
    assert PAGES[EMAIL - 1][0] == "Audit log"
    assert window.current_page() is window.email
    assert window.nav.item(EMAIL).text() == "E-mail"


def test_settings_are_saved_and_the_password_is_never_shown(qtbot, window, demo_db):
    page = window.email
    assert page.password.placeholderText() == ""  # nothing stored yet
    fill(page, security="tls", password=PASSWORD)
    assert page.port.text() == "465"  # the usual port follows the security mode
    assert page.discard_button.isEnabled()
    page.save_button.click()

    assert page.settings_message.isVisible()
    assert "saved" in page.settings_message.text.text()
    assert page.password.text() == ""
    assert page.password.placeholderText() == STORED_PASSWORD
    stored = mail.show_settings(demo_db)
    assert stored == {"host": "smtp.contoso.example", "port": 465, "security": "tls",
                      "user": "desk", "password": "set", "sender": SENDER}
    assert mail.load_settings().password == PASSWORD

    # Saving again without typing a password keeps the stored one.
    page.host.setText("smtp2.contoso.example")
    page.save()
    assert mail.load_settings().password == PASSWORD

    again = AdminWindow(demo_db)
    qtbot.addWidget(again)
    assert again.email.host.text() == "smtp2.contoso.example"
    assert again.email.password.text() == ""
    assert again.email.password.placeholderText() == STORED_PASSWORD
    assert not again.email.is_dirty()
    assert all(PASSWORD not in edit.text() for edit in again.findChildren(QLineEdit))


def test_a_refused_setting_is_shown_inline(window):
    page = window.email
    fill(page, sender="not-an-address")
    assert page.save() is False
    assert page.settings_message.isVisible()
    assert "'not-an-address' is not an e-mail address" in page.settings_message.text.text()
    assert page.settings_message.property("tone") == "error"
    assert page.is_dirty()


def test_send_test_email_through_a_real_server_then_with_it_stopped(qtbot, window,
                                                                    smtp_server):
    page = window.email
    assert page.test_to.text() == "megan.bowen@contoso.example"  # the admin's own address
    use_server(page, smtp_server)
    page.test_button.click()  # unsaved settings are saved first
    assert page.test_running
    assert page.test_busy.isVisibleTo(page)
    assert not page.test_button.isEnabled()
    qtbot.waitUntil(lambda: not page.test_running, timeout=10_000)
    assert page.test_message.property("tone") == "success", page.test_message.text.text()
    assert "sent to megan.bowen@contoso.example" in page.test_message.text.text()
    assert not page.test_busy.isVisibleTo(page)
    assert [r.message["Subject"] for r in smtp_server.received] == ["Access Desk test e-mail"]
    assert smtp_server.received[0].rcpt_tos == ["megan.bowen@contoso.example"]

    smtp_server.stop()
    page.test_button.click()
    qtbot.waitUntil(lambda: not page.test_running, timeout=10_000)
    assert page.test_message.property("tone") == "error"
    assert "The test e-mail to megan.bowen@contoso.example failed" in \
        page.test_message.text.text()
    assert page.test_button.isEnabled()


def test_the_outbox_lists_queued_mail_and_send_now_delivers_it(qtbot, window, demo_db, person,
                                                                smtp_server):
    page = window.email
    use_server(page, smtp_server)
    assert page.save()
    requests.create_request(person("oliver.schmidt"), "Fabrikam CRM", "Benelux accounts")
    window.refresh_action.trigger()  # F5, as after a live-feed change
    page.status_filter.setCurrentIndex(page.status_filter.findData("queued"))
    rows = page.model.rows()
    assert sorted(r["to"] for r in rows) == ["alice.wu@contoso.example",
                                             "diego.ramirez@contoso.example",
                                             "yuki.tanaka@contoso.example"]
    assert {r["status"] for r in rows} == {"queued"}
    assert "3 queued" in page.counts.text()

    page.send_button.click()
    assert page.send_busy.isVisibleTo(page)
    qtbot.waitUntil(lambda: len(smtp_server.received) == 3, timeout=10_000)
    qtbot.waitUntil(lambda: not page.send_running, timeout=10_000)
    assert page.outbox_message.text.text() == "3 messages sent."
    assert page.model.rowCount() == 0  # none queued any more
    assert page.empty.isVisible()
    assert "0 queued" in page.counts.text()
    page.status_filter.setCurrentIndex(page.status_filter.findData("sent"))
    sent = [r for r in page.model.rows() if r["subject"].endswith("Oliver Schmidt requests "
                                                                  "Fabrikam CRM")]
    assert len(sent) == 3
    assert all(r["sent_at"] and r["attempts"] == 1 for r in sent)


def test_send_now_without_smtp_settings_says_what_to_do(qtbot, window):
    page = window.email
    page.send_button.click()
    qtbot.waitUntil(lambda: not page.send_running)
    assert page.outbox_message.property("tone") == "warning"
    assert "set the SMTP server" in page.outbox_message.text.text()


def test_the_outbox_model_passes_qts_model_tester(qtmodeltester, window):
    qtmodeltester.check(window.email.model)
