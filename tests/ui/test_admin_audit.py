"""The audit log page: newest first, filters, and Verify chain."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.models import AuditEvent


@pytest.fixture
def page(admin_window):
    admin_window.show_page(3)
    return admin_window.audit


def test_newest_first(page):
    seqs = [page.model.row_data(r)["seq"] for r in range(5)]
    assert seqs == sorted(seqs, reverse=True)


def test_verify_chain_reports_success(qtbot, page):
    with qtbot.waitSignal(page.verified) as ended:
        page.verify_button.click()
    assert ended.args == [True]
    assert page.verdict.isVisible()
    assert "intact" in page.verdict.text.text()
    assert page.verdict.property("tone") == "success"


def test_verify_chain_reports_tampering(qtbot, page):
    AuditEvent.update(target="someone else").where(AuditEvent.seq == 5).execute()
    with qtbot.waitSignal(page.verified) as ended:
        page.verify()
    assert ended.args == [False]
    assert "event 5 was changed" in page.verdict.text.text()
    assert page.verdict.property("tone") == "error"


def test_filters_by_application_actor_and_action(page):
    page.set_filters(app="Fabrikam CRM", action="request.")
    rows = [page.model.row_data(r) for r in range(page.model.rowCount())]
    assert rows
    assert all(r["action"].startswith("request.") for r in rows)
    page.set_filters(actor="alice.wu@contoso.example")
    rows = [page.model.row_data(r) for r in range(page.model.rowCount())]
    assert rows
    assert {r["actor"] for r in rows} == {"alice.wu@contoso.example"}


def test_an_unknown_application_is_said_inline(page):
    page.set_filters(app="No Such App")
    assert page.message.isVisible()
    assert "No application named" in page.message.text.text()


def test_selecting_an_event_shows_its_details(page):
    page.view.selectRow(0)
    assert "hash" in page.details.toPlainText()


def test_a_check_is_dated_when_new_events_arrive_and_the_details_stay(qtbot, demo_db, person):
    from desktop.live import LiveFeed
    from desktop.services import requests
    from desktop.ui.admin import AdminWindow
    from desktop.ui.admin.window import AUDIT

    feed = LiveFeed(interval_ms=50)
    feed.start()
    window = AdminWindow(demo_db, feed)
    qtbot.addWidget(window)
    window.show()
    window.show_page(AUDIT)
    page = window.audit
    try:
        page.view.selectRow(2)
        details = page.details.toPlainText()
        assert details.startswith("Event ")
        with qtbot.waitSignal(page.verified) as ended:
            page.verify()
        assert ended.args == [True]
        checked = page.verdict.text.text()
        assert page.verdict.property("tone") == "success"
        requests.cancel(person("mateo.silva"), 26)  # as from another desktop: one event
        qtbot.waitUntil(lambda: "1 new event was written since this check" in
                        page.verdict.text.text(), timeout=1000)
        assert page.verdict.text.text().startswith(checked)
        assert "Verify chain again" in page.verdict.text.text()
        assert page.verdict.property("tone") == "info"
        assert page.details.toPlainText() == details  # the same event, still shown
        assert page.model.row_data(page.view.currentIndex().row())["action"] != "request.cancel"
        with qtbot.waitSignal(page.verified):
            page.verify_button.click()
        assert page.verdict.text.text() != checked
        assert "new event" not in page.verdict.text.text()
        assert page.verdict.property("tone") == "success"
    finally:
        feed.stop()


def test_the_log_follows_writes_that_change_nothing_else_on_screen(qtbot, demo_db):
    """An export made on another desktop is in the audit log at once (it publishes "audit")."""
    import io

    from desktop.live import LiveFeed
    from desktop.services import exports
    from desktop.ui.admin import AdminWindow
    from desktop.ui.admin.window import AUDIT

    feed = LiveFeed(interval_ms=50)
    feed.start()
    window = AdminWindow(demo_db, feed)
    qtbot.addWidget(window)
    window.show()
    window.show_page(AUDIT)
    page = window.audit
    try:
        assert page.model.row_data(0)["action"] != "export"
        exports.write(demo_db, "settings", "json", io.StringIO())
        qtbot.waitUntil(lambda: page.model.row_data(0)["action"] == "export", timeout=1000)
    finally:
        feed.stop()


@pytest.fixture
def slow_chain(monkeypatch):
    """Each event's hash takes 5 ms to recompute: a check of the demo's log lasts long
    enough to watch its progress and to cancel it."""
    import time

    from desktop import audithash

    formula2 = audithash.formula2

    def slow(*args):
        time.sleep(0.005)
        return formula2(*args)

    monkeypatch.setattr(audithash, "formula2", slow)


def test_verify_chain_shows_its_progress_and_the_window_stays_responsive(qtbot, page,
                                                                          slow_chain):
    events = AuditEvent.select().count()
    page.verify_page, page.verify_every = 20, 0
    formats: list[str] = []
    page.verify_bar.valueChanged.connect(lambda _v: formats.append(page.verify_text.text()))
    with qtbot.waitSignal(page.verified, timeout=20_000) as ended:
        page.verify_button.click()
        assert page.verify_row.isVisible()
        assert not page.verify_button.isEnabled()
        qtbot.waitUntil(lambda: "events checked" in page.verify_text.text(), timeout=5000)
        assert page.verify_bar.maximum() == events
        page.set_filters(action="request.")  # the page answers while the check runs
        assert page.verify_row.isVisible()
    assert ended.args == [True]
    assert f"20 of {events:,} events checked" in formats
    assert not page.verify_row.isVisible()
    assert page.verify_button.isEnabled()
    assert page.verdict.property("tone") == "success"


def test_cancel_stops_verify_chain_between_pages(qtbot, page, slow_chain):
    page.verify_page, page.verify_every = 10, 0
    with qtbot.waitSignal(page.verified, timeout=20_000) as ended:
        page.verify_button.click()
        qtbot.waitUntil(lambda: "events checked" in page.verify_text.text(), timeout=5000)
        qtbot.mouseClick(page.verify_cancel, Qt.MouseButton.LeftButton)
        assert "Cancelling" in page.verify_text.text()
    assert ended.args == [False]
    text = page.verdict.text.text()
    assert text.startswith("Verification cancelled after ")
    assert text.endswith(" events; nothing was concluded.")
    checked = int(text.split("after ")[1].split(" events")[0].replace(",", ""))
    assert 0 < checked < AuditEvent.select().count()
    assert checked % 10 == 0
    assert page.verdict.property("tone") == "info"
    assert not page.verify_row.isVisible()
