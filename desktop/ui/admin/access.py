"""Users and groups: who has access through self-service, with Remove access and Change role."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.admin.reviews import StartReviewDialog, review_line
from desktop.ui.admin.widgets import ApplicationList, page_splitter
from desktop.ui.common import (
    Banner,
    ConfirmDialog,
    EmptyState,
    SearchBox,
    button,
    dialog_buttons,
    label,
    setup_table,
)
from desktop.ui.keys import dialog_keys
from desktop.ui.myapps.parts import until as until_day
from desktop.ui.periods import DaysOrDate, directory_zone
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

# Narrower than this, the application list sits above the people instead of beside them.
STACK_BELOW = 820


class RoleDialog(QDialog):
    """Change role: the application's roles; those that cannot be chosen are disabled."""

    def __init__(self, parent: QWidget | None, user: str, app: str,
                 roles: list[dict[str, Any]], current: str | None) -> None:
        super().__init__(parent)
        title = "Change role"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(460)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Role")
        for role in roles:
            self.combo.addItem(icon("role"), f"{role['name']}  ({role['value']})", role["value"])
            i = self.combo.count() - 1
            if role["unavailable_reason"]:
                model = self.combo.model()
                assert isinstance(model, QStandardItemModel)  # a QComboBox's own model
                item = model.item(i)
                item.setEnabled(False)
                item.setToolTip(for_people(role["unavailable_reason"]))
            if role["value"] == current:
                self.combo.setCurrentIndex(i)
        self.confirm = button("Change role", "role", kind="primary")
        buttons = dialog_buttons(self, self.confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(title, "question"))
        layout.addWidget(label(f"Assign {user} this role in {app}. The user is told, and the "
                               "change is recorded in the audit log.", wrap=True))
        layout.addWidget(self.combo)
        layout.addWidget(buttons)
        dialog_keys(self, self.combo, self.confirm)

    @classmethod
    def ask(cls, parent: QWidget | None, user: str, app: str, roles: list[dict[str, Any]],
            current: str | None) -> str | None:
        dialog = cls(parent, user, app, roles, current)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.combo.currentData()


class ExtendDialog(QDialog):
    """Extend… (rule 18): by a number of days from the current end, or until a date."""

    def __init__(self, parent: QWidget | None, user: str, app: str, ends: str,
                 zone: str = "") -> None:
        super().__init__(parent)
        title = "Extend access"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(460)
        self.period = DaysOrDate("Extend by", 30, 3650, "Date",
                                 "Counted from the current end (or from now, if it has passed)",
                                 zone=zone)
        self.by_days, self.days = self.period.by_days, self.period.days
        self.to_date, self.date = self.period.to_date, self.period.date
        self.confirm = button("Extend", kind="primary")
        buttons = dialog_buttons(self, self.confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(title, "question"))
        layout.addWidget(label(f"{user}'s access to {app} lasts until {until_day(ends)}. "
                               "The user is told, and the change is recorded in the audit "
                               "log.", wrap=True))
        layout.addWidget(self.period)
        layout.addWidget(buttons)
        dialog_keys(self, self.days, self.confirm)

    def choice(self) -> dict[str, Any]:
        return self.period.choice()

    @classmethod
    def ask(cls, parent: QWidget | None, user: str, app: str, ends: str, zone: str = ""
            ) -> dict[str, Any] | None:
        dialog = cls(parent, user, app, ends, zone)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()


