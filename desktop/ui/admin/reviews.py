"""Start review… (rule 20): an administrator starts an access review of an application."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, for_people
from desktop.ui.admin.pickers import ReviewerPickerDialog
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

    def __init__(self, parent: QWidget | None, app: str, backend: Any) -> None:
        super().__init__(parent)
        self.backend = backend  # the people picker asks it who may review
        self.chosen: list[dict[str, str]] = []  # named reviewers: {"upn", "name"}
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
        self.named.setToolTip("At most 10 enabled people; nobody reviews his own access")
        self.select_reviewers = button("Select reviewers…", "users", name="Select reviewers",
                                       tip="Search the directory and add up to 10 people")
        self.reviewer_names = label("None selected", "hint", wrap=True)
        self.reviewer_names.setAccessibleName("Reviewers")
        # One or the other (the radio buttons are laid out apart, so say it outright).
        self.who_group = QButtonGroup(self)
        self.who_group.addButton(self.approvers)
        self.who_group.addButton(self.named)
        who = QVBoxLayout()
        who.setSpacing(4)
        who.addWidget(self.approvers)
        line = QHBoxLayout()
        line.addWidget(self.named)
        line.addWidget(self.select_reviewers)
        line.addStretch(1)
        who.addLayout(line)
        who.addWidget(self.reviewer_names)

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
        self.select_reviewers.clicked.connect(self.on_select_reviewers_clicked)
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

    def on_select_reviewers_clicked(self) -> None:
        try:
            chosen = ReviewerPickerDialog.pick(self, self.backend, self.chosen)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        if chosen is not None:
            self.set_reviewers(chosen)

    def set_reviewers(self, people: list[dict[str, str]]) -> None:
        """The named reviewers ({"upn", "name"}, as the picker gives them): choosing some
        chooses "These people"; none leaves the application's approvers."""
        self.chosen = [dict(p) for p in people]
        self.error.clear_message()
        if self.chosen:
            self.reviewer_names.setText(", ".join(p["name"] for p in self.chosen))
            self.reviewer_names.setToolTip("\n".join(p["upn"] for p in self.chosen))
            self.named.setChecked(True)
        else:
            self.reviewer_names.setText("None selected")
            self.reviewer_names.setToolTip("")
            self.approvers.setChecked(True)

    def accept(self) -> None:
        if self.named.isChecked() and not self.chosen:
            self.error.show_message("Select the reviewers, or let the application's approvers "
                                    "review.")
            self.select_reviewers.setFocus()
            return
        super().accept()

    def choice(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unreviewed": self.unreviewed.currentData(),
                               "recurrence": self.recurrence.currentData(),
                               **self.period.choice()}
        if self.named.isChecked():
            out["reviewers"] = [p["upn"] for p in self.chosen]
        return out

    @classmethod
    def ask(cls, parent: QWidget | None, app: str, backend: Any) -> dict[str, Any] | None:
        dialog = cls(parent, app, backend)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
