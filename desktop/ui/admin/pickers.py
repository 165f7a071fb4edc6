"""The Select group and Select approvers pickers of the self-service page, and Select
reviewers of the Start review dialog (the approvers' picker asking other operations)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.services.validators import MAX_APPROVERS
from desktop.ui.admin.widgets import RIGHT, PickerTable
from desktop.ui.common import (
    LICENSE_LABELS,
    ErrorLabel,
    SearchBox,
    button,
    label,
    setup_table,
    shortcut,
)
from desktop.ui.keys import SearchListKeys, dialog_keys
from desktop.ui.tablemodel import Column, GatedTableModel, PagedTableModel

GROUP_KIND_LABELS = {"synced": "Synced from on-premises", "dynamic": "Dynamic membership",
                     "distribution": "Distribution list",
                     "mail-security": "Mail-enabled security", "security": "Security"}


def group_kind(row: dict[str, Any]) -> str:
    """The group's sort (``services.views.group_kind``) as the windows label it: the row's
    "kind" where the services put it there (a remote desktop has no services to ask)."""
    kind = row.get("kind")
    if kind not in GROUP_KIND_LABELS:
        from desktop.services.views import group_kind as kind_of

        kind = kind_of(row)
    return GROUP_KIND_LABELS[kind]


def _group_note(reason: str | None) -> str:
    """The service's reason, cut to what fits a column ("No: synchronized from on-premises")."""
    if not reason:
        return "Yes"
    why = reason.split(" because ", 1)[-1].split(";")[0].split(" (rule")[0]
    for prefix in ("it is ", "its "):
        if why.startswith(prefix):
            why = why[len(prefix):]
    return f"No: {why}"


def _unavailable(row: dict[str, Any]) -> bool:
    return bool(row.get("unavailable_reason"))


class _PickerDialog(QDialog):
    """Search box, a paged table whose unusable rows are disabled, an inline reason."""

    def __init__(self, title: str, question: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(760, 520)
        self.search = SearchBox("Search by name", f"Search ({title})")
        self.view = PickerTable()
        self.error = ErrorLabel(name=f"{title}: why not")
        self.select_button = button("Select", kind="primary")
        self.cancel_button = button("Cancel")
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.select_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 16, 18, 14)
        self.layout_.setSpacing(10)
        self.layout_.addWidget(label(title, "heading"))
        self.layout_.addWidget(label(question, "hint", wrap=True))
        self.layout_.addWidget(self.search)
        self.layout_.addWidget(self.view, 1)
        self.layout_.addWidget(self.error)
        shortcut(self, "Ctrl+F", self.search.setFocus)

    def _attach(self, model: PagedTableModel, name: str) -> None:
        self.model = model
        self.view.setModel(model)
        setup_table(self.view, name)
        model.follow_search(self.search)
        self.view.disabled_clicked.connect(self.on_view_disabled_clicked)
        model.error_raised.connect(self.error.show_message)
        SearchListKeys(self.search, self.view, self.on_row_picked)

    def on_row_picked(self, row: int) -> None:
        """Enter in the search box or the list: the row to take, or -1 (say why not)."""
        if row >= 0:
            self.take(row)
        elif self.model.rowCount():
            self.error.show_message("Several match: choose one with the arrow keys, then "
                                    "press Enter.")
        else:
            self.error.show_message("Nothing matches this search.")

    def take(self, row: int) -> None:
        raise NotImplementedError

    def row_named(self, name: str, key: str = "name") -> int:
        """The row whose `key` is `name` (searching for it in SQL when not loaded)."""
        for row in range(self.model.rowCount()):
            if self.model.row_data(row)[key].lower() == name.lower():
                return row
        self.search.setText(name)
        self.model.apply_search_now()
        for row in range(self.model.rowCount()):
            if self.model.row_data(row)[key].lower() == name.lower():
                return row
        return -1

    def on_view_disabled_clicked(self, index: QModelIndex) -> None:
        self.error.show_message(for_people(self.model.row_data(index.row()).get("unavailable_reason")))


