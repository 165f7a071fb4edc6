"""The audit log, newest first: filters by application, actor and action; Verify chain."""

from __future__ import annotations

import json
import threading
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
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
from desktop.ui.workers import run_task

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
    """Signals:
      verified(bool): a Verify chain ended: True when the chain is intact (False when it is
        not, when the check failed or was cancelled).
    """

    verified = Signal(bool)
    # Events read per query while verifying (None: the service's own page) and how often the
    # bar moves (seconds); tests make pages small so that progress happens on the demo.
    verify_page: int | None = None
    verify_every = 0.2

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
        # While Verify chain runs (on a worker): how far it got, and Cancel.
        self.verify_text = label("Verifying the audit log…")
        self.verify_text.setAccessibleName("Verification progress")
        # Room for large counts, so the bar does not jump as the digits grow.
        self.verify_text.setMinimumWidth(self.verify_text.fontMetrics().horizontalAdvance(
            "5,000,000 of 5,000,000 events checked") + 8)
        self.verify_bar = QProgressBar()
        self.verify_bar.setAccessibleName("Verification progress bar")
        self.verify_bar.setTextVisible(False)
        self.verify_bar.setFixedHeight(10)
        self.verify_bar.setMinimumWidth(200)
        self.verify_cancel = button("Cancel", name="Cancel the verification",
                                    tip="Stop checking; nothing is concluded about the log")
        self.verify_row = QWidget()
        verify_layout = QHBoxLayout(self.verify_row)
        verify_layout.setContentsMargins(0, 0, 0, 0)
        verify_layout.setSpacing(8)
        verify_layout.addWidget(self.verify_text)
        verify_layout.addWidget(self.verify_bar, 1)
        verify_layout.addWidget(self.verify_cancel)
        self.verify_row.hide()
        self._verify_cancel: threading.Event | None = None
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
        layout.addWidget(self.verify_row)
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
        self.verify_cancel.clicked.connect(self.on_verify_cancel_clicked)
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

    @property
    def verifying(self) -> bool:
        return self._verify_cancel is not None

    def verify(self) -> None:
        """Verify chain, on a worker: the bar counts the events checked ("N of M"; through a
        server it only says the check runs there), Cancel stops it between two pages, and
        `verified` tells how it ended."""
        if self.verifying:
            return
        self._verify_cancel = cancel = threading.Event()
        backend, page, every = self.backend, self.verify_page, self.verify_every

        def work(progressed: Any) -> dict[str, Any]:
            if backend.remote:  # the server reads the log; no counts come back from it
                return backend.call("audit.check")  # type: ignore[no-any-return]
            from desktop.services import auditchain  # this process holds the database

            with auditchain.progress(lambda done, total: progressed("verify", done, total),
                                     every=every, page=page, cancelled=cancel.is_set):
                return backend.call("audit.check")  # type: ignore[no-any-return]

        self.verify_bar.setRange(0, 0)  # busy until the first count
        self.verify_text.setText("Verifying the audit log on the server…" if backend.remote
                                 else "Verifying the audit log…")
        self.verify_cancel.setVisible(not backend.remote)
        self.verify_cancel.setEnabled(True)
        self.verify_row.show()
        self.verify_button.setEnabled(False)
        self.verdict.hide()
        run_task(work, progressed=self.on_verify_progressed, succeeded=self.on_verify_succeeded,
                 failed=self.on_verify_failed, finished=self.on_verify_finished)

    def on_verify_progressed(self, _stage: str, done: int, total: int) -> None:
        if self._verify_cancel is None or self._verify_cancel.is_set():
            return
        self.verify_bar.setRange(0, max(total, 1))
        self.verify_bar.setValue(min(done, max(total, 1)))
        self.verify_text.setText(f"{done:,} of {total:,} events checked")

    def on_verify_cancel_clicked(self) -> None:
        if self._verify_cancel is None:
            return
        self._verify_cancel.set()
        self.verify_cancel.setEnabled(False)
        self.verify_text.setText("Cancelling: stopping after this page of events…")

    def on_verify_succeeded(self, verdict: dict[str, Any]) -> None:
        if verdict["ok"]:
            # The message names both ranges (old formula, signed) and the checkpoints.
            text = " ".join([f"Verified: {verdict['message']}.",
                             *(for_people(note) for note in verdict["notes"])])
            tone = "info" if verdict["notes"] else "success"
        else:
            text, tone = f"The audit log was tampered with: {verdict['message']}.", "error"
        self.verdict.show_text(text, tone)
        self._checked = (text, tone, self._newest_seq())
        self._end_verify()
        self.verified.emit(bool(verdict["ok"]))

    def on_verify_failed(self, message: str) -> None:
        cancelled = self._verify_cancel is not None and self._verify_cancel.is_set()
        # Cancelled: "Verification cancelled after N events; nothing was concluded."
        self.verdict.show_text(for_people(message), "info" if cancelled else "error")
        self._checked = None
        self._end_verify()
        self.verified.emit(False)

    def on_verify_finished(self) -> None:
        self._end_verify()

    def _end_verify(self) -> None:
        self._verify_cancel = None
        self.verify_row.hide()
        self.verify_button.setEnabled(True)

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