class AccessPage(QWidget):
    """Applications with self-service on the left; who has access to the selected one."""

    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.app: dict[str, Any] | None = None
        self._roles: list[dict[str, Any]] = []
        self.apps = ApplicationList(actor, compact=True, self_service_only=True,
                                    name="Self-service applications")
        # Room for a name beside the Pending count, without a sideways scroll bar.
        self.apps.setMinimumWidth(260)
        self.title = label("Users and groups", "heading")
        self.subtitle = label("Members of the application's self-service group, whether or "
                              "not they came through a request.", "hint", wrap=True)
        self.search = SearchBox("Search people with access", "Search people with access")
        self.remove_button = button("Remove access", kind="danger",
                                    tip="Remove the group membership and the role assignment "
                                        "(Del)")
        self.role_button = button("Change role…", "role", name="Change role")
        # Rule 18: time-bound access, extended or ended by an administrator.
        self.extend_button = button("Extend…", name="Extend access",
                                    tip="Let this person's time-bound access last longer")
        self.end_button = button("End access", name="End access",
                                 tip="End this person's time-bound access now: what the "
                                     "grant added is removed, other access stays")
        # Rule 20: an access review of the application, started here.
        self.review_button = button("Start review…", "users", name="Start review",
                                    tip="Start an access review: reviewers decide who keeps "
                                        "access to this application")
        self.review_info = label("", "hint", wrap=True)
        self.review_info.setAccessibleName("Access review")
        self.review_info.hide()
        self.message = Banner("info", name="Access message")
        self.message.hide()
        self.model = PagedTableModel([
            Column("name", "Name", icon=lambda r: icon("users"), sortable=False, primary=True),
            Column("user", "User name", tooltip="User principal name"),
            Column("group", "Group", sortable=False),
            Column("role", "Role", sortable=False, formatter=lambda v: v or "Default access"),
            Column("since", "Since", formatter=lambda v: (v or "")[:10], samples=("2026-12-28",),
                   tooltip="When the person joined the self-service group (UTC)"),
            Column("until", "Until", sortable=False, formatter=lambda v: until_day(v) or "No end",
                   samples=("28 Sep 2026",),
                   tooltip="When time-bound access ends (the last day, on this computer)"),
            Column("via_request", "Via request", sortable=False, stretch=True,
                   formatter=lambda v: f"Request {v}" if v else "Added directly",
                   samples=("Added directly",)),
        ], self._fetch, self, id_key="user", autoload=False)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "People with access")
        self.empty = EmptyState("Nobody has access through self-service yet.")

        tools = QHBoxLayout()
        tools.setSpacing(8)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.role_button)
        tools.addWidget(self.extend_button)
        tools.addWidget(self.end_button)
        tools.addWidget(self.remove_button)
        # Reviews on their own line, beside what the application's review stands at: the
        # tools line stays narrow enough for an 800 px window.
        reviews = QHBoxLayout()
        reviews.setSpacing(8)
        reviews.addWidget(self.review_info, 1)
        reviews.addWidget(self.review_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(10, 0, 0, 0)
        right_layout.setSpacing(8)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.subtitle)
        right_layout.addLayout(tools)
        right_layout.addLayout(reviews)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.view, 1)
        right_layout.addWidget(self.empty)
        splitter = page_splitter(Qt.Orientation.Horizontal, self.apps, right, stretch=(2, 5),
                                 sizes=(260, 790), stack_below=STACK_BELOW)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._connect_signals()
        self._show_app()

    def _connect_signals(self) -> None:
        self.apps.application_selected.connect(self.on_apps_application_selected)
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.on_model_error_raised)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.role_button.clicked.connect(self.on_role_button_clicked)
        self.extend_button.clicked.connect(self.on_extend_button_clicked)
        self.end_button.clicked.connect(self.on_end_button_clicked)
        self.review_button.clicked.connect(self.on_review_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        if self.app is None:
            return []
        rows: list[dict[str, Any]] = self.backend.call(
            "access.list", app_name=self.app["name"], search=search, limit=limit,
            offset=offset, sort=sort)
        # People are shown by name; the page's names are read in one query.
        names = self.backend.call("users.names", upns=[r["user"] for r in rows]) if rows else {}
        for row in rows:
            row["name"] = names.get(row["user"]) or names.get(row["user"].lower()) or row["user"]
        return rows

    # --- page protocol ----------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """Re-read everything shown (the live feed calls it): the applications with their
        Pending counts, the roles that can be chosen, and who has access."""
        self.apps.refresh()
        current = self.apps.current()
        if current is not None and self.app is not None and current["id"] == self.app["id"]:
            self.app = current  # renamed elsewhere: the list is read by the new name
            self.title.setText(f"Users and groups of {current['name']}")
        self._read_roles()
        self._show_review()
        self.model.refresh()

    def select_application(self, name: str) -> bool:
        return self.apps.select_name(name)

    def selected_user(self) -> dict[str, Any] | None:
        return self.model.row_at(self.view.currentIndex())

    def select_user(self, upn: str) -> bool:
        row = self.model.row_of(upn)
        if row >= 0:
            self.view.selectRow(row)
        return row >= 0

    # --- actions ----------------------------------------------------------------------------

    def remove_access(self) -> bool:
        row, app = self.selected_user(), self.app
        if row is None or app is None:
            return False
        if not ConfirmDialog.ask(
                self, "Remove access?",
                f"Remove {row['user']}'s access to {app['name']}? They leave the group "
                f"{row['group']} and lose any role assigned through self-service. They are "
                "told, and the removal is recorded in the audit log.",
                "Remove access", danger=True):
            return False
        try:
            self.backend.call("access.remove", app_name=app["name"], upn=row["user"])
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"Removed {row['user']}'s access to {app['name']}.", "info")
        after_own_write(self, self.refresh)
        return True

    def change_role(self) -> bool:
        row, app = self.selected_user(), self.app
        if row is None or app is None:
            return False
        value = RoleDialog.ask(self, row["user"], app["name"], self._roles, row["role"])
        if value is None:
            return False
        try:
            self.backend.call("access.role", app_name=app["name"], upn=row["user"],
                              role_value=value)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"{row['user']} now has the role {value} in {app['name']}.",
                               "info")
        after_own_write(self, self.model.refresh)
        return True

    def extend_access(self, choice: dict[str, Any] | None = None) -> bool:
        """Extend the selected person's time-bound access; `choice` ({"days": N} or
        {"until": "2027-03-12"}) skips the dialog."""
        row, app = self.selected_user(), self.app
        if row is None or app is None or not row.get("until"):
            return False
        if choice is None:
            choice = ExtendDialog.ask(self, row["user"], app["name"], row["until"],
                                      directory_zone(self.backend))
        if choice is None:
            return False
        try:
            view = self.backend.call("access.extend", app_name=app["name"], upn=row["user"],
                                     **choice)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"{row['user']}'s access to {app['name']} now lasts until "
                               f"{until_day(view['until'])}.", "info")
        after_own_write(self, self.model.refresh)
        return True

    def end_access(self) -> bool:
        row, app = self.selected_user(), self.app
        if row is None or app is None or not row.get("until"):
            return False
        if not ConfirmDialog.ask(
                self, "End access?",
                f"End {row['user']}'s access to {app['name']} now, instead of on "
                f"{until_day(row['until'])}? What the grant added (the group membership, the "
                "role) is removed; access the person has otherwise stays. They are told, and "
                "it is recorded in the audit log.", "End access", danger=True):
            return False
        try:
            self.backend.call("access.end", app_name=app["name"], upn=row["user"])
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"Ended {row['user']}'s access to {app['name']}.", "info")
        after_own_write(self, self.refresh)
        return True

    # --- slots ------------------------------------------------------------------------------

    def on_extend_button_clicked(self) -> None:
        self.extend_access()

    def on_end_button_clicked(self) -> None:
        self.end_access()

    def on_review_button_clicked(self) -> None:
        self.start_review()

    def start_review(self, choice: dict[str, Any] | None = None) -> bool:
        """Rule 20: Start review… (the dialog, unless `choice` is given)."""
        app = self.app
        if app is None:
            return False
        if choice is None:
            choice = StartReviewDialog.ask(self, app["name"], self.backend)
        if choice is None:
            return False
        try:
            view = self.backend.call("reviews.start", app_name=app["name"], **choice)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        after_own_write(self, self._show_review)
        self.message.show_text(
            f"Review {view['id']} of {app['name']} started: {view['members']} people, "
            f"reviewed by {', '.join(view['reviewer_upns'])}. They were told.", "info")
        self._show_review()
        return True

    def _show_review(self) -> None:
        """The application's active review, if any, under the tools."""
        active = None
        if self.app is not None:
            try:
                rows = self.backend.call("reviews.list", app=self.app["name"], status="active")
            except AccessDeskError:
                rows = []
            active = rows[0] if rows else None
        self.review_info.setText(review_line(active))
        self.review_info.setVisible(active is not None)
        self.review_button.setEnabled(self.app is not None and active is None)
        self.review_button.setToolTip(
            "Start an access review: reviewers decide who keeps access to this application"
            if active is None else "This application is under review already")

    def on_apps_application_selected(self, row: dict[str, Any] | None) -> None:
        changed = (row or {}).get("id") != (self.app or {}).get("id")
        self.app = row
        if changed:
            self.message.hide()
            self._show_app()

    def on_model_loaded(self) -> None:
        self._update()

    def on_model_error_raised(self, text: str) -> None:
        self.message.show_text(text, "error")

    def on_view_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update()

    def on_remove_button_clicked(self) -> None:
        self.remove_access()

    def on_role_button_clicked(self) -> None:
        self.change_role()

    def _show_app(self) -> None:
        app = self.app
        self.title.setText(f"Users and groups of {app['name']}" if app else "Users and groups")
        self._read_roles()
        self._show_review()
        self.model.reload()

    def _read_roles(self) -> None:
        self._roles = []
        if self.app is not None:
            try:
                self._roles = self.backend.call("access.roles", app_name=self.app["name"])
            except AccessDeskError as exc:
                self.message.show_text(for_people(exc), "error")

    def _update(self) -> None:
        has_app = self.app is not None
        # Rule 18: Until, Extend… and End access where someone's access ends; an application
        # whose access never ends keeps the page as it was.
        ends = any(r.get("until") for r in self.model.rows())
        self.view.setColumnHidden(self.model.column_index("until"), not ends)
        self.extend_button.setVisible(ends)
        self.end_button.setVisible(ends)
        self.view.setVisible(has_app and self.model.rowCount() > 0)
        self.empty.setVisible(not self.view.isVisibleTo(self))
        if self.app is None:
            self.empty.setText("Select an application to see who has access through "
                               "self-service.")
        elif self.model.search_text:
            self.empty.setText("Nobody with access matches this search.")
        else:
            self.empty.setText(f"Nobody has access to {self.app['name']} through self-service "
                               "yet.")
        row = self.selected_user()
        selected = row is not None
        self.remove_button.setEnabled(selected)
        bound = bool(row and row.get("until"))  # rule 18: only time-bound access ends
        self.extend_button.setEnabled(bound)
        self.end_button.setEnabled(bound)
        why = "" if bound else " (only time-bound access: this person's does not end)"
        self.extend_button.setToolTip("Let this person's time-bound access last longer" + why)
        self.end_button.setToolTip("End this person's time-bound access now: what the grant "
                                   "added is removed, other access stays" + why)
        assignable = any(not r["unavailable_reason"] for r in self._roles)
        self.role_button.setEnabled(selected and assignable)
        self.role_button.setToolTip(
            "Choose the role this person has in the application" if assignable else
            "This application exposes no role that can be assigned to users")
        self.search.setEnabled(has_app)
