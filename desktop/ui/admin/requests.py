"""Requests: every request, filtered by state; an administrator may close a pending one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QTableView, QVBoxLayout, QWidget

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.admin.widgets import RIGHT, page_splitter
from desktop.ui.common import (
    STATUS_LABELS,
    Banner,
    EmptyState,
    ReasonDialog,
    SearchBox,
    accessible,
    app_icon,
    button,
    label,
    setup_table,
    when,
)
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

TIME_SAMPLE = when("2026-12-28T20:00:00Z")  # the widest a time gets in a column
STATUS_ICONS = {"pending": "request", "approved": "approve", "denied": "deny",
                "cancelled": "cancel", "closed": "lock", "expired": "warning"}


class RequestsPage(QWidget):
    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.status = accessible(QComboBox(), "Show requests with status")
        self.status.addItem("All states", None)
        for value, text in STATUS_LABELS.items():
            self.status.addItem(icon(STATUS_ICONS[value]), text, value)
        self.status.setCurrentIndex(1)  # pending: what needs attention
        self.search = SearchBox("Search by application or requester", "Search requests")
        self.close_button = button("Close request…", "lock", name="Close request",
                                   tip="Close a pending request with a reason the requester "
                                       "sees")
        self.message = Banner("info", name="Requests message")
        self.message.hide()
        self.model = PagedTableModel([
            Column("id", "ID", align=RIGHT),
            Column("app", "Application", icon=lambda r: app_icon(r["app"]), primary=True),
            Column("requester", "Requester"),
            Column("status", "Status", formatter=lambda v: STATUS_LABELS.get(v, v),
                   icon=lambda r: icon(STATUS_ICONS.get(r["status"], "info")),
                   samples=tuple(STATUS_LABELS.values())),
            Column("created_at", "Requested", formatter=when, samples=(TIME_SAMPLE,)),
            Column("decided_by", "Decided by", sortable=False),
            Column("decided_at", "Decided", formatter=when, samples=(TIME_SAMPLE,)),
        ], self._fetch, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "Requests", stretch=None)
        self._show_decision_columns()
        self.empty = EmptyState("No request matches.")
        self.detail_title = label("", "question")
        self.detail = label("", wrap=True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAccessibleName("Request details")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)

        tools = QHBoxLayout()
        tools.setSpacing(8)
        tools.addWidget(label("Status", "hint"))
        tools.addWidget(self.status)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.close_button)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.view, 1)
        table_layout.addWidget(self.empty)
        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(4, 6, 4, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail, 1)
        splitter = page_splitter(Qt.Orientation.Vertical, table_box, detail_box,
                                 stretch=(4, 1))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(label("Requests", "heading"))
        layout.addLayout(tools)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._connect_signals()
        self._update()

    def _connect_signals(self) -> None:
        self.status.currentIndexChanged.connect(self.on_status_current_index_changed)
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.on_model_error_raised)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        self.close_button.clicked.connect(self.on_close_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "requests.list", scope="all", limit=limit, offset=offset, sort=sort,
            status=self.status.currentData(), search=search)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        self.model.refresh()  # its loaded signal updates the page (on_model_loaded)

    def set_status(self, status: str | None) -> None:
        self.status.setCurrentIndex(max(0, self.status.findData(status)))

    def selected(self) -> dict[str, Any] | None:
        return self.model.row_at(self.view.currentIndex())

    def close_request(self) -> bool:
        row = self.selected()
        if row is None or row["status"] != "pending":
            return False
        reason = ReasonDialog.ask(
            self, f"Close request {row['id']}?",
            f"Close {row['requester']}'s request for {row['app']}. The requester sees your "
            "reason and may ask again later.", "Close request")
        if reason is None:
            return False
        try:
            self.backend.call("request.close", request_id=row["id"], reason=reason)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"Closed request {row['id']}.", "info")
        after_own_write(self, self.model.refresh)
        return True

    def _show_decision_columns(self) -> None:
        """Pending requests have no decider nor decision time: those columns leave room."""
        pending = self.status.currentData() == "pending"
        for key in ("decided_by", "decided_at"):
            self.view.setColumnHidden(self.model.column_index(key), pending)

    def on_status_current_index_changed(self, _index: int) -> None:
        self.message.hide()
        self._show_decision_columns()
        self.model.reload()

    def on_model_loaded(self) -> None:
        if self.model.last_error is None and self.message.property("tone") == "error":
            self.message.hide()
        self._update()

    def on_model_error_raised(self, text: str) -> None:
        self.message.show_text(text, "error")

    def on_view_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update()

    def on_close_button_clicked(self) -> None:
        self.close_request()

    def _update(self) -> None:
        empty = self.model.rowCount() == 0
        self.view.setVisible(not empty)
        self.empty.setVisible(empty)
        status = self.status.currentData()
        self.empty.setText(f"No {STATUS_LABELS[status].lower()} request matches."
                           if status else "No request matches.")
        row = self.selected()
        self.close_button.setEnabled(row is not None and row["status"] == "pending")
        if row is None:
            self.detail_title.setText("")
            self.detail.setText("Select a request to read its justification and outcome.")
            return
        self.detail_title.setText(f"Request {row['id']}: {row['requester']} asks for "
                                  f"{row['app']}")
        lines = [f"Justification: {row['justification'] or '(none given)'}",
                 f"Status: {STATUS_LABELS.get(row['status'], row['status'])}"]
        if row["decided_at"]:
            lines.append(f"Decided by {row['decided_by'] or 'Access Desk'} at "
                         f"{when(row['decided_at'])}")
        if row["reason"]:
            lines.append(f"Reason: {row['reason']}")
        self.detail.setText("\n".join(lines))
