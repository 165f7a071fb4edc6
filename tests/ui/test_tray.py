"""The approver's tray: a live count, a notification per new request, opening the request."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QApplication

from desktop.models import User
from desktop.ui import tray as tray_module
from desktop.ui.tray import ApproverTray, FallbackWindow, Notifier, badge_icon, start_tray


class RecordingNotifier(Notifier):
    """Keeps what would have been shown instead of showing it."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[tuple[str, str, int | None]] = []

    def notify(self, title: str, message: str, request_id: int | None = None) -> None:
        self.shown.append((title, message, request_id))


@pytest.fixture
def crm(make):
    ann = make.user("ann", license="p2", name="Ann Approver")
    alice = make.user("alice", name="Alice Wu")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    return {"ann": User.get_by_id(ann.id), "alice": alice}


def test_a_new_request_is_notified_and_clicking_opens_it(qtbot, crm, make, feed):
    notifier = RecordingNotifier()
    tray = ApproverTray(crm["ann"], feed, notifier=notifier, tray_available=False)
    assert tray.fallback is not None
    assert tray.count == 0
    req = make.request(crm["alice"], "Fabrikam CRM", "For the Benelux accounts")
    qtbot.waitUntil(lambda: notifier.shown == [
        ("New access request", "Alice Wu requests Fabrikam CRM", req.id)])
    qtbot.waitUntil(lambda: tray.count == 1)
    assert tray.fallback.badge.text() == "1"
    assert "1 request waiting" in tray.fallback.count.text()

    notifier.activated.emit(req.id)
    window = tray.windows["approvals"]
    qtbot.addWidget(window)
    assert window.isVisible()
    assert [r["id"] for r in window.pending_page.selected_rows()] == [req.id]


def test_many_requests_at_once_become_one_notification(qtbot, crm, make, feed):
    notifier = RecordingNotifier()
    tray = ApproverTray(crm["ann"], feed, notifier=notifier, tray_available=False)
    feed.stop()
    for i in range(5):
        make.request(make.user(f"u{i}"), "Fabrikam CRM")
    feed.start()  # resumes: what arrived meanwhile is delivered
    feed.poll_now()
    assert tray.count == 5
    assert notifier.shown == [("New access requests", "5 new requests are waiting for you",
                               None)]


def test_decisions_elsewhere_lower_the_count(qtbot, crm, make, feed):
    req = make.request(crm["alice"], "Fabrikam CRM")
    tray = ApproverTray(crm["ann"], feed, notifier=RecordingNotifier(), tray_available=False)
    assert tray.count == 1
    from desktop.services import requests

    requests.cancel(crm["alice"], req.id)
    qtbot.waitUntil(lambda: tray.count == 0)
    assert not tray.fallback.badge.isVisible()


def test_an_approvers_own_request_is_not_in_his_count(qtbot, crm, make, feed):
    ben = make.user("ben", license="p2", name="Ben Approver")
    make.selfservice_app("Vault", approvers=(crm["ann"], ben))
    notifier = RecordingNotifier()
    ann = ApproverTray(crm["ann"], feed, notifier=notifier, tray_available=False)
    others = ApproverTray(User.get_by_id(ben.id), feed, notifier=RecordingNotifier(),
                          tray_available=False)
    for fallback in (ann.fallback, others.fallback):
        qtbot.addWidget(fallback)
    make.request(crm["ann"], "Vault")  # rule 4: Ben decides it, never Ann
    qtbot.waitUntil(lambda: others.count == 1)
    feed.poll_now()
    assert ann.count == 0
    assert notifier.shown == []
    assert not ann.fallback.badge.isVisible()


def test_the_real_tray_icon_carries_the_count(qtbot, crm, make, feed):
    make.request(crm["alice"], "Fabrikam CRM")
    tray = ApproverTray(crm["ann"], feed, tray_available=True)
    assert tray.tray is not None
    assert tray.fallback is None
    assert tray.tray.toolTip() == "Access Desk: 1 request waiting for you"
    assert not tray.tray.icon().isNull()
    assert [a.text() for a in tray.menu.actions() if a.text() and a.isVisible()] == [
        "Open Approvals", "Open My Apps", "Quit Access Desk tray"]
    assert isinstance(tray.notifier, Notifier)


def test_the_fallback_notifier_shows_the_message_and_its_open_button(qtbot, crm):
    window = FallbackWindow(crm["ann"])
    qtbot.addWidget(window)
    notifier = Notifier(None, window)
    notifier.notify("New access request", "Alice Wu requests Fabrikam CRM", 42)
    assert "Alice Wu requests Fabrikam CRM" in window.latest.text()
    with qtbot.waitSignal(notifier.activated, check_params_cb=lambda rid: rid == 42):
        window.open_button.click()


