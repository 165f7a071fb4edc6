"""Start review… (rule 20): an administrator starts an access review of an application."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.common import ErrorLabel, button, dialog_buttons, label
from desktop.ui.keys import dialog_keys
from desktop.ui.periods import DaysOrDate

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
        period = DaysOrDate("Lasts", 14, 365, "End date")
        self.period = period
        self.by_days, self.days = period.by_days, period.days
        self.to_date, self.date = period.to_date, period.date

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
        self.confirm = button("Start review", kind="primary")
        buttons = dialog_buttons(self, self.confirm)
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
                               "recurrence": self.recurrence.currentData(),
                               **self.period.choice()}
        if self.named.isChecked():
            out["reviewers"] = [u.strip() for u in self.upns.text().split(",") if u.strip()]
        return out

    @classmethod
    def ask(cls, parent: QWidget | None, app: str) -> dict[str, Any] | None:
        dialog = cls(parent, app)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
