"""My Apps' Request new apps tab: the self-service catalog, and the request made there."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QHBoxLayout, QTableView, QVBoxLayout, QWidget

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.common import (
    Banner,
    EmptyState,
    ErrorLabel,
    MessageLabel,
    SearchBox,
    app_icon,
    button,
    setup_table,
)
from desktop.ui.keys import SearchListKeys
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

from .request_dialog import RequestDialog, approval_statement

STATE_LABELS = {
    "requestable": "Available to request",
    "requested": "Requested",
    "owned": "You have it",
    "license_required": "License required",
    "no_approver": "No approver available",
}
STATE_ICONS = {"requestable": "request", "requested": "info", "owned": "approve",
               "license_required": "lock", "no_approver": "warning"}


def lasts_label(value: str | None) -> str:
    """Rule 18, for the catalog's column: "30 days", "Until 12 March 2027", or "No end"."""
    if not value:
        return "No end"
    return value[0].upper() + value[1:]


class CatalogPage(QWidget):
    """The self-service catalog: searchable, owned and requested ones marked, not hidden."""

    def __init__(self, actor: Any, feed: Any, parent: QWidget | None = None) -> None:
        # feed: the window's live feed (LiveFeed or RemoteFeed), for poll_now after a write
        super().__init__(parent)
        self.actor = actor  # the person's row, or a backend (desktop/api/backend.py)
        self.backend = as_backend(actor)
        self.feed = feed
        self.license_message: str | None = None
        self.request_dialog: RequestDialog | None = None
        # The pending request the outcome banner tells about, followed until decided.
        self.outcome_request: int | None = None

        self.license_banner = Banner("warning", name="License")
        self.license_banner.hide()
        self.outcome = Banner("info", name="Request outcome")
        self.outcome.hide()
        self.search = SearchBox("Search by name, publisher or description",
                                "Search the catalog")
        self.request_button = button("Request…", kind="primary",
                                     name="Request the selected application",
                                     tip="Request the selected application (Ctrl+R)")
        self.error = ErrorLabel(name="Catalog error")
        # Why the selected application cannot be requested (rule 4: no approver), as the
        # request itself would be refused.
        self.why_not = MessageLabel("hint", "Why it cannot be requested")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.request_button)

        columns = [
            Column("name", "Application", sortable=False, primary=True,
                   icon=lambda row: app_icon(row["name"])),
            Column("publisher", "Publisher", sortable=False),
            Column("requires_approval", "Approval", sortable=False,
                   formatter=lambda v: "Needs approval" if v else "Added at once",
                   samples=("Needs approval", "Added at once")),
            Column("state", "Status", sortable=False,
                   formatter=lambda v: STATE_LABELS.get(v, v or ""),
                   icon=lambda row: icon(STATE_ICONS.get(row["state"], "info")),
                   samples=tuple(STATE_LABELS.values())),
            Column("access_lasts", "Access lasts", sortable=False, formatter=lasts_label,
                   samples=("30 days", "Until 30 September 2027"),
                   tooltip="How long access lasts once given (rule 18); an extension can be "
                           "requested from My Apps before it ends"),
            Column("description", "Description", sortable=False, stretch=True),
        ]
        self.model = PagedTableModel(columns, self._fetch, self, row_tooltip=self._tooltip)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "Self-service applications")
        self.table.setSortingEnabled(False)
        self.empty = EmptyState("No application is offered for self-service yet.",
                                no_match="No self-service application matches your search.")
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.license_banner)
        layout.addWidget(self.outcome)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.why_not)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        self._connect_signals()
        self.on_model_loaded()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.request_button.clicked.connect(self.on_request_button_clicked)
        # Down from the search goes into the list; Enter requests the row or the only match.
        SearchListKeys(self.search, self.table, self.on_row_picked)

    def on_row_picked(self, row: int) -> None:
        if row < 0:
            return
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        self.on_request_button_clicked()

    def _fetch(self, offset: int, limit: int, search: str | None, _sort: str | None
               ) -> list[dict[str, Any]]:
        view = self.backend.call("catalog", search=search, limit=limit, offset=offset)
        self.license_message = view["message"]
        return view["rows"]  # type: ignore[no-any-return]

    @staticmethod
    def _tooltip(row: dict[str, Any]) -> str:
        parts = [row["name"]]
        if row.get("description"):
            parts.append(row["description"])
        if row.get("access_lasts"):
            parts.append(f"Access lasts {row['access_lasts']}")
        parts.append(STATE_LABELS.get(row["state"], row["state"]))
        if row.get("reason"):
            parts.append(for_people(row["reason"]))
        return "\n".join(parts)

    def selected_row(self) -> dict[str, Any] | None:
        return self.model.row_at(self.table.currentIndex())

    def select_app(self, name: str) -> bool:
        for i, row in enumerate(self.model.rows()):
            if row["name"] == name:
                self.table.selectRow(i)
                self.table.setCurrentIndex(self.model.index(i, 0))
                return True
        return False

    def refresh(self) -> None:
        self.model.refresh()
        self.update_outcome()

    def on_model_loaded(self) -> None:
        self.license_banner.show_text(for_people(self.license_message), "warning")
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_current_row_changed(self.table.currentIndex(), QModelIndex())

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_data(current.row()) if current.isValid() else None
        self.request_button.setEnabled(bool(row and row["state"] == "requestable"))
        why = for_people(row.get("reason")) if row else ""
        self.why_not.show_message(why)
        if row and row["state"] == "requestable":
            self.request_button.setToolTip(
                f"Request {row['name']} (Ctrl+R). {approval_statement(self._preview(row))}")
        else:
            self.request_button.setToolTip(why or "Request the selected application (Ctrl+R)")

    @staticmethod
    def _preview(row: dict[str, Any]) -> dict[str, Any]:
        return {"app": row["name"], "requires_approval": row["requires_approval"],
                "approvers": [{"name": upn} for upn in row["approvers"]],
                "access_lasts": row.get("access_lasts")}

    def on_table_double_clicked(self, _index: QModelIndex) -> None:
        self.on_request_button_clicked()

    def on_request_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None or row["state"] != "requestable":
            return
        self.error.clear_message()
        try:
            dialog = RequestDialog(self.backend, row["name"], self)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.request_dialog = dialog
        dialog.submitted.connect(self.on_request_dialog_submitted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def on_request_dialog_submitted(self, view: dict[str, Any]) -> None:
        self.request_dialog = None
        if view["status"] == "approved":
            self.outcome_request = None
            self.outcome.show_text(f"{view['app']} was added to your apps. Find it under Apps.",
                                   "info")
        else:
            self.outcome_request = view["id"]
            self.show_outcome(view)
        after_own_write(self, self.refresh)

    def show_outcome(self, view: dict[str, Any]) -> None:
        """What became of the request made here: the banner follows it until it is decided."""
        app, status = view["app"], view["status"]
        reason = f": {view['reason']}" if view.get("reason") else ""
        texts = {
            "pending": (f"Your request for {app} is waiting for approval. Follow it under "
                        "My requests.", "info"),
            "approved": (f"Your request for {app} was approved. Find it under Apps.",
                         "success"),
            "denied": (f"Your request for {app} was denied{reason}.", "warning"),
            "cancelled": (f"Your request for {app} was cancelled.", "info"),
            "closed": (f"Your request for {app} was closed{reason}.", "warning"),
            "expired": (f"Your request for {app} expired{reason}.", "warning"),  # rule 16
        }
        text, tone = texts.get(status, texts["pending"])
        self.outcome.show_text(text, tone)
        if status != "pending":
            self.outcome_request = None  # decided: nothing more will change

    def update_outcome(self) -> None:
        if self.outcome_request is None:
            return
        try:
            view = self.backend.call("request.show", request_id=self.outcome_request)
        except AccessDeskError:
            self.outcome_request = None
            self.outcome.hide()  # the request is gone (the directory was reset)
            return
        self.show_outcome(view)
