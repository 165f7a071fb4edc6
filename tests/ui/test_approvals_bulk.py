"""Approving many requests from the Approvals window: the work runs off the GUI thread batch
by batch, the window re-reads its lists once at the end (not at every notice of the live
feed meanwhile), and Cancel stops between batches, leaving the rest pending."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from PySide6.QtWidgets import QProgressDialog, QPushButton

from desktop.models import AccessRequest, User
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.approvals import decision as decision_module
from desktop.ui.approvals import window as window_module


@pytest.fixture
def pending(make) -> dict[str, Any]:
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    ids = [make.request(make.user(f"user{i:02d}"), "Fabrikam CRM").id for i in range(20)]
    return {"ann": ann, "ids": ids}


def _open(qtbot, user: User, feed) -> ApprovalsWindow:
    window = ApprovalsWindow(User.get_by_id(user.id), feed)
    qtbot.addWidget(window)
    window.show()
    return window


def _spy(window: ApprovalsWindow, before_decide=None) -> Counter[str]:
    """Counts the window's service calls by name; `before_decide(n)` runs before the n-th
    batch (on whichever thread decides)."""
    calls: Counter[str] = Counter()
    real = window.backend.call

    def call(name: str, /, **params: Any) -> Any:
        calls[name] += 1
        if name == "approvals.decide" and before_decide is not None:
            before_decide(calls[name])
        return real(name, **params)

    window.backend.call = call  # type: ignore[method-assign]
    return calls


def test_approving_many_reads_the_lists_once_at_the_end(qtbot, pending, feed, monkeypatch):
    for module in (decision_module, window_module):
        monkeypatch.setattr(module, "BATCH", 4, raising=False)
    window = _open(qtbot, pending["ann"], feed)
    page = window.pending_page
    assert page.select_ids(pending["ids"]) == 20
    # Each batch takes longer than the feed's poll: it reports the decisions mid-way.
    calls = _spy(window, lambda _n: time.sleep(0.08))
    refreshes = window.pending_stale.refreshes
    header, badge = window.header_stale.refreshes, window.badge_stale.refreshes

    page.approve_button.click()
    qtbot.waitUntil(lambda: not page.busy and page.last_summary is not None, timeout=10_000)
    qtbot.wait(300)  # any refresh still due would come now

    assert len(page.last_summary.decided) == 20
    assert calls["approvals.decide"] == 5
    assert window.pending_stale.refreshes == refreshes + 1
    assert window.badge_stale.refreshes == badge + 1
    assert window.header_stale.refreshes == header  # decisions change only the badge
    assert calls["approvals.pending"] == 1
    assert calls["approvals.counts"] == 1
    assert page.model.rowCount() == 0
    assert window.tabs.tabText(0) == "Pending"
    assert "Approved 20 of 20 requests." in page.outcome.text.text()


def test_cancel_stops_between_batches_and_leaves_the_rest_pending(qtbot, pending, feed,
                                                                   monkeypatch):
    for module in (decision_module, window_module):
        monkeypatch.setattr(module, "BATCH", 5, raising=False)
    window = _open(qtbot, pending["ann"], feed)
    page = window.pending_page
    page.select_ids(pending["ids"])
    second_batch, go_on = threading.Event(), threading.Event()

    def hold_the_second(n: int) -> None:
        if n == 2:
            second_batch.set()
            go_on.wait(3)

    _spy(window, hold_the_second)
    page.approve_button.click()
    qtbot.waitUntil(second_batch.is_set, timeout=5000)
    # The progress shows once the run has lasted SHOW_AFTER ms (the second batch waits).
    qtbot.waitUntil(lambda: page.findChild(QProgressDialog) is not None
                    and page.findChild(QProgressDialog).isVisible(), timeout=5000)
    dialog = page.findChild(QProgressDialog)
    assert "5 of 20 requests decided" in dialog.labelText()
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    cancel.click()
    assert "Stopping" in dialog.labelText()
    go_on.set()  # the batch under way is written; no other starts
    qtbot.waitUntil(lambda: not page.busy and page.last_summary is not None, timeout=5000)

    summary = page.last_summary
    assert summary.cancelled
    assert summary.decided == pending["ids"][:10]
    statuses = {r.id: r.status for r in AccessRequest.select()}
    assert [statuses[i] for i in pending["ids"][10:]] == ["pending"] * 10
    text = page.outcome.text.text()
    assert "Approved 10 of 20 requests; stopped: the other 10 are still pending." in text
    assert page.model.rowCount() == 10
    assert page.findChild(QProgressDialog) is None or not page.findChild(
        QProgressDialog).isVisible()


def test_the_rows_decided_are_those_selected_with_the_mouse(qtbot, pending, feed):
    """What Approve acts on is what is highlighted: a range with Shift+click, less one row
    Ctrl+clicked away, plus one row Ctrl+clicked further down (read from the selection's
    ranges, not row by row)."""
    from PySide6.QtCore import Qt

    window = _open(qtbot, pending["ann"], feed)
    page = window.pending_page
    table = page.table

    def click(row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        rect = table.visualRect(page.model.index(row, 1))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())

    click(1)
    click(6, Qt.KeyboardModifier.ShiftModifier)
    click(3, Qt.KeyboardModifier.ControlModifier)
    click(9, Qt.KeyboardModifier.ControlModifier)
    expected = [page.model.row_data(r)["id"] for r in (1, 2, 4, 5, 6, 9)]
    assert [r["id"] for r in page.selected_rows()] == expected

    page.approve_button.click()
    qtbot.waitUntil(lambda: not page.busy and page.last_summary is not None, timeout=10_000)
    assert sorted(page.last_summary.decided) == sorted(expected)
    approved = {r.id for r in AccessRequest.select().where(AccessRequest.status == "approved")}
    assert approved == set(expected)
