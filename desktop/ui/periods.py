"""Dates the governance dialogs ask for: a calendar date field, and "N days, or until the end
of a date" (extending access, rule 18; how long a review lasts, rule 20)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QGridLayout, QRadioButton, QSpinBox, QWidget


def date_edit(name: str, tip: str, value: QDate | None = None,
              minimum: QDate | None = None) -> QDateEdit:
    """A date field with its calendar, spelled out ("12 March 2027"), named for screen
    readers; dates end in the directory's time zone (say so in `tip`)."""
    edit = QDateEdit(value or QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMMM yyyy")
    if minimum is not None:
        edit.setMinimumDate(minimum)
    edit.setAccessibleName(name)
    edit.setToolTip(tip)
    return edit


class DaysOrDate(QWidget):
    """A number of days, or until the end of a date: `choice()` is {"days": N} or
    {"until": "YYYY-MM-DD"}, as the services take them."""

    def __init__(self, days_text: str, days: int, most: int, date_name: str,
                 days_tip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.by_days = QRadioButton(days_text)
        self.by_days.setChecked(True)
        self.days = QSpinBox()
        self.days.setRange(1, most)
        self.days.setValue(days)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Days")
        self.days.setToolTip(days_tip)
        self.to_date = QRadioButton("Until the end of")
        self.date = date_edit(date_name, "The date ends in the directory's time zone",
                              QDate.currentDate().addDays(days), QDate.currentDate())
        self.date.setEnabled(False)
        self.by_days.toggled.connect(self.days.setEnabled)
        self.to_date.toggled.connect(self.date.setEnabled)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.by_days, 0, 0)
        grid.addWidget(self.days, 0, 1)
        grid.addWidget(self.to_date, 1, 0)
        grid.addWidget(self.date, 1, 1)
        grid.setColumnStretch(2, 1)

    def choice(self) -> dict[str, Any]:
        if self.by_days.isChecked():
            return {"days": self.days.value()}
        return {"until": self.date.date().toString("yyyy-MM-dd")}
