"""The E-mail page: SMTP settings, a test e-mail, and the outbox with Send now."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.admin.widgets import RIGHT, busy_bar, form_frame
from desktop.ui.common import (
    Banner,
    EmptyState,
    accessible,
    button,
    label,
    setup_table,
    transparent,
    when,
)
from desktop.ui.tablemodel import Column, PagedTableModel
from desktop.ui.workers import run_task

SECURITY_LABELS = {"starttls": "STARTTLS", "tls": "TLS (SMTPS)", "none": "None"}
SECURITY_TIPS = {
    "starttls": "Connect in plain text, then switch to TLS (usually port 587)",
    "tls": "TLS from the first byte (usually port 465)",
    "none": "No encryption: only for a relay on this machine or a trusted network (port 25)",
}
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
STATUS_FILTERS = [("All messages", None), ("Queued", "queued"), ("Sending", "sending"),
                  ("Sent", "sent"), ("Failed", "failed")]
STORED_PASSWORD = "•••• (stored)"


def short_time(iso_text: str | None) -> str:
    """'2026-10-14T06:00:02Z' -> '2026-10-14 06:00'; the column header says UTC."""
    return when(iso_text).removesuffix(" UTC")


def counts_text(counts: dict[str, Any]) -> str:
    return "  ·  ".join(f"{counts.get(key, 0)} {key}" for key in ("queued", "sent", "failed"))


class EmailPage(QWidget):
    """SMTP settings saved through services.mail.configure; the password is write-only here.
    The settings form is an EditorPage (desktop.ui.editor); the outbox below it is not.

    Signals:
      dirty_changed(bool): the settings form differs (or no longer differs) from what is stored.
    """

    dirty_changed = Signal(bool)

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.loaded: dict[str, Any] = {}
        self.status: str | None = None
        self._loading = False
        self._was_dirty = False
        self._previous_security = "starttls"
        self.test_running = False
        self.send_running = False
        self._build()
        self._connect_signals()
        self.load()

    # --- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.counts = label("", "hint")
        self.counts.setAccessibleName("Outbox counts")
        self.counts.setToolTip("Messages in the outbox by status")
        header = QHBoxLayout()
        header.addWidget(label("E-mail", "heading"), 1)
        header.addWidget(self.counts, 0, Qt.AlignmentFlag.AlignBottom)
        intro = label("Access Desk e-mails approvers about new requests and requesters about "
                      "decisions, for applications that ask for it. Messages wait in the "
                      "outbox; the approvers' tray sends them every 30 seconds.", "hint",
                      wrap=True)

        self.host = accessible(QLineEdit(), "SMTP server")
        self.host.setPlaceholderText("smtp.example.com")
        self.host.setToolTip("The host name or address of the SMTP server")
        self.port = accessible(QLineEdit(), "Port")
        self.port.setValidator(QIntValidator(1, 65535, self.port))
        self.port.setText(str(DEFAULT_PORTS["starttls"]))
        self.port.setToolTip("587 for STARTTLS, 465 for TLS, 25 without encryption")
        self.port.setFixedWidth(100)
        self.security = accessible(QComboBox(), "Security")
        for value, text in SECURITY_LABELS.items():
            self.security.addItem(text, value)
            self.security.setItemData(self.security.count() - 1, SECURITY_TIPS[value],
                                      Qt.ItemDataRole.ToolTipRole)
        self.security.setToolTip("How the connection to the server is encrypted")
        self.user = accessible(QLineEdit(), "User name")
        self.user.setPlaceholderText("Empty: the server needs no login")
        self.user.setToolTip("The account Access Desk logs in with; empty sends without a login")
        self.password = accessible(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip("Stored encrypted and never shown again; type a new one only "
                                 "to replace it")
        self.sender_address = accessible(QLineEdit(), "Sender address")
        self.sender_address.setPlaceholderText("access-desk@example.com")
        self.sender_address.setToolTip("The From address of every message")
        self.save_button = button("Save", "save", kind="primary",
                                  tip="Save the SMTP settings (Ctrl+S)")
        self.discard_button = button("Discard", "discard",
                                     tip="Forget the changes and show what is stored (Esc)")
        self.settings_message = Banner("info", name="SMTP settings message")
        self.settings_message.hide()

        self.test_to = accessible(QLineEdit(), "Test recipient")
        self.test_to.setPlaceholderText("someone@example.com")
        self.test_to.setToolTip("Who receives the test e-mail")
        self.test_button = button("Send test e-mail", "mail",
                                  tip="Send one message now with the saved settings (unsaved "
                                      "changes are saved first)")
        self.test_busy = busy_bar("Sending the test e-mail")
        self.test_message = Banner("info", name="Test e-mail result")
        self.test_message.hide()

        settings_box = form_frame()
        grid = QGridLayout(settings_box)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        grid.setColumnMinimumWidth(2, 110)
        grid.addWidget(label("SMTP server", "question"), 0, 0, 1, 4)
        fields: tuple[tuple[str, QWidget, str, QWidget], ...] = (
            ("Server", self.host, "Port", self.port),
            ("Security", self.security, "User name", self.user),
            ("Sender address", self.sender_address, "Password", self.password))
        for row, (text_left, left, text_right, right) in enumerate(fields, start=1):
            grid.addWidget(self._field_label(text_left, left), row, 0)
            grid.addWidget(left, row, 1)
            grid.addWidget(self._field_label(text_right, right), row, 2)
            if right is self.port:
                grid.addWidget(right, row, 3, Qt.AlignmentFlag.AlignLeft)
            else:
                grid.addWidget(right, row, 3)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(self.save_button)
        bar.addWidget(self.discard_button)
        bar.addStretch(1)
        grid.addLayout(bar, 4, 0, 1, 4)
        grid.addWidget(self.settings_message, 5, 0, 1, 4)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: palette(mid);")
        grid.addWidget(line, 6, 0, 1, 4)
        test_row = transparent(QWidget())
        test_layout = QHBoxLayout(test_row)
        test_layout.setContentsMargins(0, 0, 0, 0)
        test_layout.setSpacing(8)
        test_layout.addWidget(self.test_to, 1)
        test_layout.addWidget(self.test_button)
        test_layout.addWidget(self.test_busy)
        grid.addWidget(self._field_label("Test e-mail to", self.test_to), 7, 0)
        grid.addWidget(test_row, 7, 1, 1, 3)
        grid.addWidget(self.test_message, 8, 0, 1, 4)

        self.status_filter = accessible(QComboBox(), "Filter the outbox by status")
        for text, status in STATUS_FILTERS:
            self.status_filter.addItem(text, status)
        self.status_filter.setToolTip("Show only messages with this status")
        self.send_button = button("Send now", "mail",
                                  tip="Send every message that is due now, without waiting "
                                      "for the tray")
        self.send_busy = busy_bar("Sending the outbox")
        self.refresh_button = button("Refresh", "refresh", name="Refresh the outbox",
                                     tip="Read the outbox again (F5)")
        self.outbox_message = Banner("info", name="Outbox message")
        self.outbox_message.hide()
        self.model = PagedTableModel([
            Column("to", "To", sortable=False),
            Column("subject", "Subject", sortable=False, stretch=True),
            Column("status", "Status", sortable=False,
                   formatter=lambda v: (v or "").capitalize(),
                   samples=("Queued", "Sent", "Failed")),
            Column("attempts", "Attempts", sortable=False, align=RIGHT,
                   tooltip="Tries so far; a failed try is repeated later, a few times "
                           "before the message is marked failed"),
            Column("last_error", "Last error", sortable=False, stretch=True,
                   tooltip="Why the last try failed"),
            Column("created_at", "Created (UTC)", sortable=False, formatter=short_time,
                   samples=(short_time("2026-12-28T20:00:00Z"),)),
            Column("sent_at", "Sent (UTC)", sortable=False, formatter=short_time,
                   samples=(short_time("2026-12-28T20:00:00Z"),)),
        ], self._fetch, self, row_tooltip=self._row_tooltip)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "Outbox")
        # The outbox comes newest first from the service; it has no other order to offer.
        self.view.setSortingEnabled(False)
        self.empty = EmptyState("The outbox is empty.")
        self.empty.hide()

        outbox_bar = QHBoxLayout()
        outbox_bar.setSpacing(8)
        outbox_bar.addWidget(label("Outbox", "question"))
        outbox_bar.addSpacing(12)
        outbox_bar.addWidget(self.status_filter)
        outbox_bar.addStretch(1)
        outbox_bar.addWidget(self.send_busy)
        outbox_bar.addWidget(self.refresh_button)
        outbox_bar.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(intro)
        layout.addWidget(settings_box)
        layout.addSpacing(4)
        layout.addLayout(outbox_bar)
        layout.addWidget(self.outbox_message)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)

    @staticmethod
    def _field_label(text: str, buddy: QWidget) -> QWidget:
        widget = label(text)
        widget.setBuddy(buddy)
        return widget

    def _connect_signals(self) -> None:
        for edit in (self.host, self.user, self.password, self.sender_address):
            edit.textChanged.connect(self.on_form_changed)
        self.port.textChanged.connect(self.on_form_changed)
        self.security.currentIndexChanged.connect(self.on_security_changed)
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard)
        self.test_button.clicked.connect(self.send_test)
        self.test_to.returnPressed.connect(self.send_test)
        self.send_button.clicked.connect(self.send_now)
        self.refresh_button.clicked.connect(self.refresh)
        self.status_filter.currentIndexChanged.connect(self.on_status_filter_changed)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.on_model_error_raised)

    # --- the page protocol the window uses ---------------------------------------------------

    def load(self) -> None:
        """Show the stored settings; the password field stays empty whatever is stored."""
        try:
            self.loaded = self.backend.call("mail.settings")
        except AccessDeskError as exc:
            self.settings_message.show_text(for_people(exc), "error")
            return
        self._loading = True
        try:
            s = self.loaded
            self.host.setText(s.get("host") or "")
            security = s.get("security") or "starttls"
            self.security.setCurrentIndex(max(0, self.security.findData(security)))
            self._previous_security = security
            self.port.setText(str(s.get("port") or DEFAULT_PORTS.get(security, 587)))
            self.user.setText(s.get("user") or "")
            self.sender_address.setText(s.get("sender") or "")
            self.password.clear()
            stored = s.get("password") == "set"
            self.password.setPlaceholderText(STORED_PASSWORD if stored else "")
            self.password.setAccessibleDescription(
                "A password is stored; type a new one to replace it" if stored
                else "No password is stored")
            if not self.test_to.text():
                desk = self.backend.desk()
                self.test_to.setText(desk.get("mail") or desk["upn"])
        finally:
            self._loading = False
        self._update_dirty()
        self._update_counts()

    def form(self) -> dict[str, Any]:
        """What Save would send; the password only when one was typed."""
        values: dict[str, Any] = {
            "host": self.host.text().strip(), "port": self.port_value(),
            "security": self.security.currentData(), "user": self.user.text().strip(),
            "sender": self.sender_address.text().strip(),
        }
        if self.password.text():
            values["password"] = self.password.text()
        return values

    def port_value(self) -> int | None:
        text = self.port.text().strip()
        return int(text) if text.isdigit() else None

    def is_dirty(self) -> bool:
        if not self.loaded:
            return False
        form = self.form()
        stored = {"host": self.loaded.get("host") or "",
                  "port": int(self.loaded.get("port") or DEFAULT_PORTS.get(
                      self.loaded.get("security") or "starttls", 587)),
                  "security": self.loaded.get("security") or "starttls",
                  "user": self.loaded.get("user") or "",
                  "sender": self.loaded.get("sender") or ""}
        return "password" in form or any(form[k] != v for k, v in stored.items())

    def save(self) -> bool:
        if self.port_value() is None:
            self.settings_message.show_text("Type the port of the SMTP server (1 to 65535).",
                                            "error")
            self.port.setFocus()
            return False
        try:
            self.backend.call("mail.configure", **self.form())
        except AccessDeskError as exc:
            self.settings_message.show_text(for_people(exc), "error")
            return False
        self.load()
        self.settings_message.show_text("The SMTP settings were saved.", "success")
        return True

    def discard(self) -> None:
        self.settings_message.hide()
        self.load()

    def refresh(self) -> None:
        self.refresh_outbox()
        if not self.is_dirty():
            self.load()

    def refresh_outbox(self) -> None:
        """The outbox and its counts only (mail was queued): the form is left as it is."""
        self.model.refresh()
        self._update_counts()

    def focus_search(self) -> None:
        self.status_filter.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- background work --------------------------------------------------------------------

    def send_test(self) -> None:
        if self.test_running:
            return
        to = self.test_to.text().strip()
        if "@" not in to:
            self.test_message.show_text("Type the e-mail address the test should go to.",
                                        "error")
            self.test_to.setFocus()
            return
        if self.is_dirty() and not self.save():
            self.test_message.hide()
            return
        self._set_test_running(True)
        self.test_message.show_text(f"Sending a test e-mail to {to}…", "info")
        backend = self.backend
        run_task(lambda: backend.call("mail.test", to=to), succeeded=self.on_test_succeeded,
                 failed=self.on_test_failed, finished=self.on_test_finished)

    def send_now(self) -> None:
        if self.send_running:
            return
        self._set_send_running(True)
        self.outbox_message.hide()
        backend = self.backend
        run_task(lambda: backend.call("mail.send"), succeeded=self.on_send_succeeded,
                 failed=self.on_send_failed, finished=self.on_send_finished)

    def _set_test_running(self, running: bool) -> None:
        self.test_running = running
        self.test_button.setEnabled(not running)
        self.test_busy.setVisible(running)

    def _set_send_running(self, running: bool) -> None:
        self.send_running = running
        self.send_button.setEnabled(not running)
        self.send_busy.setVisible(running)

    # --- slots ------------------------------------------------------------------------------

    def on_form_changed(self, *_args: object) -> None:
        if not self._loading:
            self.settings_message.hide()
        self._update_dirty()

    def on_security_changed(self, _index: int) -> None:
        security = self.security.currentData()
        # Follow the usual port of the new mode unless someone typed a port of their own.
        if not self._loading and self.port_value() == DEFAULT_PORTS.get(self._previous_security):
            self.port.setText(str(DEFAULT_PORTS[security]))
        self._previous_security = security
        self.security.setToolTip(SECURITY_TIPS.get(security, ""))
        self.on_form_changed()

    def on_status_filter_changed(self, _index: int) -> None:
        self.status = self.status_filter.currentData()
        self.model.reload()

    def on_test_succeeded(self, result: dict[str, Any]) -> None:
        self.test_message.show_text(f"The test e-mail was sent to {result['to']}. Check that "
                                    "it arrived.", "success")

    def on_test_failed(self, message: str) -> None:
        self.test_message.show_text(for_people(message), "error")

    def on_test_finished(self) -> None:
        self._set_test_running(False)

    def on_send_succeeded(self, result: dict[str, int]) -> None:
        if result.get("not_configured"):
            self.outbox_message.show_text("Nothing was sent: set the SMTP server and the "
                                          "sender address above, then save.", "warning")
            return
        sent, failed = result.get("sent", 0), result.get("failed", 0)
        if not sent and not failed:
            self.outbox_message.show_text("No message was due.", "info")
        elif failed:
            self.outbox_message.show_text(
                f"{sent} sent, {failed} not sent: see Last error; they are tried again later.",
                "warning")
        else:
            self.outbox_message.show_text(f"{sent} message{'s' if sent != 1 else ''} sent.",
                                          "success")

    def on_send_failed(self, message: str) -> None:
        self.outbox_message.show_text(for_people(message), "error")

    def on_send_finished(self) -> None:
        self._set_send_running(False)
        self.model.refresh()
        self._update_counts()

    def on_model_loaded(self) -> None:
        empty = self.model.rowCount() == 0 and self.model.last_error is None
        self.empty.setText("The outbox is empty." if self.status is None
                           else f"No {self.status} message.")
        self.empty.setVisible(empty)
        self.view.setVisible(not empty)

    def on_model_error_raised(self, text: str) -> None:
        self.outbox_message.show_text(text, "error")

    # --- internals --------------------------------------------------------------------------

    def _fetch(self, offset: int, limit: int, _search: str | None,
               _sort: str | None) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "mail.outbox", status=self.status, limit=limit, offset=offset)

    @staticmethod
    def _row_tooltip(row: dict[str, Any]) -> str | None:
        return row.get("last_error")

    def _update_counts(self) -> None:
        self.counts.setText(counts_text(self.backend.call("mail.counts")))
        self.counts.setAccessibleDescription(self.counts.text())

    def _update_dirty(self) -> None:
        dirty = self.is_dirty()
        self.discard_button.setEnabled(dirty)
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)
