"""Manage passwords: set the user name and password people sign in to a password-SSO app with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.common import (
    Banner,
    EmptyState,
    ErrorLabel,
    MessageLabel,
    SearchBox,
    button,
    label,
    setup_table,
)
from desktop.ui.myapps.parts import day
from desktop.ui.staleness import after_own_write
from desktop.ui.tablemodel import Column, PagedTableModel

if TYPE_CHECKING:
    from desktop.live.signals import FeedSignals


def status_text(row: dict[str, Any]) -> str:
    if not row["has_credentials"]:
        return "Not set"
    return f"Set by {row['set_by'] or 'someone'} on {day(row['set_at'])}"


class PasswordsPage(QWidget):
    """People with access to one application, and a form that sets their sign-in details.

    The form never shows stored details back: it only replaces them. `actor` is the person's
    row or a backend (desktop/api/backend.py): the details are encrypted where the services
    run, on this desktop or on the server, never here when it is the server.
    """

    def __init__(self, actor: Any, feed: FeedSignals, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.feed = feed
        self._apps: list[dict[str, Any]] = []

        intro = label("Set the user name and password people sign in to a password-based "
                      "application with. They are stored encrypted, are never shown again, and "
                      "the person copies them from My Apps.", "hint", wrap=True)
        intro.setAccessibleName("About managing passwords")
        self.key_banner = Banner("warning", name="Data key")
        self.key_banner.hide()
        self.app_combo = QComboBox()
        self.app_combo.setAccessibleName("Application")
        self.app_combo.view().setAccessibleName("Applications whose passwords you set")
        self.app_combo.setMinimumWidth(220)
        self.search = SearchBox("Search people with access", "Search people with access")
        top = QHBoxLayout()
        top.addWidget(label("Application:"))
        top.addWidget(self.app_combo)
        top.addWidget(self.search, 1)

        columns = [
            Column("name", "Person", sortable=False),
            Column("upn", "User principal name", sortable=False),
            Column("department", "Department", sortable=False),
            # "status" is added to each row by _fetch: it is made of several fields.
            Column("status", "Sign-in details", sortable=False, stretch=True,
                   icon=lambda row: icon("key" if row["has_credentials"] else "info")),
        ]
        self.model = PagedTableModel(columns, self._fetch, self, autoload=False)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "People with access")
        self.table.setSortingEnabled(False)
        self.empty = EmptyState("Nobody has access to this application yet.")
        self.empty.hide()

        self.form_box = QGroupBox("Sign-in details")
        self.form_box.setAccessibleName("Sign-in details form")
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.username.setPlaceholderText("The user name for the application's sign-in page")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Never shown again once saved")
        self.save_button = button("Save sign-in details", kind="primary",
                                  name="Save sign-in details")
        self.error = ErrorLabel(name="Passwords error")
        self.result = MessageLabel("hint", "Result")
        form = QFormLayout(self.form_box)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)
        form.addRow(self.error)
        form.addRow(self.result)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.key_banner)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.form_box)
        self._connect_signals()
        self.on_table_current_row_changed(QModelIndex(), QModelIndex())

    def _connect_signals(self) -> None:
        self.app_combo.currentIndexChanged.connect(self.on_app_combo_current_index_changed)
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.password.returnPressed.connect(self.on_save_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None, _sort: str | None
               ) -> list[dict[str, Any]]:
        app = self.current_app()
        if app is None:
            return []
        rows: list[dict[str, Any]] = self.backend.call(
            "password.users", app=app, search=search, limit=limit, offset=offset)
        for row in rows:
            row["status"] = status_text(row)
        return rows

    # --- data -----------------------------------------------------------------------------

    def current_app(self) -> str | None:
        return self.app_combo.currentData()

    def reload_apps(self) -> list[dict[str, Any]]:
        """Re-read the applications this approver may set passwords for; returns them."""
        apps: list[dict[str, Any]] = self.backend.call("password.apps")
        if apps and not self._apps:
            self.update_key_status()  # the page is about to be offered: say if it cannot work
        if [a["id"] for a in apps] != [a["id"] for a in self._apps]:
            keep = self.current_app()
            self._apps = apps
            self.app_combo.blockSignals(True)
            self.app_combo.clear()
            for a in apps:
                self.app_combo.addItem(a["name"], a["name"])
            index = self.app_combo.findData(keep) if keep else 0
            self.app_combo.setCurrentIndex(max(index, 0))
            self.app_combo.blockSignals(False)
            self.model.reload()
        return apps

    def update_key_status(self) -> None:
        """The banner saying why sign-in details cannot be stored or read, if they cannot:
        this desktop's data key locally, the server's when connected to one."""
        try:
            problem = self.backend.call("password.key_status")["problem"]
        except AccessDeskError:
            return  # the server is unreachable: the connection indicator says so
        if not problem:
            text = None
        elif self.backend.remote:
            text = ("Sign-in details cannot be saved or read at the moment: the Access Desk "
                    f"server reports that {problem}. Tell its administrator; everything else "
                    "works.")
        else:
            text = (f"{problem[0].upper()}{problem[1:]}. Everything else works; sign-in "
                    "details cannot be saved or read on this desktop until then.")
        self.key_banner.show_text(text, "warning")

    def refresh(self) -> None:
        self.model.refresh()

    def select_person(self, upn: str) -> bool:
        while self.model.canFetchMore():
            self.model.fetchMore()
        for i, row in enumerate(self.model.rows()):
            if row["upn"] == upn:
                self.table.selectRow(i)
                return True
        return False

    def selected_row(self) -> dict[str, Any] | None:
        return self.model.row_at(self.table.currentIndex())

    # --- slots ------------------------------------------------------------------------------

    def on_app_combo_current_index_changed(self, _index: int) -> None:
        self.model.reload()

    def on_model_loaded(self) -> None:
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_current_row_changed(self.table.currentIndex(), QModelIndex())

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_data(current.row()) if current.isValid() else None
        enabled = row is not None
        for widget in (self.username, self.password, self.save_button):
            widget.setEnabled(enabled)
        if row is None:
            self.form_box.setTitle("Sign-in details: select a person above")
        else:
            verb = "Replace" if row["has_credentials"] else "Set"
            self.form_box.setTitle(f"{verb} the sign-in details of {row['name']} for "
                                   f"{self.current_app()}")

    def on_save_button_clicked(self) -> None:
        row = self.selected_row()
        app = self.current_app()
        if row is None or app is None:
            return
        self.error.clear_message()
        self.result.clear_message()
        try:
            self.backend.call("password.set", app=app, upn=row["upn"],
                              username=self.username.text(), password=self.password.text())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            self.update_key_status()
            return
        finally:
            # The secret leaves the widget whatever happened; it is never shown back.
            self.password.clear()
        self.username.clear()
        self.result.show_message(f"Saved the sign-in details of {row['name']} for {app}. "
                                 f"{row['name'].split(' ')[0]} can copy them from My Apps.")
        self.update_key_status()
        after_own_write(self, self.refresh)
