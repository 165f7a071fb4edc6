"""Signed-in devices: team mode's open sessions; a device can be signed out (audited).

A Global Administrator sees everyone's, searchable by person; any other administrator his own
(desktop.services.sessions enforces it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QTableView, QVBoxLayout, QWidget

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.common import (
    Banner,
    ConfirmDialog,
    EmptyState,
    SearchBox,
    button,
    label,
    setup_table,
    shortcut,
    transparent,
    when,
)
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

TIME_SAMPLE = when("2026-12-28T20:00:00Z")  # the widest a time gets in a column
NOBODY = ("Nobody is signed in through an Access Desk server. Desktops and scripts that "
          "connect with --server appear here.")
NOBODY_OWN = ("None of your devices is signed in through an Access Desk server. Your desktops "
              "and scripts that connect with --server appear here.")
NO_MATCH = "No signed-in device of a person matching this search."
# Below this page width "Signed in" is hidden (the confirmation still says it): the other
# times and the client keep room to be read whole.
NARROW_BELOW = 900


def duration(hours: float) -> str:
    """12 -> '12 hours', 168 -> '7 days', 1 -> '1 hour'."""
    if hours >= 24 and hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} day{'s' if days != 1 else ''}"
    whole = f"{hours:g}"
    return f"{whole} hour{'s' if hours != 1 else ''}"


def client_words(row: dict[str, Any]) -> str:
    return row["client"] or "an unnamed client"


class SessionsPage(QWidget):
    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.everyone = "global_admin" in self.backend.desk()["roles"]
        limits = self.backend.call("sessions.lifetimes")
        idle, most = duration(limits["idle_hours"]), duration(limits["absolute_hours"])
        self.hint = label(
            "A desktop or a script that signs in to an Access Desk server holds a session "
            f"until it signs out, goes unused for {idle}, or reaches {most}. Signing a device "
            "out ends its session at once: it must sign in again with a password to go on."
            + ("" if self.everyone else
               " You see your own devices only; a Global Administrator sees everyone's."),
            "hint", wrap=True)
        self.search = SearchBox("Search by person", "Search signed-in devices")
        self.sign_out_button = button("Sign out device…", "remove", name="Sign out device",
                                      tip="End the selected device's session: it must sign "
                                          "in again (Delete)")
        self.message = Banner("info", name="Signed-in devices message")
        self.message.hide()
        self.model = PagedTableModel([
            Column("name", "Person", icon=lambda _r: icon("user"), primary=True,
                   cell_tooltip=lambda r: f"{r['name']} ({r['upn']})"),
            Column("client", "Client", formatter=lambda v: v or "(not named)",
                   tooltip="What the device said it is when it signed in"),
            Column("address", "Address", tooltip="The network address it signed in from"),
            Column("since", "Signed in", formatter=when, samples=(TIME_SAMPLE,)),
            Column("last_seen", "Last seen", formatter=when, samples=(TIME_SAMPLE,),
                   tooltip="Its last request to the server (noted once a minute at most)"),
            Column("expires_at", "Ends", formatter=when, samples=(TIME_SAMPLE,),
                   tooltip=f"When the session ends unless used again: {idle} unused, "
                           f"{most} after signing in at the latest"),
        ], self._fetch, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "Signed-in devices", stretch=None)
        # His own devices only: the Person column would say his name on every row.
        self.view.setColumnHidden(self.model.column_index("name"), not self.everyone)
        self._narrow = False
        self.empty = EmptyState(NOBODY if self.everyone else NOBODY_OWN, no_match=NO_MATCH)
        self.empty.hide()
        # Delete signs the selected device out while the table has the focus.
        self.delete_shortcut = shortcut(self.view, QKeySequence.StandardKey.Delete,
                                        self.sign_out, Qt.ShortcutContext.WidgetShortcut)
        self._reselect: int | None = None

        self.tools = transparent(QWidget())
        tools = QHBoxLayout(self.tools)
        tools.setContentsMargins(0, 0, 0, 0)
        tools.setSpacing(8)
        tools.addWidget(self.search, 1)
        self.search.setVisible(self.everyone)  # others see their own devices only
        if not self.everyone:
            tools.addStretch(1)
        tools.addWidget(self.sign_out_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(label("Signed-in devices", "heading"))
        layout.addWidget(self.hint)
        layout.addWidget(self.tools)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        self._connect_signals()
        self._update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        narrow = event.size().width() < NARROW_BELOW
        if narrow != self._narrow:
            self._narrow = narrow
            self.view.setColumnHidden(self.model.column_index("since"), narrow)
        super().resizeEvent(event)

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.on_model_error_raised)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        self.sign_out_button.clicked.connect(self.on_sign_out_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "sessions.list", search=search, limit=limit, offset=offset, sort=sort)

    def focus_search(self) -> None:
        if self.everyone:
            self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.search.selectAll()
        else:
            self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh(self) -> None:
        self.model.refresh()  # its loaded signal updates the page (on_model_loaded)

    def selected(self) -> dict[str, Any] | None:
        return self.model.row_at(self.view.currentIndex())

    def sign_out(self) -> bool:
        """Sign the selected device out, once confirmed."""
        row = self.selected()
        if row is None:
            return False
        own = bool(row.get("current"))
        where = f" at {row['address']}" if row["address"] else ""
        text = (f"{row['name']} ({row['upn']}) is signed in on {client_words(row)}{where} "
                f"since {when(row['since'])}. Signing it out ends this session at once: that "
                "device must sign in again with a password to go on.")
        if own:
            text += " This is the session you are using: you will have to sign in again."
        if not ConfirmDialog.ask(self, f"Sign out {row['name']}'s device?", text,
                                 "Sign out device", danger=True):
            return False
        self._reselect = self.view.currentIndex().row()
        try:
            self.backend.call("sessions.revoke", session_id=row["id"])
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            self.model.refresh()  # signed out meanwhile: the row goes
            return False
        self.message.show_text(f"Signed out {row['name']}'s device ({client_words(row)}). It "
                               "must sign in again to go on.", "success")
        after_own_write(self, self.model.refresh)
        return True

    def on_model_loaded(self) -> None:
        if self.model.last_error is None and self.message.property("tone") == "error":
            self.message.hide()
        if (self._reselect is not None and not self.view.currentIndex().isValid()
                and self.model.rowCount()):
            # The next device is ready for another Delete.
            self.view.selectRow(min(self._reselect, self.model.rowCount() - 1))
        self._reselect = None
        self._update()

    def on_model_error_raised(self, text: str) -> None:
        self.message.show_text(text, "error")

    def on_view_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update()

    def on_sign_out_button_clicked(self) -> None:
        self.sign_out()

    def _update(self) -> None:
        self.empty.stand_in_for(self.view, self.model)
        # Nobody signed in and no search typed: nothing to search or sign out.
        self.tools.setVisible(self.model.rowCount() > 0 or bool(self.search.text())
                              or self.model.search_text is not None)
        self.sign_out_button.setEnabled(self.selected() is not None)
