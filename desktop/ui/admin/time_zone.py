"""File › Directory time zone… : where a chosen date ends (SPEC "Time"; ``time_zone.set``).

The dialog saves through the backend itself, so a refusal (not a Global Administrator, an
unknown name) is shown inside it and nothing changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QDialog, QVBoxLayout, QWidget

from desktop.errors import AccessDeskError, for_people
from desktop.ui.common import ErrorLabel, accessible, button, dialog_buttons, label
from desktop.ui.keys import dialog_keys


def zone_names() -> list[str]:
    """Every IANA zone this computer knows, UTC first."""
    from zoneinfo import available_timezones

    return ["UTC"] + sorted(z for z in available_timezones() if z != "UTC")


class TimeZoneDialog(QDialog):
    """One editable list of zones with completion; Save, Cancel."""

    def __init__(self, parent: QWidget | None, backend: Any) -> None:
        super().__init__(parent)
        self.backend = backend
        self.saved: dict[str, Any] | None = None
        current = backend.call("time_zone.show")["time_zone"]
        title = "Directory time zone"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(460)
        self.zone = accessible(QComboBox(), "Time zone", "An IANA name such as Europe/Paris")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.addItems(zone_names())
        completer = QCompleter(self.zone.model(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.zone.setCurrentText(current)
        self.zone.setToolTip("Type part of a name (Paris, New_York) to find it")
        self.error = ErrorLabel()
        self.confirm = button("Save", kind="primary")
        buttons = dialog_buttons(self, self.confirm)
        buttons.accepted.disconnect()
        buttons.accepted.connect(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label("Which time zone do the directory's dates end in?", "question"))
        layout.addWidget(label(
            "A date chosen for access that ends, an absence or a review starts and ends in "
            "this zone, on every desktop and the server. Deadlines already set keep theirs. "
            "Times are always shown in each desktop's own zone.", wrap=True))
        layout.addWidget(self.zone)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        dialog_keys(self, self.zone, self.confirm, errors=[self.error])

    def save(self) -> None:
        try:
            self.saved = self.backend.call("time_zone.set",
                                           time_zone=self.zone.currentText().strip())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, backend: Any) -> dict[str, Any] | None:
        dialog = cls(parent, backend)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.saved
