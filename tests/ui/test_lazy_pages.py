"""Nothing hidden is built or read before it is shown (issue 15 item 2): the Admin console's
pages, Approvals' History and Reviews, My Apps' other tabs. A page built when first shown shows
what an eagerly built one did, including a change made while it was hidden."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.api.backend import LocalBackend
from desktop.live import LiveFeed
from desktop.models import AccessRequest, User
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.window import APPLICATIONS, AUDIT, PAGES, REQUESTS


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every operation a window calls in process (desktop.api.backend.LocalBackend)."""
    made: list[str] = []
    call = LocalBackend.call

    def spying(self: LocalBackend, name: str, /, **params: Any) -> Any:
        made.append(name)
        return call(self, name, **params)

    monkeypatch.setattr(LocalBackend, "call", spying)
    return made


def rows(page: Any) -> list[tuple[Any, ...]]:
    model = page.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def test_opening_the_admin_console_builds_and_reads_only_the_page_shown(
        qtbot, demo_db, calls, monkeypatch):
    built: list[int] = []
    build = AdminWindow._build_page
    monkeypatch.setattr(AdminWindow, "_build_page",
                        lambda self, index: built.append(index) or build(self, index))
    w = AdminWindow(demo_db, LiveFeed())
    qtbot.addWidget(w)
    w.show()
    qtbot.wait(20)
    assert built == [APPLICATIONS]
    assert w.applications.built_editors() == []  # an application's settings: when selected
    # Nothing the hidden pages list: requests, audit events, users, groups, mail, sessions.
    hidden = ("requests.list", "audit.list", "users.list", "admin.groups", "mail.outbox",
              "sessions.list", "access.list", "selfservice.show", "admin.selfservice_form",
              "admin.app_properties")
    assert not [name for name in calls if name.startswith(hidden)], calls
    # Ctrl+3 (the Go menu's shortcut) builds the Requests page and shows it.
    w.page_actions[REQUESTS].trigger()
    assert built == [APPLICATIONS, REQUESTS]
    assert w.stack.currentIndex() == REQUESTS
    assert w.requests.isVisible()
    assert w.windowTitle().endswith(PAGES[REQUESTS][0])


def test_a_page_built_when_first_shown_shows_a_change_made_while_it_was_hidden(
        qtbot, demo_db, calls):
    from desktop.services import requests
    from desktop.ui.admin.audit import AuditPage

    feed = LiveFeed()  # never started: the test emits its signals itself
    w = AdminWindow(demo_db, feed)
    qtbot.addWidget(w)
    w.show()
    pending = AccessRequest.select().where(AccessRequest.status == "pending").first()
    requests.close(demo_db, pending.id, "handled by phone")  # as another desktop would
    feed.audit_changed.emit()
    feed.requests_changed.emit()
    qtbot.wait(20)
    assert w.built_page(AUDIT) is None  # hidden: nothing built, nothing read
    w.show_page(AUDIT)
    assert w.audit.isVisible()
    assert calls.count("audit.list") == 1  # built, read once (not re-read for the change)
    shown = rows(w.audit)
    assert "request.close" in shown[0]
    assert f"request {pending.id}" in shown[0]
    eager = AuditPage(w.backend)  # as the console built it before
    qtbot.addWidget(eager)
    assert shown == rows(eager)


def test_approvals_reads_history_and_reviews_when_first_shown(qtbot, make, calls):
    from desktop.services import requests
    from desktop.ui.approvals import ApprovalsWindow, HistoryPage

    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    first = make.request(make.user("alice", name="Alice Wu"), "Fabrikam CRM")
    second = make.request(make.user("carl", name="Carl Diaz"), "Fabrikam CRM")
    requests.approve(ann, first.id, "ok")
    feed = LiveFeed()
    window = ApprovalsWindow(User.get_by_id(ann.id), feed)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(20)
    assert "approvals.decided" not in calls
    assert "reviews.items" not in calls
    assert not window.history_tab.is_built()
    assert not window.reviews_tab.is_built()
    requests.deny(ann, second.id, "no seats")  # while History is hidden
    feed.requests_changed.emit()
    qtbot.wait(20)
    assert "approvals.decided" not in calls
    window.tabs.setCurrentWidget(window.history_tab)
    assert window.tabs.currentWidget() is window.history_page
    assert calls.count("approvals.decided") == 1
    shown = rows(window.history_page)
    assert [row[:2] for row in shown] == [("Fabrikam CRM", "Carl Diaz"),
                                          ("Fabrikam CRM", "Alice Wu")]
    eager = HistoryPage(window.backend)
    qtbot.addWidget(eager)
    assert shown == rows(eager)


def test_my_apps_reads_my_requests_when_first_shown_with_a_request_made_meanwhile(
        qtbot, make, calls):
    from desktop.ui.myapps import MyAppsWindow
    from desktop.ui.myapps.requests import RequestsPage
    from desktop.ui.myapps.window import REQUESTS_TAB

    bob = make.user("bob", license="p2", name="Bob Approver")
    alice = make.user("alice", name="Alice Wu")
    make.selfservice_app("Fabrikam CRM", approvers=(bob,))
    feed = LiveFeed()
    window = MyAppsWindow(User.get_by_id(alice.id), feed)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(20)
    assert not window.catalog_tab.is_built()
    assert not window.requests_tab.is_built()
    assert "me.requests" not in calls
    assert "catalog" not in calls
    before = len(calls)
    make.request(alice, "Fabrikam CRM")  # from another desktop, while the tab is hidden
    feed.requests_changed.emit()
    qtbot.wait(20)
    assert calls[before:] == []  # Apps shows no request: nothing on screen depended on it
    window.tabs.setCurrentIndex(REQUESTS_TAB)
    shown = rows(window.requests_page)
    assert len(shown) == 1
    assert "Fabrikam CRM" in shown[0]
    eager = RequestsPage(window.backend, feed)
    qtbot.addWidget(eager)
    assert shown == rows(eager)