def test_badge_icon_draws_for_any_count(qtbot):
    for count in (0, 1, 12, 250):
        assert not badge_icon(count).isNull()


def test_start_tray_without_a_system_tray_says_so_and_keeps_a_window(qtbot, crm, capsys):
    app = QApplication.instance()
    style, quit_on_close = app.styleSheet(), app.quitOnLastWindowClosed()
    try:
        tray = start_tray(crm["ann"], tray_available=False)
        qtbot.addWidget(tray.fallback)
        assert tray.fallback.isVisible()
        assert tray_module.NO_TRAY_MESSAGE in tray.fallback.no_tray.text()
        assert "no system tray" in capsys.readouterr().err
        tray.feed.stop()
        tray.setParent(None)
    finally:
        app.setStyleSheet(style)
        app.setQuitOnLastWindowClosed(quit_on_close)


RUN_TRAY = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from desktop.models.schema import open_database
    from desktop.models import User
    from desktop.ui.tray import FallbackWindow, run_tray
    app = QApplication(sys.argv[:1])
    open_database(sys.argv[1])
    def look_and_quit():
        shown = [w for w in app.topLevelWidgets() if isinstance(w, FallbackWindow)
                 and w.isVisible()]
        print("fallback windows:", len(shown), shown[0].badge.text() if shown else "")
        app.quit()
    QTimer.singleShot(700, look_and_quit)
    sys.exit(run_tray(User.get(User.upn == sys.argv[2])))
""")


def test_run_tray_where_there_is_no_tray(crm, make, db):
    make.request(crm["alice"], "Fabrikam CRM")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", RUN_TRAY, db.database, crm["ann"].upn],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "fallback windows: 1 1" in done.stdout
    assert "There is no system tray on this desktop" in done.stderr


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_tray_sends_queued_mail_in_the_background(qtbot, crm, admin, feed, smtp_server):
    from desktop.services import mail
    from desktop.services.core import transaction

    tray = ApproverTray(crm["ann"], feed, notifier=RecordingNotifier(), tray_available=False)
    assert tray.mail_timer.interval() == 30_000
    assert tray.mail_first.interval() == 5_000
    assert tray.mail_first.isSingleShot()
    assert not tray.mail_timer.isActive()  # start_tray starts it; a bare tray stays quiet
    with transaction():
        mail.queue("ann@example.test", "Hello from the outbox", "Body\n", "<tray-1@access-desk>")

    tray.on_mail_timer_timeout()  # SMTP is not set up yet: nothing happens, nothing fails
    qtbot.waitUntil(lambda: not tray.mail_sending)
    assert mail.counts() == {"queued": 1}

    mail.configure(admin, host="127.0.0.1", port=smtp_server.port, security="none",
                   user=smtp_server.user, password=smtp_server.password,
                   sender="desk@example.test")
    tray.on_mail_timer_timeout()
    assert tray.mail_sending  # the GUI thread only started it
    qtbot.waitUntil(lambda: len(smtp_server.received) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not tray.mail_sending)
    assert smtp_server.received[0].message_id == "<tray-1@access-desk>"
    assert mail.counts() == {"sent": 1}

    tray.start_mail_sender()
    assert tray.mail_timer.isActive()
    assert tray.mail_first.isActive()
    tray.stop_mail_sender()
    assert not tray.mail_timer.isActive()


def test_a_failing_mail_round_is_only_logged(qtbot, crm, admin, feed, caplog, monkeypatch):
    from desktop.errors import UsageError
    from desktop.services import mail
    from desktop.services.core import transaction

    tray = ApproverTray(crm["ann"], feed, notifier=RecordingNotifier(), tray_available=False)
    mail.configure(admin, host="127.0.0.1", port=_closed_port(), security="none",
                   sender="desk@example.test")
    with transaction():
        mail.queue("ann@example.test", "Hello", "Body\n", "<tray-2@access-desk>")
    tray.on_mail_timer_timeout()
    qtbot.waitUntil(lambda: not tray.mail_sending, timeout=10_000)
    assert mail.counts() == {"queued": 1}  # tried, refused, queued again for later
    assert any("not sent" in r.getMessage() for r in caplog.records)

    def broken() -> None:
        raise UsageError("the database is on holiday")

    monkeypatch.setattr(tray_module, "send_pending_mail", broken)
    tray.on_mail_timer_timeout()
    qtbot.waitUntil(lambda: not tray.mail_sending, timeout=10_000)
    assert any(r.getMessage() == "sending e-mail failed: the database is on holiday"
               for r in caplog.records)


def _closed_port() -> int:
    """A port nobody listens on: bound for a moment, then released."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
