"""Users and groups: who has access through self-service, with Remove access and Change role."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, for_people
from desktop.models import User
from desktop.resources import icon
from desktop.services import access, directory, selfservice
from desktop.ui.admin.widgets import ApplicationList, page_splitter
from desktop.ui.common import (
    Banner,
    ConfirmDialog,
    EmptyState,
    SearchBox,
    button,
    label,
    setup_table,
)
from desktop.ui.keys import dialog_keys
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
        buttons = QDialogButtonBox()
        self.confirm = button("Change role", "role", kind="primary")
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
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


class AccessPage(QWidget):
    """Applications with self-service on the left; who has access to the selected one."""

    def __init__(self, actor: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
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
        self.message = Banner("info", name="Access message")
        self.message.hide()
        self.model = PagedTableModel([
            Column("name", "Name", icon=lambda r: icon("users"), sortable=False, primary=True),
            Column("user", "User name", tooltip="User principal name"),
            Column("group", "Group", sortable=False),
            Column("role", "Role", sortable=False, formatter=lambda v: v or "Default access"),
            Column("since", "Since", formatter=lambda v: (v or "")[:10], samples=("2026-12-28",),
                   tooltip="When the person joined the self-service group (UTC)"),
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
        tools.addWidget(self.remove_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(10, 0, 0, 0)
        right_layout.setSpacing(8)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.subtitle)
        right_layout.addLayout(tools)
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

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        if self.app is None:
            return []
        rows = access.list_access(self.actor, self.app["name"], search=search, limit=limit,
                                  offset=offset, sort=sort)
        # People are shown by name; the page's names are read in one query.
        names = directory.display_names(self.actor, [r["user"] for r in rows])
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
            access.remove_access(self.actor, app["name"], row["user"])
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
            access.change_role(self.actor, app["name"], row["user"], value)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"{row['user']} now has the role {value} in {app['name']}.",
                               "info")
        after_own_write(self, self.model.refresh)
        return True

    # --- slots ------------------------------------------------------------------------------

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
        self.model.reload()

    def _read_roles(self) -> None:
        self._roles = []
        if self.app is not None:
            try:
                self._roles = selfservice.role_choices(self.actor, self.app["name"])
            except AccessDeskError as exc:
                self.message.show_text(for_people(exc), "error")

    def _update(self) -> None:
        has_app = self.app is not None
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
        selected = self.selected_user() is not None
        self.remove_button.setEnabled(selected)
        assignable = any(not r["unavailable_reason"] for r in self._roles)
        self.role_button.setEnabled(selected and assignable)
        self.role_button.setToolTip(
            "Choose the role this person has in the application" if assignable else
            "This application exposes no role that can be assigned to users")
        self.search.setEnabled(has_app)
