"""The audit log page: newest first, filters, and Verify chain."""

from __future__ import annotations

import pytest

from desktop.models import AuditEvent


@pytest.fixture
def page(admin_window):
    admin_window.show_page(3)
    return admin_window.audit


def test_newest_first(page):
    seqs = [page.model.row_data(r)["seq"] for r in range(5)]
    assert seqs == sorted(seqs, reverse=True)


def test_verify_chain_reports_success(page):
    page.verify_button.click()
    assert page.verdict.isVisible()
    assert "intact" in page.verdict.text.text()
    assert page.verdict.property("tone") == "success"


def test_verify_chain_reports_tampering(page):
    AuditEvent.update(target="someone else").where(AuditEvent.seq == 5).execute()
    assert page.verify() is False
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
    assert "no application named" in page.message.text.text()


def test_selecting_an_event_shows_its_details(page):
    page.view.selectRow(0)
    assert "hash" in page.details.toPlainText()
