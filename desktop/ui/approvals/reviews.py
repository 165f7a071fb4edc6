"""Approvals › Reviews (rule 20): the access reviews a person reviews, Keep or Remove each member.

The page lists the active reviews he reviews (a choice at the top), then the people under the
chosen review with their decision so far; he selects one or many (Ctrl+A, search) and keeps or
removes them (a reason is required to remove; the person reads it). Decisions change until the
review ends. Everything goes through ``self.backend.call`` (rule 20 lives in the services).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.common import (
    Banner,
    EmptyState,
    ErrorLabel,
    SearchBox,
    button,
    label,
    setup_table,
)
from desktop.ui.myapps.parts import day, when
from desktop.ui.tablemodel import Column, PagedTableModel

from .decision import decision_bar, decision_keys

DECISION_LABELS = {"keep": "Keep", "remove": "Remove", None: "Not decided"}


def review_title(review: dict[str, Any]) -> str:
    return f"{review['app']}: ends {day(review['ends_at'])} (review {review['id']})"


def review_tasks(reviews: list[dict[str, Any]]) -> int:
    """The people waiting for his decision in these reviews (`reviews.mine`)."""
    return sum(int(r.get("to_decide") or 0) for r in reviews)


def counts_text(review: dict[str, Any]) -> str:
    return (f"{review['members']} people: {review['keep']} kept, {review['remove']} to "
            f"remove, {review['undecided']} not decided yet. At the end "
            f"({when(review['ends_at'])}) people nobody reviewed are "
            f"{'kept' if review['unreviewed'] == 'keep' else 'removed'}.")


class ReviewsPage(QWidget):
    """The active reviews the signed-in person reviews; Keep / Remove one or many members."""

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = as_backend(actor)
        self.reviews: list[dict[str, Any]] = []

        self.choice = QComboBox()
        self.choice.setAccessibleName("Review")
        self.choice.setToolTip("The access reviews you review")
        self.choice.view().setAccessibleName("Reviews")
        self.search = SearchBox("Search by name or UPN", "Search people under review")
        top = QHBoxLayout()
        top.addWidget(self.choice, 1)
        top.addWidget(self.search, 1)
        self.counts = label("", "hint", wrap=True)
        self.counts.setAccessibleName("Review counts")
        self.outcome = Banner("info", name="Review outcome")
        self.outcome.hide()

        columns = [
            Column("name", "Person", primary=True, sort_key="name"),
            Column("user", "UPN", sort_key="user"),
            Column("department", "Department", sortable=False),
            Column("decision", "Decision", formatter=lambda v: DECISION_LABELS.get(v, v),
                   samples=tuple(DECISION_LABELS.values())),
            Column("decided_by", "Decided by", sortable=False),
            Column("reason", "Reason", sortable=False, stretch=True),
        ]
        self.model = PagedTableModel(columns, self._fetch, self, id_key="user",
                                     row_tooltip=self._tooltip, autoload=False)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "People under review")
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.empty = EmptyState("Nobody is under review.",
                                no_match="Nobody under review matches your search.")
        self.empty.hide()

        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Reason: required to remove. The person reads it.")
        self.reason.setToolTip("Why the selected people lose access (required to remove)")
        self.reason.setMaxLength(1000)
        self.keep_button = button("Keep", "approve", kind="primary",
                                  name="Keep the selected people",
                                  tip="Keep the selected people's access (Ctrl+Enter)")
        self.remove_button = button("Remove", "remove", kind="danger",
                                    name="Remove the selected people",
                                    tip="Remove the selected people's access at the end of "
                                    "the review, with the reason given (Del)")
        self.error = ErrorLabel(name="Review error")
        self.detail = label("", wrap=True)
        self.detail.setAccessibleName("Selected people")
        decision = decision_bar("Review decision", self.detail, self.reason, self.keep_button,
                                self.remove_button, self.error)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addWidget(self.outcome)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(decision)
        self._shortcuts = decision_keys(self, self.on_keep_button_clicked,
                                        self.on_remove_button_clicked)
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.choice.currentIndexChanged.connect(self.on_choice_current_index_changed)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.keep_button.clicked.connect(self.on_keep_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.reload_reviews()

    # --- the reviews ------------------------------------------------------------------------

    def reload_reviews(self) -> list[dict[str, Any]]:
        """The active reviews he reviews, keeping the one chosen; returns them."""
        try:
            self.reviews = self.backend.call("reviews.mine")
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return self.reviews
        chosen = self.current_id()
        self.choice.blockSignals(True)
        self.choice.clear()
        for review in self.reviews:
            self.choice.addItem(review_title(review), review["id"])
        index = self.choice.findData(chosen) if chosen is not None else -1
        self.choice.setCurrentIndex(max(index, 0) if self.reviews else -1)
        self.choice.blockSignals(False)
        if self.current_id() != chosen:  # his review ended: what was said of it is past
            self.outcome.show_text(None)
        self._show_counts()
        self.model.refresh()
        return self.reviews

    def current_id(self) -> int | None:
        data = self.choice.currentData()
        return int(data) if data is not None else None

    def current(self) -> dict[str, Any] | None:
        chosen = self.current_id()
        return next((r for r in self.reviews if r["id"] == chosen), None)

    def tasks(self) -> int:
        return review_tasks(self.reviews)

    def _show_counts(self) -> None:
        review = self.current()
        self.counts.setText(counts_text(review) if review else
                            "No access review is waiting for you.")

    def on_choice_current_index_changed(self, _index: int) -> None:
        self.error.clear_message()
        self.outcome.show_text(None)
        self._show_counts()
        self.model.refresh()

    def _fetch(self, offset: int, limit: int, search: str | None, sort: str | None
               ) -> list[dict[str, Any]]:
        review = self.current_id()
        if review is None:
            return []
        return self.backend.call(  # type: ignore[no-any-return]
            "reviews.items", review_id=review, search=search, limit=limit, offset=offset,
            sort=sort)

    @staticmethod
    def _tooltip(row: dict[str, Any]) -> str:
        decided = DECISION_LABELS.get(row["decision"], row["decision"])
        text = f"{row['name']} ({row['user']})\n{decided}"
        if row["decided_by"]:
            text += f" by {row['decided_by']} on {when(row['decided_at'])}"
        if row["reason"]:
            text += f"\nReason: {row['reason']}"
        return text

    def refresh(self) -> None:
        self.reload_reviews()

    def on_model_loaded(self) -> None:
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_selection_changed()

    # --- deciding ---------------------------------------------------------------------------

    def selected_rows(self) -> list[dict[str, Any]]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_data(r) for r in rows if r < self.model.rowCount()]

    def on_table_selection_changed(self, *_args: object) -> None:
        rows = self.selected_rows()
        for b in (self.keep_button, self.remove_button):
            b.setEnabled(bool(rows))
        if not rows:
            self.detail.setText("Select one or more people to keep or remove (Ctrl+A "
                                "selects all).")
        elif len(rows) == 1:
            self.detail.setText(self._tooltip(rows[0]).replace("\n", " · "))
        else:
            self.detail.setText(f"{len(rows)} people selected. Keep or Remove decides for "
                                "each of them.")

    def on_keep_button_clicked(self) -> None:
        self.decide("keep")

    def on_remove_button_clicked(self) -> None:
        self.decide("remove")

    def decide(self, decision: str) -> bool:
        rows = self.selected_rows()
        review = self.current_id()
        if not rows or review is None:
            return False
        self.error.clear_message()
        reason = self.reason.text().strip()
        if decision == "remove" and not reason:
            self.error.show_message("Give a reason to remove access; the person reads it.")
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        try:
            view = self.backend.call("reviews.decide", review_id=review,
                                     upns=[r["user"] for r in rows], decision=decision,
                                     reason=reason or None)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return False
        self.reason.clear()
        count = len(view["users"])
        who = rows[0]["name"] if count == 1 else f"{count} people"
        verb = "kept" if decision == "keep" else "removed at the end of the review"
        self.outcome.show_text(f"{who}: access {verb}.", "info")
        self.reload_reviews()
        return True
