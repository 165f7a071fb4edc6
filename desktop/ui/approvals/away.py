"""Away… (rule 19): an approver says when he is away, and who decides for him meanwhile.

The dialog saves through the backend itself (`away.set`, `away.clear`), so a refusal (the
delegate is away too, a date in the past) shows in the dialog, which stays open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, for_people
from desktop.ui.common import ErrorLabel, SearchBox, accessible, button, label
from desktop.ui.keys import dialog_keys
from desktop.ui.periods import date_edit, directory_zone, zone_date

SEARCH_DELAY_MS = 250


class AwayDialog(QDialog):
    """From, to, and a delegate picked from the directory; Save, Back now (when set), Cancel."""

    def __init__(self, parent: QWidget | None, backend: Any, upn: str | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.upn = upn
        self.saved: dict[str, Any] | None = None
        current = backend.call("away.show", upn=upn)
        title = "Away" if upn is None else f"Away: {current['name']}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(480)
        today = QDate.currentDate()
        zone = directory_zone(backend)
        self.starts = date_edit("From", "The first day away (from its start, in the "
                                "directory's time zone)", today, zone=zone)
        self.ends = date_edit("To", "The last day away (until its end, in the directory's "
                              "time zone)", today.addDays(7), zone=zone)
        if current.get("to"):
            self.starts.setDate(zone_date(current["from"], zone))
            self.ends.setDate(zone_date(current["to"], zone, dt.timedelta(seconds=1)))
        self.search = SearchBox("Search people by name or user name", "Search delegates")
        self.delegate = accessible(QComboBox(), "Delegate",
                                   "Who decides the requests of your applications meanwhile")
        self.delegate.setToolTip("An enabled person with a P1 or P2 license who is not away; "
                                 "he sees your applications' requests in Approvals")
        self.delegate.setMinimumContentsLength(32)
        self._current_delegate = (current.get("delegate"), current.get("delegate_name"))
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.load_choices)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.error = ErrorLabel(name="Away error")
        form = QFormLayout()
        form.addRow("&From:", self.starts)
        form.addRow("&To:", self.ends)
        form.addRow("&Delegate:", self.search)
        form.addRow("", self.delegate)
        buttons = QDialogButtonBox()
        self.save_button = button("Save", kind="primary",
                                  tip="Save the period away and the delegate")
        self.back_button = button("Back now", name="Back now",
                                  tip="End the period away now (and drop those to come)")
        self.back_button.setVisible(bool(current.get("to")))
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.back_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        self.back_button.clicked.connect(self.on_back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label("When are you away?" if upn is None
                               else f"When is {current['name']} away?", "question"))
        layout.addWidget(label(
            ("While away you get no reminders and no e-mail; your applications' requests keep "
             "waiting for a decision. A delegate decides them for you meanwhile, and the audit "
             "log records both names." if upn is None else
             "While away this approver gets no reminders and no e-mail; the requests keep "
             "waiting. A delegate decides them meanwhile, and the audit log records both "
             "names. The approver and the delegate are told."), "hint", wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.load_choices()
        dialog_keys(self, self.starts, self.save_button, errors=[self.error])

    def load_choices(self) -> None:
        keep = self.delegate.currentData() if self.delegate.count() else \
            self._current_delegate[0]
        try:
            rows = self.backend.call("away.delegate_choices", search=self.search.text() or None,
                                     upn=self.upn, limit=50)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.delegate.clear()
        self.delegate.addItem("Nobody", None)
        upns = {r["upn"] for r in rows}
        if keep and keep not in upns and keep == self._current_delegate[0]:
            self.delegate.addItem(f"{self._current_delegate[1]} ({keep})", keep)
        for row in rows:
            text = f"{row['name']} ({row['upn']})"
            if row["unavailable_reason"]:
                text += " \u2014 cannot decide"
            self.delegate.addItem(text, row["upn"])
            item = self.delegate.model().item(self.delegate.count() - 1)  # type: ignore[attr-defined]
            if row["unavailable_reason"]:
                item.setEnabled(False)
                item.setToolTip(row["unavailable_reason"])
        index = self.delegate.findData(keep)
        self.delegate.setCurrentIndex(max(index, 0))

    def choice(self) -> dict[str, Any]:
        return {"upn": self.upn, "starts": self.starts.date().toString("yyyy-MM-dd"),
                "ends": self.ends.date().toString("yyyy-MM-dd"),
                "delegate": self.delegate.currentData()}

    def on_save(self) -> None:
        try:
            self.saved = self.backend.call("away.set", **self.choice())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    def on_back(self) -> None:
        try:
            self.saved = self.backend.call("away.clear", upn=self.upn)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, backend: Any, upn: str | None = None
            ) -> dict[str, Any] | None:
        """The period saved (or cleared), or None when cancelled. Raises AccessDeskError
        when the period cannot be read (not allowed, the server is gone)."""
        dialog = cls(parent, backend, upn)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.saved
