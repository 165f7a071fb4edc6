"""Start review… (rule 20): an administrator starts an access review of an application."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.common import ErrorLabel, button, label
from desktop.ui.keys import dialog_keys

RECURRENCES = (("Once", None), ("Every month", "monthly"), ("Every 3 months", "quarterly"),
               ("Every year", "yearly"))


def review_line(review: dict[str, Any] | None) -> str:
    """The access page's line about the application's active review."""
    if review is None:
        return ""
    decided = review["keep"] + review["remove"]
    return (f"Under review until {review['ends_at'][:10]} (review {review['id']}): "
            f"{decided} of {review['members']} decided, {review['remove']} to remove.")


class StartReviewDialog(QDialog):
    """How long, who reviews, what happens to people nobody reviewed, and whether it recurs."""

    def __init__(self, parent: QWidget | None, app: str) -> None:
        super().__init__(parent)
        title = "Start an access review"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(520)
        self.by_days = QRadioButton("Lasts")
        self.by_days.setChecked(True)
        self.days = QSpinBox()
        self.days.setRange(1, 365)
        self.days.setValue(14)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Days")
        self.to_date = QRadioButton("Until the end of")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMMM yyyy")
        self.date.setMinimumDate(QDate.currentDate())
        self.date.setDate(QDate.currentDate().addDays(14))
        self.date.setAccessibleName("End date")
        self.date.setToolTip("The date ends in the directory's time zone")
        self.date.setEnabled(False)
        self.by_days.toggled.connect(self.days.setEnabled)
        self.to_date.toggled.connect(self.date.setEnabled)
        period = QGridLayout()
        period.addWidget(self.by_days, 0, 0)
        period.addWidget(self.days, 0, 1)
        period.addWidget(self.to_date, 1, 0)
        period.addWidget(self.date, 1, 1)
        period.setColumnStretch(2, 1)

        self.approvers = QRadioButton("The application's approvers")
        self.approvers.setChecked(True)
        self.named = QRadioButton("These people:")
        self.upns = QLineEdit()
        self.upns.setAccessibleName("Reviewers")
        self.upns.setPlaceholderText("UPNs, separated by commas")
        self.upns.setToolTip("At most 10 enabled people; nobody reviews his own access")
        self.upns.setEnabled(False)
        self.named.toggled.connect(self.upns.setEnabled)
        who = QVBoxLayout()
        who.addWidget(self.approvers)
        line = QHBoxLayout()
        line.addWidget(self.named)
        line.addWidget(self.upns, 1)
        who.addLayout(line)

        self.unreviewed = QComboBox()
        self.unreviewed.setAccessibleName("People nobody reviewed")
        self.unreviewed.addItem("Keep their access", "keep")
        self.unreviewed.addItem("Remove their access", "remove")
        self.unreviewed.setToolTip("What happens at the end to people no reviewer decided")
        self.recurrence = QComboBox()
        self.recurrence.setAccessibleName("Repeats")
        for text, value in RECURRENCES:
            self.recurrence.addItem(text, value)
        self.recurrence.setToolTip("A recurring review starts its next one when it ends")

        form = QFormLayout()
        form.addRow("How long?", period)
        form.addRow("Who reviews?", who)
        form.addRow("Nobody reviewed them?", self.unreviewed)
        form.addRow("Repeats?", self.recurrence)
        self.error = ErrorLabel(name="Start review error")
        buttons = QDialogButtonBox()
        self.confirm = button("Start review", kind="primary")
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(f"Review who keeps access to {app}", "question"))
        layout.addWidget(label("Everyone who has access through self-service now is listed; "
                               "the reviewers decide Keep or Remove for each. At the end the "
                               "removals are applied and each person is told.", wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        dialog_keys(self, self.days, self.confirm)

    def choice(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unreviewed": self.unreviewed.currentData(),
                               "recurrence": self.recurrence.currentData()}
        if self.by_days.isChecked():
            out["days"] = self.days.value()
        else:
            out["until"] = self.date.date().toString("yyyy-MM-dd")
        if self.named.isChecked():
            out["reviewers"] = [u.strip() for u in self.upns.text().split(",") if u.strip()]
        return out

    @classmethod
    def ask(cls, parent: QWidget | None, app: str) -> dict[str, Any] | None:
        dialog = cls(parent, app)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
