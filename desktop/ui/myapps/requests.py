"""My Apps' My requests tab: the person's requests, fresh decisions in bold, Cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QTableView, QVBoxLayout, QWidget

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.common import (
    STATUS_LABELS,
    Banner,
    ConfirmDialog,
    EmptyState,
    ErrorLabel,
    MessageLabel,
    SearchBox,
    app_icon,
    button,
    label,
    setup_table,
    status_column,
)
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

from .parts import bold, day, when

DAY_SAMPLE = day("2026-09-28T12:00:00Z")  # the widest a date gets in a column
# The notices banner's kinds; with the decisions the list shows, what the page shows as seen.
NOTICE_KINDS = ("access_removed", "role_changed", "credentials",
                "access_ending", "access_ended", "access_extended")  # rule 18
SEEN_KINDS = ("decided", *NOTICE_KINDS)


class RequestsModel(PagedTableModel):
    """My requests; rows whose outcome the user has not seen yet are bold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fresh_ids: set[int] = set()

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            if self.id_at(index.row()) in self.fresh_ids:
                parent = self.parent()
                font = parent.font() if isinstance(parent, QWidget) else None
                if font is not None:
                    return bold(font)
        return super().data(index, role)


class RequestsPage(QWidget):
    """The user's requests with status, approver, reason and dates; Cancel for pending ones."""

    def __init__(self, actor: Any, feed: Any, parent: QWidget | None = None) -> None:
        # feed: the window's live feed (LiveFeed or RemoteFeed), for poll_now after a write
        super().__init__(parent)
        self.actor = actor  # the person's row, or a backend (desktop/api/backend.py)
        self.backend = as_backend(actor)
        self.feed = feed

        self.notices = Banner("warning", name="Changes to your access")
        self.notices.hide()
        self.search = SearchBox("Search by application or status", "Search your requests")
        self.cancel_button = button("Cancel request", "cancel", name="Cancel the selected request",
                                    tip="Cancel the selected pending request")
        self.refresh_button = button("", "refresh", name="Refresh", tip="Refresh (F5)")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.cancel_button)
        top.addWidget(self.refresh_button)
        self.error = ErrorLabel(name="Requests error")
        self.result = MessageLabel("hint", "Result")

        columns = [
            Column("app", "Application", sort_key="app", primary=True,
                   icon=lambda row: app_icon(row["app"])),
            status_column(),
            Column("approver", "Approver", sortable=False),
            Column("created_at", "Requested", formatter=day, samples=(DAY_SAMPLE,)),
            Column("decided_at", "Decided", formatter=day, samples=(DAY_SAMPLE,)),
            Column("reason", "Reason", sortable=False, stretch=True),
        ]
        self.model = RequestsModel(columns, self._fetch, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "Your requests")
        self.detail = label("", "hint", wrap=True)
        self.detail.setAccessibleName("Selected request")
        self.empty = EmptyState("You have not requested any application yet.",
                                no_match="No request matches your search.")
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.notices)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.result)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.detail)
        self._connect_signals()
        self.on_model_loaded()
        self.update_notices()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.refresh_button.clicked.connect(self.refresh)

    def _fetch(self, offset: int, limit: int, search: str | None, sort: str | None
               ) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "me.requests", search=search, limit=limit, offset=offset, sort=sort)

    def refresh(self) -> None:
        self.model.refresh()
        self.update_notices()

    def update_notices(self) -> None:
        """A line per recent change an administrator made to the user's access."""
        try:
            rows = self.backend.call("me.notifications", limit=3, kinds=list(NOTICE_KINDS))
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        lines = [f"{'New: ' if not n['read'] else ''}{day(n['created_at'])}: {n['message']}"
                 for n in rows]
        self.notices.show_text("\n".join(lines) if lines else None,
                               "warning" if any(not n["read"] for n in rows) else "info")

    def mark_seen(self) -> None:
        """The user is looking: what was unread stays bold this time, and the badge clears."""
        try:
            unread = self.backend.call("me.notifications.unread")
            self.model.fresh_ids |= set(unread["request_ids"])
            changed = self.backend.call("me.notifications.read", ids=None,
                                        kinds=list(SEEN_KINDS))["changed"]
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        if changed:
            self.feed.poll_now()
        self.table.viewport().update()

    def forget_fresh(self) -> None:
        self.model.fresh_ids.clear()
        self.table.viewport().update()

    def selected_row(self) -> dict[str, Any] | None:
        return self.model.row_at(self.table.currentIndex())

    def select_request(self, request_id: int) -> bool:
        row = self.model.row_of(request_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def on_model_loaded(self) -> None:
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_current_row_changed(self.table.currentIndex(), QModelIndex())

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_data(current.row()) if current.isValid() else None
        self.cancel_button.setEnabled(bool(row and row["status"] == "pending"))
        if row is None:
            self.detail.setText("")
            return
        status = STATUS_LABELS[row["status"]].lower()
        dates = f"requested {when(row['created_at'])}"
        if row["decided_at"]:
            dates += f", {status} {when(row['decided_at'])}"
        parts = [f"Request {row['id']} for {row['app']}: {dates}."]
        parts.append(f"Your justification: {row['justification'] or '(none)'}")
        if row["status"] == "pending":
            parts.append(f"Waiting for: {row['approver']}")
        elif row["reason"] and row["decided_by"]:
            parts.append(f"Reason given by {row['approver']}: {row['reason']}")
        elif row["reason"]:
            parts.append(f"Reason: {row['reason']}")
        self.detail.setText("\n".join(parts))

    def on_cancel_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None or row["status"] != "pending":
            return
        if not ConfirmDialog.ask(self, "Cancel request",
                                 f"Cancel your request for {row['app']}? You can ask again "
                                 "later.", "Cancel request", danger=True):
            return
        self.error.clear_message()
        try:
            self.backend.call("request.cancel", request_id=row["id"])
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.result.show_message(f"Your request for {row['app']} was cancelled.")
        after_own_write(self, self.refresh)
