"""The Requests page: state filters, and closing a pending request with a reason."""

from __future__ import annotations

import pytest

from desktop.services import requests
from desktop.ui.common import ReasonDialog


@pytest.fixture
def page(admin_window):
    admin_window.show_page(2)
    return admin_window.requests


def statuses(page):
    return {page.model.row_data(r)["status"] for r in range(page.model.rowCount())}


def test_pending_first_then_any_state(page):
    assert statuses(page) == {"pending"}
    page.set_status(None)
    assert {"approved", "denied", "cancelled", "pending"} <= statuses(page)
    page.set_status("denied")
    assert statuses(page) == {"denied"}


def test_close_a_pending_request_with_a_reason(page, demo_db, monkeypatch):
    monkeypatch.setattr(ReasonDialog, "ask", classmethod(lambda *a, **k: "Licence on order"))
    page.view.selectRow(0)
    rid = page.selected()["id"]
    assert page.close_button.isEnabled()
    page.close_button.click()
    shown = requests.show(demo_db, rid)
    assert shown["status"] == "closed"
    assert shown["reason"] == "Licence on order"
    assert shown["decided_by"] == demo_db.upn
    assert rid not in [page.model.row_data(r)["id"] for r in range(page.model.rowCount())]


def test_closing_needs_a_reason(page, monkeypatch):
    monkeypatch.setattr(ReasonDialog, "ask", classmethod(lambda *a, **k: "   "))
    page.view.selectRow(0)
    assert page.close_request() is False
    assert "needs a reason" in page.message.text.text()


def test_decided_requests_cannot_be_closed(page):
    page.set_status("approved")
    page.view.selectRow(0)
    assert not page.close_button.isEnabled()
