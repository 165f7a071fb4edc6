"""The audit log, newest first: filters by application, actor and action; Verify chain."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.admin.widgets import RIGHT, page_splitter
from desktop.ui.common import (
    Banner,
    EmptyState,
    accessible,
    button,
    label,
    name_clear_button,
    setup_table,
    when,
)
from desktop.ui.completer import MAX_SUGGESTIONS, SearchCompleter
from desktop.ui.tablemodel import Column, PagedTableModel

ACTIONS = [
    ("All actions", None),
    ("Self-service settings", "selfservice."),
    ("Requests", "request."),
    ("  Request made", "request.create"),
    ("  Request approved", "request.approve"),
    ("  Request denied", "request.deny"),
    ("  Request cancelled", "request.cancel"),
    ("  Request closed", "request.close"),
    ("Access removed or role changed", "access."),
    ("Applications", "app."),
    ("Users", "user."),
    ("Groups", "group."),
    ("Credentials", "credentials."),
    ("Imports and exports", "import."),
]


class AuditPage(QWidget):
    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.filters: dict[str, Any] = {}
        self.app_filter = accessible(QLineEdit(), "Filter by application")
        self.app_filter.setPlaceholderText("Any application")
        self.app_filter.setClearButtonEnabled(True)
        self.actor_filter = accessible(QLineEdit(), "Filter by actor")
        self.actor_filter.setPlaceholderText("Any actor (user name)")
        self.actor_filter.setClearButtonEnabled(True)
        self.action_filter = accessible(QComboBox(), "Filter by action")
        for text, value in ACTIONS:
            self.action_filter.addItem(text, value)
        self.verify_button = button("Verify chain", "verify",
                                    tip="Recompute every event's hash, in order, and check "
                                    "the signed checkpoints")
        self.verdict = Banner("verify", name="Verification result")
        self.verdict.hide()
        # What the last check said, its tone, and the newest event it covered.
        self._checked: tuple[str, str, int] | None = None
        self.message = Banner("info", name="Audit message")
        self.message.hide()
        self.model = PagedTableModel([
            Column("seq", "#", align=RIGHT),
            Column("at", "Time", formatter=when, samples=(when("2026-12-28T20:00:00Z"),)),
            Column("actor", "Actor", formatter=lambda v: v or "Access Desk"),
            Column("action", "Action"),
            Column("target", "Target", stretch=True),
        ], self._fetch, self, id_key="seq")
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "Audit events")
        self.empty = EmptyState("No event matches these filters.")
        self.empty.hide()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Event details")
        self.details.setPlaceholderText("Select an event to see its details and hash.")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSize(9)
        self.details.setFont(mono)
        self._set_completers()
        name_clear_button(self.app_filter)
        name_clear_button(self.actor_filter)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(label("Application", "hint"))
        filters.addWidget(self.app_filter, 2)
        filters.addWidget(label("Actor", "hint"))
        filters.addWidget(self.actor_filter, 2)
        filters.addWidget(label("Action", "hint"))
        filters.addWidget(self.action_filter, 2)
        header = QHBoxLayout()
        header.addWidget(label("Audit log", "heading"), 1)
        header.addWidget(self.verify_button)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.view, 1)
        table_layout.addWidget(self.empty)
        splitter = page_splitter(Qt.Orientation.Vertical, table_box, self.details,
                                 stretch=(3, 1))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.verdict)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._connect_signals()

    def _set_completers(self) -> None:
        """Suggest application names and user names as they are typed, asked from the
        database (word prefixes, at most MAX_SUGGESTIONS): never a list loaded up front."""
        SearchCompleter(self.app_filter, self._suggest_applications,
                        name="Application suggestions")
        SearchCompleter(self.actor_filter, self._suggest_actors, name="Actor suggestions")
        self.app_filter.setToolTip("Type part of an application's name: matching applications "
                                   "are suggested as you type. Enter applies the filter.")
        self.actor_filter.setToolTip("Type part of a person's name or user name: matching "
                                     "user names are suggested as you type. Enter applies "
                                     "the filter.")

    def _suggest_applications(self, text: str) -> list[str]:
        rows = self.backend.call("apps.list", search=text, limit=MAX_SUGGESTIONS)
        return [row["name"] for row in rows]

    def _suggest_actors(self, text: str) -> list[str]:
        rows = self.backend.call("users.list", search=text, limit=MAX_SUGGESTIONS)
        return [row["upn"] for row in rows]

    def _connect_signals(self) -> None:
        self.app_filter.editingFinished.connect(self.on_filters_changed)
        self.actor_filter.editingFinished.connect(self.on_filters_changed)
        self.app_filter.textChanged.connect(self.on_filter_text_changed)
        self.actor_filter.textChanged.connect(self.on_filter_text_changed)
        self.action_filter.currentIndexChanged.connect(self.on_filters_changed)
        self.verify_button.clicked.connect(self.verify)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.on_model_error_raised)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "audit.list", limit=limit, offset=offset, sort=sort, **self.filters)

    def focus_search(self) -> None:
        self.app_filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.app_filter.selectAll()

    def refresh(self) -> None:
        self.model.refresh()

    def set_filters(self, app: str | None = None, actor: str | None = None,
                    action: str | None = None) -> None:
        self.app_filter.setText(app or "")
        self.actor_filter.setText(actor or "")
        self.action_filter.blockSignals(True)
        index = self.action_filter.findData(action)
        if index < 0 and action:
            self.action_filter.addItem(action, action)
            index = self.action_filter.count() - 1
        self.action_filter.setCurrentIndex(max(0, index))
        self.action_filter.blockSignals(False)
        self.on_filters_changed()

    def verify(self) -> bool:
        try:
            verdict = self.backend.call("audit.check")
        except AccessDeskError as exc:
            self.verdict.show_text(for_people(exc), "error")
            return False
        if verdict["ok"]:
            # The message names both ranges (old formula, signed) and the checkpoints.
            text = " ".join([f"Verified: {verdict['message']}.",
                             *(for_people(note) for note in verdict["notes"])])
            tone = "info" if verdict["notes"] else "success"
        else:
            text, tone = f"The audit log was tampered with: {verdict['message']}.", "error"
        self.verdict.show_text(text, tone)
        self._checked = (text, tone, self._newest_seq())
        return bool(verdict["ok"])

    def _newest_seq(self) -> int:
        try:
            newest = self.backend.call("audit.list", limit=1)
        except AccessDeskError:
            return 0
        return int(newest[0]["seq"]) if newest else 0

    def _date_verdict(self) -> None:
        """A check's result is about the events written before it: say when newer ones came."""
        if self._checked is None or not self.verdict.isVisibleTo(self):
            return
        text, tone, seq = self._checked
        newest = self._newest_seq()
        if newest == seq:
            self.verdict.show_text(text, tone)
            return
        if newest > seq:
            count = newest - seq
            news = f"{count} new events were" if count > 1 else "1 new event was"
            note = f"{news} written since this check: Verify chain again to include them."
        else:
            note = "The audit log changed since this check: Verify chain again."
        self.verdict.show_text(f"{text} {note}", "info" if tone == "success" else tone)

    def on_filter_text_changed(self, text: str) -> None:
        # The clear button empties the field without finishing the edit: apply at once.
        if not text:
            self.on_filters_changed()

    def on_filters_changed(self, *_args: object) -> None:
        filters = {"app": self.app_filter.text().strip() or None,
                   "actor_upn": self.actor_filter.text().strip() or None,
                   "action": self.action_filter.currentData()}
        filters = {k: v for k, v in filters.items() if v}
        if filters != self.filters:
            self.filters = filters
            self.message.hide()
            self.model.reload()

    def on_model_loaded(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty and self.model.last_error is None)
        self.view.setVisible(not empty)
        if self.model.last_error is None:
            self.message.hide()
        # New events arrive while one is read: its details stay (the selection is kept).
        self.on_view_current_changed(self.view.currentIndex(), QModelIndex())
        self._date_verdict()

    def on_model_error_raised(self, text: str) -> None:
        self.message.show_text(text, "error")

    def on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.setPlainText("")
            return
        event = self.model.row_data(current.row())
        text = json.dumps(event["details"], indent=2, ensure_ascii=False, sort_keys=True)
        self.details.setPlainText(
            f"Event {event['seq']} · {when(event['at'])} · {event['actor'] or 'Access Desk'}\n"
            f"{event['action']} {event['target'] or ''}\n{text}\nhash {event['hash']}")
