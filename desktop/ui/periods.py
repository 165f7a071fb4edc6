"""Dates the governance dialogs ask for: a calendar date field, and "N days, or until the end
of a date" (extending access, rule 18; how long a review lasts, rule 20)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QGridLayout, QRadioButton, QSpinBox, QWidget


def directory_zone(backend: Any) -> str:
    """The directory's time zone (operation ``time_zone.show``), shown beside the dates a
    person chooses: such a date starts and ends there, whatever this desktop's zone."""
    return str(backend.call("time_zone.show")["time_zone"])


def zone_date(instant: str, zone: str, before: dt.timedelta = dt.timedelta(0)) -> QDate:
    """The date in `zone` of a stored UTC instant ("2027-03-14T23:00:00Z"), `before` earlier
    (an end instant is the start of the next day: one second before it is the last day)."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(instant.rstrip("Z")).replace(tzinfo=dt.UTC) - before
    try:
        local = moment.astimezone(ZoneInfo(zone or "UTC"))
    except (ValueError, KeyError, OSError):  # a zone this desktop does not know: UTC
        local = moment
    return QDate(local.year, local.month, local.day)


def show_zone(edit: QDateEdit, zone: str) -> None:
    """Spell the date out, followed by the zone it ends in when known."""
    # Qt's display format takes quoted literal text; IANA names hold no quote.
    edit.setDisplayFormat(f"d MMMM yyyy '({zone})'" if zone and "'" not in zone
                          else "d MMMM yyyy")


def date_edit(name: str, tip: str, value: QDate | None = None,
              minimum: QDate | None = None, zone: str = "") -> QDateEdit:
    """A date field with its calendar, spelled out ("12 March 2027"), named for screen
    readers; with `zone` (the directory's time zone) the field says where the date ends:
    "12 March 2027 (Europe/Paris)"."""
    edit = QDateEdit(value or QDate.currentDate())
    edit.setCalendarPopup(True)
    show_zone(edit, zone)
    if minimum is not None:
        edit.setMinimumDate(minimum)
    edit.setAccessibleName(name)
    edit.setToolTip(tip)
    return edit


class DaysOrDate(QWidget):
    """A number of days, or until the end of a date: `choice()` is {"days": N} or
    {"until": "YYYY-MM-DD"}, as the services take them."""

    def __init__(self, days_text: str, days: int, most: int, date_name: str,
                 days_tip: str = "", parent: QWidget | None = None, zone: str = "") -> None:
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
                              QDate.currentDate().addDays(days), QDate.currentDate(), zone)
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
