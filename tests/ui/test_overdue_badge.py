"""Rules 16-17 in the badges: once a pending request waited past its reminder (or was
escalated), the Approvals tab and the tray emphasise the count and the row says why;
deciding it takes the emphasis away."""

from __future__ import annotations

import datetime as dt

from desktop.models import User
from desktop.services import governance, notifications, requests, selfservice
from desktop.services.core import frozen_clock
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.tray import ApproverTray
from tests.ui.test_tray import RecordingNotifier

DAY = dt.timedelta(days=1)


def setup_ledger(make):
    boss = User.get_by_id(make.user("boss", license="p2", name="Bea Boss").id)
    make.selfservice_app("Ledger", approvers=(boss,))
    selfservice.update(make.admin, "Ledger", expire_days=14, remind_days=3)
    old = requests.create_request(make.user("alice", name="Alice Wu"), "Ledger")
    fresh = requests.create_request(make.user("bob", name="Bob Lee"), "Ledger")
    return boss, old["id"], fresh["id"]


def remind(request_id: int) -> None:
    """Three days later, the sweep reminds: both requests are then past their reminder."""
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + 3 * DAY + dt.timedelta(minutes=1)
    with frozen_clock(later, dt.timedelta(0)):
        assert governance.sweep(later)["requests_reminded"] == 2


def test_counts_say_how_many_waited_past_their_reminder(make):
    boss, old, _fresh = setup_ledger(make)
    assert notifications.pending_to_approve_counts(boss) == {"pending": 2, "overdue": 0}
    remind(old)
    assert notifications.pending_to_approve_counts(boss) == {"pending": 2, "overdue": 2}
    requests.approve(boss, old)
    assert notifications.pending_to_approve_counts(boss) == {"pending": 1, "overdue": 1}


def test_approvals_and_the_tray_emphasise_an_overdue_count(qtbot, make, feed):
    boss, old, fresh = setup_ledger(make)
    window = ApprovalsWindow(boss, feed)
    qtbot.addWidget(window)
    window.show()
    tray = ApproverTray(boss, feed, notifier=RecordingNotifier(), tray_available=True)
    index = window.tabs.indexOf(window.pending_page)
    assert window.tabs.tabText(index) == "Pending (2)"
    assert "past its reminder" not in tray.tray.toolTip()

    remind(old)  # as the sweep does it in another process: the feed tells both
    qtbot.waitUntil(lambda: window.tabs.tabText(index) == "Pending (2 · 2 overdue)")
    qtbot.waitUntil(lambda: "2 past its reminder" in tray.tray.toolTip())
    page = window.pending_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.model.row_data(0)["reminded"])
    age = [c.key for c in page.model.columns].index("created_at")
    tip = page.model.data(page.model.index(0, age), 3)  # Qt.ToolTipRole
    assert tip.startswith("Waiting past its reminder")
    assert page.model.data(page.model.index(0, age), 1) is not None  # the warning sign

    requests.approve(boss, old)
    requests.deny(boss, fresh, "Not now.")
    qtbot.waitUntil(lambda: window.tabs.tabText(index) == "Pending")
    qtbot.waitUntil(lambda: "past its reminder" not in tray.tray.toolTip())
