"""Pages refresh only when seen, once per change (desktop.ui.staleness, PagedTableModel.refresh)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPersistentModelIndex

from desktop.live import LiveFeed
from desktop.models import Change, User
from desktop.ui.admin import AdminWindow
from desktop.ui.admin.window import AUDIT, REQUESTS
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.tablemodel import Column, PagedTableModel


def count_fetches(model: PagedTableModel) -> list[tuple[int, int]]:
    """Wrap the model's service call: every (offset, limit) it is asked for is recorded."""
    calls: list[tuple[int, int]] = []
    fetch = model._fetch

    def counting(offset: int, limit: int, search: Any, sort: Any) -> list[dict[str, Any]]:
        calls.append((offset, limit))
        return fetch(offset, limit, search, sort)

    model.set_fetch(counting, reload=False)
    return calls


def test_a_hidden_page_is_not_queried_on_a_change_and_is_current_when_shown(qtbot, demo_db):
    from desktop.services import requests

    feed = LiveFeed()  # never started: the test emits its signals itself
    w = AdminWindow(demo_db, feed)
    qtbot.addWidget(w)
    w.show()  # on Enterprise applications: the audit log is hidden
    calls = count_fetches(w.audit.model)
    newest = w.audit.model.row_data(0)["seq"]
    first = w.requests.model.row_data(0)
    requests.close(demo_db, first["id"], "handled by phone")  # as if another desktop did it
    feed.audit_changed.emit()
    qtbot.wait(20)
    assert calls == []  # hidden: marked stale only
    w.show_page(AUDIT)
    assert len(calls) == 1  # shown: read once, before it is painted
    assert w.audit.model.row_data(0)["seq"] > newest


def test_a_visible_page_refreshes_once_per_change_burst_off_the_gui_thread(qtbot, demo_db):
    from desktop.services import requests

    feed = LiveFeed()
    w = AdminWindow(demo_db, feed)
    qtbot.addWidget(w)
    w.show()
    w.show_page(REQUESTS)
    model = w.requests.model
    pending = model.rowCount()
    calls = count_fetches(model)
    requests.close(demo_db, model.row_data(0)["id"], "handled by phone")
    # One burst as the feed emits it: every signal the Requests page depends on.
    feed.directory_changed.emit()
    feed.settings_changed.emit(0)
    feed.requests_changed.emit()
    qtbot.waitUntil(lambda: model.rowCount() == pending - 1)
    qtbot.wait(50)
    assert len(calls) == 1
    assert model.background_reads == 1  # the read ran on the pool, the rows came back here


def test_an_own_write_refreshes_once(qtbot, make, feed):
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    first = make.request(make.user("alice"), "Fabrikam CRM")
    make.request(make.user("carl"), "Fabrikam CRM")
    window = ApprovalsWindow(User.get_by_id(ann.id), feed)
    qtbot.addWidget(window)
    window.show()
    page = window.pending_page
    calls = count_fetches(page.model)
    page.select_ids([first.id])
    page.approve_button.click()
    assert page.model.rowCount() == 1  # at once, for the approver who clicked
    qtbot.wait(200)  # the feed's own polls come and go
    assert len(calls) == 1
    assert window.pending_count == 1


def test_the_feed_says_whether_this_process_made_the_change(qtbot, make, feed):
    from desktop.services import core

    make.user("alice")
    with qtbot.waitSignal(feed.changed, timeout=2000) as own:
        make.user("carl")  # a write use case of this process
    assert own.args[0].own
    assert "directory" in own.args[0].topics
    with qtbot.waitSignal(feed.changed, timeout=2000) as elsewhere:
        Change.create(topic="requests", entity_id=None, at=core.now())  # another desktop's row
    assert not elsewhere.args[0].own


def test_refresh_rereads_the_rows_on_screen_and_selected_not_every_loaded_row(qtbot,
                                                                             qtmodeltester):
    asked: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int, search: Any, sort: Any) -> list[dict[str, Any]]:
        asked.append((offset, limit))
        return [{"id": i, "name": f"row {i}"} for i in range(offset, min(offset + limit, 1000))]

    model = PagedTableModel([Column("name", "Name")], fetch, page_size=50)
    while model.rowCount() < 300:
        model.fetchMore()
    asked.clear()
    model.refresh()  # nothing painted, nothing selected: the first page only
    assert asked == [(0, 50)]
    assert model.rowCount() == 50
    assert model.canFetchMore()
    while model.rowCount() < 300:
        model.fetchMore()
    model.cell(120, 0)  # a view painted rows up to 120
    selected = QPersistentModelIndex(model.index(60, 0))
    asked.clear()
    model.refresh()
    assert asked == [(0, 150)]  # the pages down to the last row seen
    assert selected.isValid()
    assert model.id_at(selected.row()) == 60
    qtmodeltester.check(model)  # last: the tester reads every row (as if painted)
    model.refresh()
