"""Directory: users (license, roles, enabled) and groups (kind, members), as the rights allow."""

from __future__ import annotations

from typing import Any, TypedDict

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.admin.pickers import group_kind
from desktop.ui.admin.widgets import RIGHT, form_dialog, page_splitter
from desktop.ui.common import (
    LICENSE_LABELS,
    ROLE_LABELS,
    Banner,
    ConfirmDialog,
    SearchBox,
    accessible,
    button,
    label,
    setup_table,
)
from desktop.ui.keys import SearchListKeys, dialog_keys
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

ONLY_GLOBAL = "Only a Global Administrator may change users"


def _user_type_tip(row: dict[str, Any]) -> str | None:
    if row.get("user_type") != "guest":
        return None
    state = {"PendingAcceptance": "has not accepted the invitation yet",
             "Accepted": "accepted the invitation"}.get(row.get("external_user_state") or "")
    text = "A guest from outside the organization; his license decides what he may request"
    return f"{text}. He {state}." if state else f"{text}."


def _roles_text(roles: list[str]) -> str:
    return ", ".join(ROLE_LABELS.get(r, r) for r in roles)


class UserDialog(QDialog):
    """Add a user, or change one: name, mail, department, license, roles, enabled.

    ``saved`` holds the service's view once saved (its "warnings", if any, are for the page)."""

    def __init__(self, parent: QWidget | None, actor: Any,
                 user: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.actor, self.user = actor, user
        self.backend = as_backend(actor)
        self.saved: dict[str, Any] | None = None
        title = f"Change {user['upn']}" if user else "Add a user"
        form, self.error, buttons = form_dialog(self, title, "Save" if user else "Add user")
        self.upn = accessible(QLineEdit(user["upn"] if user else ""), "User name")
        self.upn.setPlaceholderText("name@example.com")
        self.upn.setReadOnly(user is not None)
        self.name = accessible(QLineEdit(user["name"] if user else ""), "Display name")
        self.mail = accessible(QLineEdit((user or {}).get("mail") or ""), "E-mail")
        self.department = accessible(QLineEdit((user or {}).get("department") or ""),
                                     "Department")
        self.license = accessible(QComboBox(), "License")
        for value, text in LICENSE_LABELS.items():
            self.license.addItem(text, value)
        self.license.setCurrentIndex(self.license.findData((user or {}).get("license", "p1")))
        self.roles = {}
        roles_box = QWidget()
        roles_layout = QVBoxLayout(roles_box)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        for value, text in ROLE_LABELS.items():
            box = accessible(QCheckBox(text), text)
            box.setChecked(value in (user or {}).get("roles", []))
            self.roles[value] = box
            roles_layout.addWidget(box)
        self.enabled = accessible(QCheckBox("Account enabled"), "Account enabled")
        self.enabled.setChecked(bool((user or {}).get("enabled", True)))
        self.password = accessible(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Optional; at least 12 characters")
        form.addRow("User name", self.upn)
        form.addRow("Display name", self.name)
        form.addRow("E-mail", self.mail)
        form.addRow("Department", self.department)
        form.addRow("License", self.license)
        form.addRow("Directory roles", roles_box)
        form.addRow("", self.enabled)
        if user is None:
            form.addRow("Password", self.password)
        buttons.accepted.connect(self.on_buttons_accepted)
        dialog_keys(self, self.name if user else self.upn, buttons, errors=[self.error])

    def on_buttons_accepted(self) -> None:
        roles = [r for r, box in self.roles.items() if box.isChecked()]
        try:
            if self.user is None:
                self.saved = self.backend.call(
                    "users.add", upn=self.upn.text(), name=self.name.text(),
                    mail=self.mail.text().strip() or None,
                    department=self.department.text().strip() or None,
                    license=self.license.currentData(), roles=roles,
                    enabled=self.enabled.isChecked(), password=self.password.text() or None)
            else:
                self.saved = self.backend.call(
                    "users.set", upn=self.user["upn"], name=self.name.text(),
                    mail=self.mail.text().strip() or None,
                    department=self.department.text().strip() or None,
                    license=self.license.currentData(), roles=roles,
                    enabled=self.enabled.isChecked())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    @classmethod
    def run(cls, parent: QWidget | None, actor: Any,
            user: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The saved user's view, or None when the person cancelled."""
        dialog = cls(parent, actor, user)
        try:
            return dialog.saved if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class PasswordDialog(QDialog):
    """A Global Administrator sets someone's password."""

    def __init__(self, parent: QWidget | None, actor: Any, upn: str) -> None:
        super().__init__(parent)
        self.actor, self.upn = actor, upn
        self.backend = as_backend(actor)
        form, self.error, buttons = form_dialog(self, f"Set the password of {upn}",
                                                 "Set password")
        self.first = accessible(QLineEdit(), "New password")
        self.second = accessible(QLineEdit(), "Repeat the password")
        for edit in (self.first, self.second):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("New password", self.first)
        form.addRow("Repeat it", self.second)
        buttons.accepted.connect(self.on_buttons_accepted)
        dialog_keys(self, self.first, buttons, errors=[self.error])

    def on_buttons_accepted(self) -> None:
        if self.first.text() != self.second.text():
            self.error.show_message("The two passwords differ.")
            return
        try:
            self.backend.call("users.set_password", upn=self.upn, password=self.first.text())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    @classmethod
    def run(cls, parent: QWidget | None, actor: Any, upn: str) -> bool:
        return cls(parent, actor, upn).exec() == QDialog.DialogCode.Accepted


class GroupFlags(TypedDict, total=False):
    """The keyword arguments of directory.add_group that make a group's kind."""

    mail_enabled: bool
    distribution: bool
    on_prem_synced: bool
    dynamic: bool


class GroupDialog(QDialog):
    """Add a group: a cloud security group unless another kind is chosen."""

    KINDS: list[tuple[str, GroupFlags]] = [("Security group (members added by hand)", {}),
             ("Mail-enabled security group", {"mail_enabled": True}),
             ("Distribution list", {"distribution": True}),
             ("Synchronized from on-premises", {"on_prem_synced": True}),
             ("Dynamic membership", {"dynamic": True})]

    def __init__(self, parent: QWidget | None, actor: Any) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        form, self.error, buttons = form_dialog(self, "Add a group", "Add group")
        self.name = accessible(QLineEdit(), "Group name")
        self.description = accessible(QLineEdit(), "Description")
        self.kind = accessible(QComboBox(), "Group type")
        for text, _flags in self.KINDS:
            self.kind.addItem(text)
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("Type", self.kind)
        buttons.accepted.connect(self.on_buttons_accepted)
        dialog_keys(self, self.name, buttons, errors=[self.error])

    def on_buttons_accepted(self) -> None:
        flags = self.KINDS[self.kind.currentIndex()][1]
        try:
            self.backend.call("groups.add", name=self.name.text(),
                              description=self.description.text().strip() or None, **flags)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    @classmethod
    def run(cls, parent: QWidget | None, actor: Any) -> bool:
        return cls(parent, actor).exec() == QDialog.DialogCode.Accepted


class PersonPickerDialog(QDialog):
    """Choose one person (a new group member)."""

    def __init__(self, parent: QWidget | None, actor: Any, title: str) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(620, 480)
        self.search = SearchBox("Search people", "Search people")
        self.model = PagedTableModel([
            Column("name", "Name", icon=lambda r: icon("users"), primary=True),
            Column("upn", "User name"),
            Column("department", "Department", stretch=True),
        ], self._fetch, self, id_key="upn")
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "People")
        buttons = QDialogButtonBox()
        buttons.addButton(button("Select", kind="primary"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(label(title, "question"))
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.model.set_search)
        self.view.doubleClicked.connect(self.accept)
        SearchListKeys(self.search, self.view, self.on_row_picked)
        dialog_keys(self, self.search, buttons)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "users.list", search=search, limit=limit, offset=offset, sort=sort)

    def chosen(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.row_data(index.row())["upn"] if index.isValid() else None

    def on_row_picked(self, row: int) -> None:
        if row >= 0:
            self.view.selectRow(row)
            self.accept()

    @classmethod
    def pick(cls, parent: QWidget | None, actor: Any, title: str) -> str | None:
        dialog = cls(parent, actor, title)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()


class UsersPage(QWidget):
    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.can_change = "global_admin" in self.backend.desk()["roles"]
        self.search = SearchBox("Search by name, user name or department", "Search users")
        self.add_button = button("Add user…", "add", name="Add user")
        self.edit_button = button("Change…", "settings", name="Change user",
                                  tip="License, roles, name and department")
        self.toggle_button = button("Disable", "lock", name="Disable or enable user")
        self.password_button = button("Set password…", "key", name="Set password")
        # Rule 19: any administrator says when an approver is away, and who decides for him.
        self.away_button = button("Set away…", name="Set away",
                                  tip="Say when the selected approver is away and who decides "
                                      "for him meanwhile")
        self.message = Banner("info", name="Users message")
        self.message.hide()
        self.model = PagedTableModel([
            Column("name", "Name", icon=lambda r: icon("users"), primary=True),
            Column("upn", "User name"),
            Column("department", "Department"),
            Column("license", "License", formatter=lambda v: LICENSE_LABELS.get(v, v or ""),
                   samples=tuple(LICENSE_LABELS.values())),
            Column("roles", "Directory roles", sortable=False, formatter=_roles_text,
                   stretch=True),
            Column("enabled", "Enabled", formatter=lambda v: "Yes" if v else "Disabled",
                   samples=("Yes", "Disabled")),
            Column("user_type", "Type", formatter=lambda v: "Guest" if v == "guest" else "Member",
                   samples=("Member", "Guest"), cell_tooltip=_user_type_tip,
                   tooltip="A member of the organization, or a guest invited from outside"),
        ], self._fetch, self, id_key="upn",
            row_tooltip=lambda r: None if r["enabled"] else f"{r['upn']} is disabled")
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "Users")
        tools = QHBoxLayout()
        tools.setSpacing(8)
        tools.addWidget(self.search, 1)
        for b in (self.add_button, self.edit_button, self.toggle_button, self.password_button):
            tools.addWidget(b)
            if not self.can_change:
                b.setToolTip(ONLY_GLOBAL)
        tools.addWidget(self.away_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(label("Users", "heading"))
        self.read_only = label("Read-only: only a Global Administrator adds users or changes "
                               "licenses, roles, passwords and accounts.", "hint", wrap=True)
        self.read_only.setVisible(not self.can_change)
        layout.addWidget(self.read_only)
        layout.addLayout(tools)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        self._connect_signals()
        self._update()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.error_raised.connect(self.on_model_error_raised)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        self.view.doubleClicked.connect(self.on_edit_button_clicked)
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.toggle_button.clicked.connect(self.on_toggle_button_clicked)
        self.password_button.clicked.connect(self.on_password_button_clicked)
        self.away_button.clicked.connect(self.on_away_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        return self.backend.call(  # type: ignore[no-any-return]
            "users.list", search=search, limit=limit, offset=offset, sort=sort)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        self.model.refresh()
        self._update()

    def selected(self) -> dict[str, Any] | None:
        return self.model.row_at(self.view.currentIndex())

    def set_enabled(self, enabled: bool) -> bool:
        user = self.selected()
        if user is None:
            return False
        verb = "Enable" if enabled else "Disable"
        text = (f"Enable {user['upn']}? They can sign in again." if enabled else
                f"Disable {user['upn']}? Their history and access stay; their pending "
                "requests are closed and they leave every approver list.")
        if not ConfirmDialog.ask(self, f"{verb} {user['name']}?", text, verb,
                                 danger=not enabled):
            return False
        try:
            self.backend.call("users.set", upn=user["upn"], enabled=enabled)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"{user['upn']} is {'enabled' if enabled else 'disabled'}.",
                               "info")
        after_own_write(self, self.refresh)
        return True

    def on_model_error_raised(self, text: str) -> None:
        self.message.show_text(text, "error")

    def on_view_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update()

    def on_add_button_clicked(self) -> None:
        saved = UserDialog.run(self, self.backend)
        if saved is not None:
            self._show_saved("The user was added.", saved)
            after_own_write(self, self.refresh)

    def on_edit_button_clicked(self, *_args: object) -> None:
        user = self.selected()
        saved = UserDialog.run(self, self.backend, user) if user and self.can_change else None
        if user is not None and saved is not None:
            self._show_saved(f"Saved {user['upn']}.", saved)
            after_own_write(self, self.refresh)

    def _show_saved(self, text: str, saved: dict[str, Any]) -> None:
        """Saved; a warning (a name mixing scripts) is shown with it, in the warning's tone."""
        warnings = [for_people(w) for w in saved.get("warnings", [])]
        self.message.show_text(" ".join([text, *warnings]), "warning" if warnings else "info")

    def on_toggle_button_clicked(self) -> None:
        user = self.selected()
        if user is not None:
            self.set_enabled(not user["enabled"])

    def on_password_button_clicked(self) -> None:
        user = self.selected()
        if user is not None and PasswordDialog.run(self, self.backend, user["upn"]):
            self.message.show_text(f"The password of {user['upn']} was set.", "info")

    def on_away_button_clicked(self) -> None:
        from desktop.ui.approvals.away import AwayDialog
        from desktop.ui.away_text import away_sentence

        user = self.selected()
        if user is None:
            return
        try:
            saved = AwayDialog.ask(self, self.backend, user["upn"])
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return
        if saved is not None:
            self.message.show_text(away_sentence(saved, you=False)
                                   or f"{user['name']} is not away.", "info")

    def _update(self) -> None:
        user = self.selected()
        self.away_button.setEnabled(user is not None)
        self.add_button.setEnabled(self.can_change)
        for b in (self.edit_button, self.toggle_button, self.password_button):
            b.setEnabled(self.can_change and user is not None)
        self.toggle_button.setText("Enable" if user and not user["enabled"] else "Disable")
        self.toggle_button.setIcon(icon("verify" if user and not user["enabled"] else "lock"))


class GroupsPage(QWidget):
    def __init__(self, actor: Any, parent: QWidget | None = None) -> None:
        """`actor`: the person's row or a backend (desktop/api/backend.py)."""
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.search = SearchBox("Search groups by name", "Search groups")
        self.add_button = button("Add group…", "add", name="Add group")
        self.message = Banner("info", name="Groups message")
        self.message.hide()
        self.model = PagedTableModel([  # the four flags are bools: Column shows Yes/No
            Column("name", "Name", icon=lambda r: icon("group"), stretch=True),
            Column("kind", "Type", sortable=False),
            Column("on_prem_synced", "Synced"),
            Column("dynamic", "Dynamic"),
            Column("security_enabled", "Security"),
            Column("mail_enabled", "Mail"),
            Column("members", "Members", sortable=False, align=RIGHT),
        ], self._fetch, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, "Groups")

        self.members_title = label("Members", "question")
        self.members_hint = label("", "hint", wrap=True)
        self.add_member_button = button("Add member…", "add", name="Add member")
        self.remove_member_button = button("Remove member", "remove", name="Remove member")
        self.members = PagedTableModel([
            Column("name", "Name", icon=lambda r: icon("users"), primary=True),
            Column("upn", "User name"),
            Column("department", "Department", sortable=False, stretch=True),
        ], self._fetch_members, self, id_key="upn", autoload=False)
        self.members_view = QTableView()
        self.members_view.setModel(self.members)
        setup_table(self.members_view, "Group members")
        self.members_view.setSortingEnabled(False)

        tools = QHBoxLayout()
        tools.addWidget(self.search, 1)
        tools.addWidget(self.add_button)
        member_tools = QHBoxLayout()
        member_tools.addWidget(self.members_title, 1)
        member_tools.addWidget(self.add_member_button)
        member_tools.addWidget(self.remove_member_button)
        members_box = QWidget()
        members_layout = QVBoxLayout(members_box)
        members_layout.setContentsMargins(0, 6, 0, 0)
        members_layout.addLayout(member_tools)
        members_layout.addWidget(self.members_hint)
        members_layout.addWidget(self.members_view, 1)
        splitter = page_splitter(Qt.Orientation.Vertical, self.view, members_box,
                                 sizes=(330, 260))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(label("Groups", "heading"))
        layout.addLayout(tools)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._connect_signals()
        self._update()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.error_raised.connect(self.on_model_error_raised)
        self.members.error_raised.connect(self.on_model_error_raised)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        self.members_view.selectionModel().currentRowChanged.connect(
            self.on_members_view_current_changed)
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.add_member_button.clicked.connect(self.on_add_member_button_clicked)
        self.remove_member_button.clicked.connect(self.on_remove_member_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.backend.call(
            "admin.groups", search=search, limit=limit, offset=offset, sort=sort)
        for row in rows:
            row["kind"] = group_kind(row)
        return rows

    def _fetch_members(self, offset: int, limit: int, search: str | None,
                       sort: str | None) -> list[dict[str, Any]]:
        group = self.selected()
        if group is None:
            return []
        return self.backend.call(  # type: ignore[no-any-return]
            "groups.members", group_name=group["name"], limit=limit, offset=offset)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        self.model.refresh()
        self.members.refresh()
        self._update()

    def selected(self) -> dict[str, Any] | None:
        return self.model.row_at(self.view.currentIndex())

    def add_member(self, upn: str) -> bool:
        group = self.selected()
        if group is None:
            return False
        try:
            self.backend.call("groups.add_member", group_name=group["name"], upn=upn)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return False
        self.message.show_text(f"Added {upn} to {group['name']}.", "info")
        after_own_write(self, self.refresh)
        return True

    def on_model_error_raised(self, text: str) -> None:
        self.message.show_text(text, "error")

    def on_view_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self.members.reload()
        self._update()

    def on_members_view_current_changed(self, _c: QModelIndex, _p: QModelIndex) -> None:
        self._update()

    def on_add_button_clicked(self) -> None:
        if GroupDialog.run(self, self.backend):
            self.message.show_text("The group was added.", "info")
            after_own_write(self, self.refresh)

    def on_add_member_button_clicked(self) -> None:
        group = self.selected()
        if group is None:
            return
        upn = PersonPickerDialog.pick(self, self.backend, f"Add a member to {group['name']}")
        if upn:
            self.add_member(upn)

    def on_remove_member_button_clicked(self) -> None:
        group = self.selected()
        index = self.members_view.currentIndex()
        if group is None or not index.isValid():
            return
        upn = self.members.row_data(index.row())["upn"]
        if not ConfirmDialog.ask(self, "Remove member?",
                                 f"Remove {upn} from {group['name']}? If the group gives "
                                 "access to applications, that access goes too.",
                                 "Remove member", danger=True):
            return
        try:
            self.backend.call("groups.remove_member", group_name=group["name"], upn=upn)
        except AccessDeskError as exc:
            self.message.show_text(for_people(exc), "error")
            return
        self.message.show_text(f"Removed {upn} from {group['name']}.", "info")
        after_own_write(self, self.refresh)

    def _update(self) -> None:
        group = self.selected()
        managed_here = group is not None and bool(group.get("members_editable"))  # rule 3
        self.members_title.setText(f"Members of {group['name']}" if group else "Members")
        if group is None:
            self.members_hint.setText("Select a group to see its members.")
        elif group["on_prem_synced"]:
            self.members_hint.setText("Synchronized from on-premises: its members are "
                                      "changed there. Read-only here.")
        elif group["dynamic"]:
            self.members_hint.setText("Dynamic membership: its rule decides the members. "
                                      "Read-only here.")
        else:
            self.members_hint.setText(f"{group['kind']} group; {group['members']} "
                                      f"member{'s' if group['members'] != 1 else ''}.")
        self.add_member_button.setEnabled(managed_here)
        self.remove_member_button.setEnabled(
            managed_here and self.members_view.currentIndex().isValid())