class GroupPickerDialog(_PickerDialog):
    """"Select group": cloud security groups only; the others are shown disabled, with why."""

    def __init__(self, actor: Any, current: str | None, parent: QWidget | None = None) -> None:
        super().__init__("Select group", "When a user's request is approved, they're added to "
                         "this group. Groups synchronized from on-premises, dynamic groups, "
                         "distribution lists and mail-enabled groups can't be used.", parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.chosen: str | None = current
        model = GatedTableModel([
            Column("name", "Name", icon=lambda r: icon("group"), max_width=480, primary=True),
            Column("kind", "Type", sortable=False, formatter=None,
                   samples=tuple(GROUP_KIND_LABELS.values())),
            Column("members", "Members", sortable=False, align=RIGHT),
            Column("unavailable_reason", "Can it be used?", sortable=False,
                   formatter=_group_note, stretch=True),
        ], self._fetch, self, row_enabled=lambda r: not _unavailable(r),
            row_tooltip=lambda r: for_people(r.get("unavailable_reason")) or None)
        self._attach(model, "Groups")  # widths: the columns' declarations
        self.layout_.addWidget(self.buttons)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.view.doubleClicked.connect(self.on_view_double_clicked)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        self.select_button.setEnabled(False)
        if current:
            row = self.row_named(current)
            if row >= 0:
                self.view.selectRow(row)
        dialog_keys(self, self.search, self.select_button, errors=[self.error])

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.backend.call(
            "admin.group_choices", search=search, limit=limit, offset=offset, sort=sort)
        for row in rows:
            row["kind"] = group_kind(row)
        return rows

    def choose(self, name: str) -> bool:
        """Choose a group by name, as a click then Select would; False (and why) if refused."""
        row = self.row_named(name)
        if row < 0:
            self.error.show_message(f"There is no group named {name!r}.")
            return False
        data = self.model.row_data(row)
        if _unavailable(data):
            self.error.show_message(for_people(data["unavailable_reason"]))
            return False
        self.chosen = data["name"]
        self.accept()
        return True

    def on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.select_button.setEnabled(current.isValid())
        if current.isValid():
            self.error.clear_message()

    def on_view_double_clicked(self, index: QModelIndex) -> None:
        self.choose(self.model.row_data(index.row())["name"])

    def take(self, row: int) -> None:
        self.choose(self.model.row_data(row)["name"])

    def on_buttons_accepted(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.choose(self.model.row_data(index.row())["name"])

    @classmethod
    def pick(cls, parent: QWidget | None, actor: Any, current: str | None) -> str | None:
        dialog = cls(actor, current, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen


class ApproverPickerDialog(_PickerDialog):
    """"Select approvers": individual, enabled, licensed people; at most 10 (rule 4)."""

    QUESTION = ("Select up to 10 individual business approvers. Groups are not supported. Any "
                "single approver can approve a request.")
    # What a subclass changes: the people listed and checked, and the words for them.
    CHOICES, CHECK = "admin.approver_choices", "admin.check_approvers"
    CAN, WHO = "Can approve?", "approver"

    def __init__(self, actor: Any, current: list[dict[str, str]],
                 parent: QWidget | None = None, title: str = "Select approvers",
                 question: str = QUESTION) -> None:
        super().__init__(title, question, parent)  # escalation approvers too (rule 17)
        self.resize(820, 600)
        self.actor = actor
        self.backend = as_backend(actor)
        self.chosen: list[dict[str, str]] = [dict(p) for p in current]
        model = GatedTableModel([
            Column("name", "Name", icon=lambda r: icon("user"), primary=True),
            Column("upn", "User name"),
            Column("department", "Department"),
            Column("license", "License", formatter=lambda v: LICENSE_LABELS.get(v, v or ""),
                   samples=tuple(LICENSE_LABELS.values())),
            Column("unavailable_reason", self.CAN, sortable=False, stretch=True,
                   formatter=lambda v: "No: " + v.split(" ", 1)[-1].split(" and cannot")[0]
                   if v else "Yes"),
        ], self._fetch, self, id_key="upn", row_enabled=lambda r: not _unavailable(r),
            row_tooltip=lambda r: for_people(r.get("unavailable_reason")) or None)
        self._attach(model, "People")  # widths: the columns' declarations
        self.add_button = button("Add", "add", name=f"Add {self.WHO}")
        self.remove_button = button("Remove", "remove", name=f"Remove {self.WHO}")
        self.count = label("", "question")
        self.count.setAccessibleName(f"{self.WHO.capitalize()} count")
        self.selected = QListWidget()
        self.selected.setAccessibleName(f"Selected {self.WHO}s")
        self.selected.setMaximumHeight(118)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(self.count)
        self.layout_.insertLayout(self.layout_.count() - 1, row)
        self.layout_.addWidget(label(f"Selected {self.WHO}s", "question"))
        self.layout_.addWidget(self.selected)
        bottom = QHBoxLayout()
        bottom.addWidget(self.remove_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        self.layout_.addLayout(bottom)
        self._connect_signals()
        self._show_chosen()
        self.select_button.setToolTip(f"Use these {self.WHO}s (Ctrl+Enter)")
        dialog_keys(self, self.search, self.select_button, errors=[self.error])

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.view.doubleClicked.connect(self.on_view_double_clicked)
        self.selected.currentRowChanged.connect(self.on_selected_current_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.backend.call(
            self.CHOICES, search=search, limit=limit, offset=offset, sort=sort)
        return rows

    def upns(self) -> list[str]:
        return [p["upn"] for p in self.chosen]

    def add(self, upn: str) -> bool:
        """Add a person; the services say no to an eleventh or an ineligible one."""
        row = self.row_named(upn, "upn")
        if row < 0:
            self.error.show_message(f"There is no user {upn!r}.")
            return False
        person = self.model.row_data(row)
        if person["upn"] in self.upns():
            return True
        try:
            self.backend.call(self.CHECK, upns=[*self.upns(), person["upn"]])
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return False
        self.error.clear_message()
        self.chosen.append({"upn": person["upn"], "name": person["name"]})
        self._show_chosen()
        return True

    def remove(self, upn: str) -> None:
        self.chosen = [p for p in self.chosen if p["upn"] != upn]
        self.error.clear_message()
        self._show_chosen()

    def _show_chosen(self) -> None:
        self.selected.clear()
        for person in self.chosen:
            item = QListWidgetItem(icon("user"), f"{person['name']}  ({person['upn']})")
            item.setData(Qt.ItemDataRole.UserRole, person["upn"])
            self.selected.addItem(item)
        self.count.setText(f"{len(self.chosen)} of {MAX_APPROVERS}")
        self.remove_button.setEnabled(False)

    def on_add_button_clicked(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            self.error.show_message("Select a person in the list first.")
            return
        self.add(self.model.row_data(index.row())["upn"])

    def on_remove_button_clicked(self) -> None:
        item = self.selected.currentItem()
        if item is not None:
            self.remove(item.data(Qt.ItemDataRole.UserRole))

    def on_view_double_clicked(self, index: QModelIndex) -> None:
        self.add(self.model.row_data(index.row())["upn"])

    def take(self, row: int) -> None:
        """Enter adds the person; the search is selected, ready for the next name."""
        if self.add(self.model.row_data(row)["upn"]) and self.search.hasFocus():
            self.search.selectAll()

    def on_selected_current_changed(self, row: int) -> None:
        self.remove_button.setEnabled(row >= 0)

    @classmethod
    def pick(cls, parent: QWidget | None, actor: Any, current: list[dict[str, str]],
             **texts: str) -> list[dict[str, str]] | None:
        dialog = cls(actor, current, parent, **texts)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen


class ReviewerPickerDialog(ApproverPickerDialog):
    """"Select reviewers" (rule 20): named reviewers of an access review are enabled
    individuals, at most 10; a reviewer never decides about his own access."""

    QUESTION = ("Select up to 10 people who decide, for each person with access, whether "
                "he keeps it. Nobody reviews his own access.")
    CHOICES, CHECK = "admin.reviewer_choices", "admin.check_reviewers"
    CAN, WHO = "Can review?", "reviewer"

    def __init__(self, actor: Any, current: list[dict[str, str]],
                 parent: QWidget | None = None, title: str = "Select reviewers",
                 question: str = QUESTION) -> None:
        super().__init__(actor, current, parent, title, question)
