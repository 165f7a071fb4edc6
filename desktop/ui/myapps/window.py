"""My Apps: the applications a person has, the self-service catalog, and his requests."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError
from desktop.live import LiveFeed
from desktop.models import User
from desktop.resources import icon
from desktop.services import catalog, credentials, myapps, notifications, requests
from desktop.ui.clipboard import SecretClipboard
from desktop.ui.common import (
    STATUS_LABELS,
    Banner,
    ConfirmDialog,
    EmptyState,
    ErrorLabel,
    MessageLabel,
    SearchBox,
    app_icon,
    button,
    label,
    set_tabbed_central,
    setup_table,
    shortcut,
    status_column,
)
from desktop.ui.connection import add_connection_indicator
from desktop.ui.tablemodel import Column, PagedTableModel

from .parts import bold, day, when
from .request_dialog import RequestDialog, approval_statement
from .tiles import ROW_ROLE, TILE, AppTilesModel, TileDelegate

APPS_TAB, CATALOG_TAB, REQUESTS_TAB = 0, 1, 2
SEARCH_DEBOUNCE_MS = 150
NOTICE_KINDS = ("access_removed", "role_changed", "credentials")
STATE_LABELS = {
    "requestable": "Available to request",
    "requested": "Requested",
    "owned": "You have it",
    "license_required": "License required",
}
STATE_ICONS = {"requestable": "request", "requested": "info", "owned": "approve",
               "license_required": "lock"}


# --- Apps ------------------------------------------------------------------------------------


class AppsPage(QWidget):
    """Tiles of the user's applications, a search box, and the selected one's details."""

    def __init__(self, actor: User, feed: LiveFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.feed = feed
        self.clipboard = SecretClipboard(self)
        self._current: dict[str, Any] | None = None

        self.search = SearchBox("Search your apps", "Search your apps")
        self.refresh_button = button("", "refresh", name="Refresh", tip="Refresh (F5)")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh_button)

        self.model = AppTilesModel(self)
        self.tiles = QListView()
        self.tiles.setAccessibleName("Your applications")
        self.tiles.setModel(self.model)
        self.tiles.setItemDelegate(TileDelegate(self.tiles))
        self.tiles.setViewMode(QListView.ViewMode.IconMode)
        self.tiles.setResizeMode(QListView.ResizeMode.Adjust)
        self.tiles.setMovement(QListView.Movement.Static)
        self.tiles.setUniformItemSizes(True)
        self.tiles.setGridSize(TILE)
        self.tiles.setSpacing(0)
        self.tiles.setWrapping(True)
        self.tiles.setMouseTracking(True)
        self.tiles.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tiles.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.empty = EmptyState("You have no applications yet.\nFind one under "
                                "Request new apps (Ctrl+R).",
                                no_match="No application matches your search.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tiles)
        self.stack.addWidget(self.empty)

        self.details = self._details_panel()
        middle = QHBoxLayout()
        middle.setSpacing(12)
        middle.addWidget(self.stack, 1)
        middle.addWidget(self.details)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(middle, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._connect_signals()
        self.reload()

    def _details_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("details")
        panel.setFixedWidth(300)
        panel.setAccessibleName("Application details")
        self.detail_icon = QLabel()
        self.detail_icon.setAccessibleName("Application icon")
        self.detail_name = label("", "heading", wrap=True)
        self.detail_name.setAccessibleName("Application name")
        self.detail_publisher = label("", "hint", wrap=True)
        self.detail_publisher.setAccessibleName("Publisher")
        self.detail_description = label("", wrap=True)
        self.detail_description.setAccessibleName("Description")
        self.detail_role = label("", wrap=True)
        self.detail_role.setAccessibleName("Your role")
        self.detail_sso = label("", "hint", wrap=True)
        self.detail_sso.setAccessibleName("Single sign-on")
        self.credential_status = label("", wrap=True)
        self.credential_status.setAccessibleName("Sign-in details")
        self.copy_username_button = button("Copy user name", "copy", name="Copy user name",
                                           tip="Put your user name on the clipboard for 30 s")
        self.copy_password_button = button("Copy password", "copy", name="Copy password",
                                           tip="Put your password on the clipboard for 30 s; "
                                               "it is never shown")
        self.open_button = button("Open sign-in page", "application", name="Open sign-in page")
        self.clip_message = MessageLabel("hint", "Clipboard")
        self.error = ErrorLabel(name="Apps error")
        self.placeholder = EmptyState("Select an application to see its details.")

        heading = QHBoxLayout()
        heading.setSpacing(10)
        heading.addWidget(self.detail_icon, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.detail_name)
        names.addWidget(self.detail_publisher)
        heading.addLayout(names, 1)

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(8)
        inner.addLayout(heading)
        inner.addWidget(self.detail_description)
        inner.addWidget(self.detail_role)
        inner.addSpacing(4)
        inner.addWidget(self.detail_sso)
        inner.addWidget(self.credential_status)
        inner.addWidget(self.copy_username_button)
        inner.addWidget(self.copy_password_button)
        inner.addWidget(self.clip_message)
        inner.addWidget(self.error)
        inner.addSpacing(4)
        inner.addWidget(self.open_button)
        inner.addStretch(1)
        self.details_body = body

        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.placeholder)
        layout.addWidget(body, 1)
        body.hide()
        return panel

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self.on_search_text_changed)
        self._search_timer.timeout.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.tiles.selectionModel().currentChanged.connect(self.on_tiles_current_changed)
        self.tiles.activated.connect(self.on_tiles_activated)
        self.copy_username_button.clicked.connect(self.on_copy_username_button_clicked)
        self.copy_password_button.clicked.connect(self.on_copy_password_button_clicked)
        self.open_button.clicked.connect(self.on_open_button_clicked)
        self.clipboard.copied.connect(self.on_clipboard_copied)
        self.clipboard.cleared.connect(self.on_clipboard_cleared)

    # --- data -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the user's applications, keeping the selected one."""
        keep = self._current["id"] if self._current else None
        try:
            rows = myapps.my_apps(self.actor, self.search.text())
        except AccessDeskError as exc:
            self.error.show_message(exc.message)
            return
        self.model.set_rows(rows)
        self.empty.say(bool(self.search.text().strip()))
        self.stack.setCurrentWidget(self.tiles if rows else self.empty)
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            self.tiles.setCurrentIndex(self.model.index(row))
        else:
            self._show_details(None)

    def app_names(self) -> list[str]:
        return [r["name"] for r in self.model.rows()]

    def select_app(self, name: str) -> bool:
        for i, row in enumerate(self.model.rows()):
            if row["name"] == name:
                self.tiles.setCurrentIndex(self.model.index(i))
                return True
        return False

    def _show_details(self, row: dict[str, Any] | None) -> None:
        self._current = row
        self.placeholder.setVisible(row is None)
        self.details_body.setVisible(row is not None)
        if row is None:
            return
        self.error.clear_message()
        self.detail_icon.setPixmap(app_icon(row["name"]).pixmap(QSize(48, 48)))
        self.detail_name.setText(row["name"])
        self.detail_publisher.setText(f"by {row['publisher']}" if row.get("publisher") else "")
        self.detail_description.setText(row.get("description") or "")
        self.detail_description.setVisible(bool(row.get("description")))
        self.detail_role.setText(f"Your role: {row['role']}" if row.get("role") else "")
        self.detail_role.setVisible(bool(row.get("role")))
        password = row.get("sso") == "password"
        self.detail_sso.setText(
            "Password-based sign-in: Access Desk keeps the user name and password an approver "
            "set for you, encrypted." if password else "")
        self.detail_sso.setVisible(password)
        if password and row.get("has_credentials"):
            status = f"Your sign-in details were set on {day(row['credentials_set_at'])}."
        elif password:
            status = ("No sign-in details have been set for you yet; an approver of this "
                      "application sets them.")
        else:
            status = ""
        self.credential_status.setText(status)
        self.credential_status.setVisible(password)
        for b in (self.copy_username_button, self.copy_password_button):
            b.setVisible(password)
            b.setEnabled(bool(row.get("has_credentials")))
        self.open_button.setVisible(bool(row.get("homepage")))
        if not self.clipboard.holding:
            self.clip_message.clear_message()

    # --- slots ------------------------------------------------------------------------------

    def on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    def on_tiles_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_details(current.data(ROW_ROLE) if current.isValid() else None)

    def on_tiles_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row and row.get("homepage"):
            QDesktopServices.openUrl(QUrl(row["homepage"]))

    def on_open_button_clicked(self) -> None:
        if self._current and self._current.get("homepage"):
            QDesktopServices.openUrl(QUrl(self._current["homepage"]))

    def on_copy_username_button_clicked(self) -> None:
        self._copy("username")

    def on_copy_password_button_clicked(self) -> None:
        self._copy("password")

    def _copy(self, what: str) -> None:
        if self._current is None:
            return
        self.error.clear_message()
        try:
            creds = credentials.read_own_credentials(self.actor, self._current["name"], what)
        except AccessDeskError as exc:
            self.error.show_message(exc.message)
            return
        self._copied_what = "User name" if what == "username" else "Password"
        self.clipboard.copy(creds.username if what == "username" else creds.password)
        del creds
        self.feed.poll_now()

    def on_clipboard_copied(self, seconds: int) -> None:
        self.clip_message.show_message(
            f"{self._copied_what} copied. The clipboard is cleared in {seconds} seconds.")

    def on_clipboard_cleared(self) -> None:
        self.clip_message.show_message("The clipboard was cleared.")


# --- Request new apps --------------------------------------------------------------------


class CatalogPage(QWidget):
    """The self-service catalog: searchable, owned and requested ones marked, not hidden."""

    def __init__(self, actor: User, feed: LiveFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.feed = feed
        self.license_message: str | None = None
        self.request_dialog: RequestDialog | None = None

        self.license_banner = Banner("warning", name="License")
        self.license_banner.hide()
        self.outcome = Banner("info", name="Request outcome")
        self.outcome.hide()
        self.search = SearchBox("Search by name, publisher or description",
                                "Search the catalog")
        self.request_button = button("Request…", kind="primary",
                                     name="Request the selected application",
                                     tip="Request the selected application (Ctrl+R)")
        self.error = ErrorLabel(name="Catalog error")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.request_button)

        columns = [
            Column("name", "Application", sortable=False,
                   icon=lambda row: app_icon(row["name"])),
            Column("publisher", "Publisher", sortable=False),
            Column("requires_approval", "Approval", sortable=False,
                   formatter=lambda v: "Needs approval" if v else "Added at once"),
            Column("state", "Status", sortable=False,
                   formatter=lambda v: STATE_LABELS.get(v, v or ""),
                   icon=lambda row: icon(STATE_ICONS.get(row["state"], "info"))),
            Column("description", "Description", sortable=False),
        ]
        self.model = PagedTableModel(columns, self._fetch, self, row_tooltip=self._tooltip)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "Self-service applications", stretch=4)
        self.table.setSortingEnabled(False)
        self.table.setColumnWidth(0, 190)
        self.table.setColumnWidth(1, 170)
        self.table.setColumnWidth(2, 120)
        self.table.setColumnWidth(3, 200)
        self.empty = EmptyState("No application is offered for self-service yet.",
                                no_match="No self-service application matches your search.")
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.license_banner)
        layout.addWidget(self.outcome)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        self._connect_signals()
        self.on_model_loaded()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.request_button.clicked.connect(self.on_request_button_clicked)

    def _fetch(self, offset: int, limit: int, search: str | None, _sort: str | None
               ) -> list[dict[str, Any]]:
        rows, message = catalog.catalog(self.actor, search, limit=limit, offset=offset)
        self.license_message = message
        return rows

    @staticmethod
    def _tooltip(row: dict[str, Any]) -> str:
        parts = [row["name"]]
        if row.get("description"):
            parts.append(row["description"])
        parts.append(STATE_LABELS.get(row["state"], row["state"]))
        return "\n".join(parts)

    def selected_row(self) -> dict[str, Any] | None:
        return self.model.row_at(self.table.currentIndex())

    def select_app(self, name: str) -> bool:
        for i, row in enumerate(self.model.rows()):
            if row["name"] == name:
                self.table.selectRow(i)
                self.table.setCurrentIndex(self.model.index(i, 0))
                return True
        return False

    def refresh(self) -> None:
        self.model.refresh()

    def on_model_loaded(self) -> None:
        self.license_banner.show_text(self.license_message, "warning")
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_current_row_changed(self.table.currentIndex(), QModelIndex())

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_data(current.row()) if current.isValid() else None
        self.request_button.setEnabled(bool(row and row["state"] == "requestable"))
        if row and row["state"] == "requestable":
            self.request_button.setToolTip(
                f"Request {row['name']} (Ctrl+R). {approval_statement(self._preview(row))}")

    @staticmethod
    def _preview(row: dict[str, Any]) -> dict[str, Any]:
        return {"app": row["name"], "requires_approval": row["requires_approval"],
                "approvers": [{"name": upn} for upn in row["approvers"]]}

    def on_table_double_clicked(self, _index: QModelIndex) -> None:
        self.on_request_button_clicked()

    def on_request_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None or row["state"] != "requestable":
            return
        self.error.clear_message()
        try:
            dialog = RequestDialog(self.actor, row["name"], self)
        except AccessDeskError as exc:
            self.error.show_message(exc.message)
            return
        self.request_dialog = dialog
        dialog.submitted.connect(self.on_request_dialog_submitted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def on_request_dialog_submitted(self, view: dict[str, Any]) -> None:
        self.request_dialog = None
        if view["status"] == "approved":
            self.outcome.show_text(f"{view['app']} was added to your apps. Find it under Apps.",
                                   "info")
        else:
            self.outcome.show_text(
                f"Your request for {view['app']} is waiting for approval. Follow it under "
                "My requests.", "info")
        self.feed.poll_now()
        self.model.refresh()


# --- My requests ------------------------------------------------------------------------------


class RequestsModel(PagedTableModel):
    """My requests; rows whose outcome the user has not seen yet are bold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fresh_ids: set[int] = set()

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            if self.id_at(index.row()) in self.fresh_ids:
                parent = self.parent()
                font = parent.font() if isinstance(parent, QWidget) else None
                if font is not None:
                    return bold(font)
        return super().data(index, role)


class RequestsPage(QWidget):
    """The user's requests with status, approver, reason and dates; Cancel for pending ones."""

    def __init__(self, actor: User, feed: LiveFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.feed = feed

        self.notices = Banner("warning", name="Changes to your access")
        self.notices.hide()
        self.search = SearchBox("Search by application or status", "Search your requests")
        self.cancel_button = button("Cancel request", "cancel", name="Cancel the selected request",
                                    tip="Cancel the selected pending request")
        self.refresh_button = button("", "refresh", name="Refresh", tip="Refresh (F5)")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.cancel_button)
        top.addWidget(self.refresh_button)
        self.error = ErrorLabel(name="Requests error")
        self.result = MessageLabel("hint", "Result")

        columns = [
            Column("app", "Application", sort_key="app",
                   icon=lambda row: app_icon(row["app"])),
            status_column(),
            Column("approver", "Approver", sortable=False),
            Column("created_at", "Requested", formatter=day),
            Column("decided_at", "Decided", formatter=day),
            Column("reason", "Reason", sortable=False),
        ]
        self.model = RequestsModel(columns, self._fetch, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_table(self.table, "Your requests", stretch=5)
        for col, width in enumerate((200, 120, 200, 110, 110)):
            self.table.setColumnWidth(col, width)
        self.detail = label("", "hint", wrap=True)
        self.detail.setAccessibleName("Selected request")
        self.empty = EmptyState("You have not requested any application yet.",
                                no_match="No request matches your search.")
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.notices)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.result)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.detail)
        self._connect_signals()
        self.on_model_loaded()
        self.update_notices()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.refresh_button.clicked.connect(self.refresh)

    def _fetch(self, offset: int, limit: int, search: str | None, sort: str | None
               ) -> list[dict[str, Any]]:
        return myapps.list_my_requests(self.actor, search, limit=limit, offset=offset, sort=sort)

    def refresh(self) -> None:
        self.model.refresh()
        self.update_notices()

    def update_notices(self) -> None:
        """A line per recent change an administrator made to the user's access."""
        try:
            rows = notifications.list_notifications(self.actor, 3, kinds=NOTICE_KINDS)
        except AccessDeskError as exc:
            self.error.show_message(exc.message)
            return
        lines = [f"{'New: ' if not n['read'] else ''}{day(n['created_at'])}: {n['message']}"
                 for n in rows]
        self.notices.show_text("\n".join(lines) if lines else None,
                               "warning" if any(not n["read"] for n in rows) else "info")

    def mark_seen(self) -> None:
        """The user is looking: what was unread stays bold this time, and the badge clears."""
        try:
            self.model.fresh_ids |= notifications.unread_request_ids(self.actor)
            changed = notifications.mark_read(self.actor, "all", notifications.DECISION_KINDS)
        except AccessDeskError as exc:
            self.error.show_message(exc.message)
            return
        if changed:
            self.feed.poll_now()
        self.table.viewport().update()

    def forget_fresh(self) -> None:
        self.model.fresh_ids.clear()
        self.table.viewport().update()

    def selected_row(self) -> dict[str, Any] | None:
        return self.model.row_at(self.table.currentIndex())

    def select_request(self, request_id: int) -> bool:
        row = self.model.row_of(request_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def on_model_loaded(self) -> None:
        self.empty.stand_in_for(self.table, self.model)
        self.on_table_current_row_changed(self.table.currentIndex(), QModelIndex())

    def on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_data(current.row()) if current.isValid() else None
        self.cancel_button.setEnabled(bool(row and row["status"] == "pending"))
        if row is None:
            self.detail.setText("")
            return
        status = STATUS_LABELS[row["status"]].lower()
        dates = f"requested {when(row['created_at'])}"
        if row["decided_at"]:
            dates += f", {status} {when(row['decided_at'])}"
        parts = [f"Request {row['id']} for {row['app']}: {dates}."]
        parts.append(f"Your justification: {row['justification'] or '(none)'}")
        if row["status"] == "pending":
            parts.append(f"Waiting for: {row['approver']}")
        elif row["reason"] and row["decided_by"]:
            parts.append(f"Reason given by {row['approver']}: {row['reason']}")
        elif row["reason"]:
            parts.append(f"Reason: {row['reason']}")
        self.detail.setText("\n".join(parts))

    def on_cancel_button_clicked(self) -> None:
        row = self.selected_row()
        if row is None or row["status"] != "pending":
            return
        if not ConfirmDialog.ask(self, "Cancel request",
                                 f"Cancel your request for {row['app']}? You can ask again "
                                 "later.", "Cancel request", danger=True):
            return
        self.error.clear_message()
        try:
            requests.cancel(self.actor, row["id"])
        except AccessDeskError as exc:
            self.error.show_message(exc.message)
            return
        self.result.show_message(f"Your request for {row['app']} was cancelled.")
        self.feed.poll_now()
        self.model.refresh()


# --- the window -------------------------------------------------------------------------------


class MyAppsWindow(QMainWindow):
    """Every signed-in user's window: Apps, Request new apps, My requests (with its badge)."""

    def __init__(self, actor: User, feed: LiveFeed | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        # Without a shared feed (a screenshot, a test) the window keeps its own.
        self.feed = feed if feed is not None else LiveFeed(self)
        feed = self.feed
        self.unseen = 0
        self.setWindowTitle(f"My Apps: {actor.display_name}")
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("My Apps")
        self.resize(1000, 660)

        heading = label("My Apps", "heading")
        who = label(f"{actor.display_name} ({actor.upn})", "hint")
        who.setAccessibleName("Signed in as")
        header = QHBoxLayout()
        header.addWidget(heading)
        header.addStretch(1)
        header.addWidget(who)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("My Apps sections")
        self.apps_page = AppsPage(actor, feed)
        self.catalog_page = CatalogPage(actor, feed)
        self.requests_page = RequestsPage(actor, feed)
        self.tabs.addTab(self.apps_page, icon("application"), "Apps")
        self.tabs.addTab(self.catalog_page, icon("request"), "Request new apps")
        self.tabs.addTab(self.requests_page, icon("info"), "My requests")

        set_tabbed_central(self, header, self.tabs)

        self._shortcuts = [
            shortcut(self, QKeySequence.StandardKey.Find, self.on_find_shortcut_activated,
                     Qt.ShortcutContext.WindowShortcut),
            shortcut(self, "Ctrl+R", self.on_request_shortcut_activated,
                     Qt.ShortcutContext.WindowShortcut),
            shortcut(self, "F5", self.on_refresh_shortcut_activated,
                     Qt.ShortcutContext.WindowShortcut),
        ]
        self._connect_signals()
        add_connection_indicator(self, self.feed, hide_bar_when_connected=True)
        self.feed.start()
        self.update_badge()

    def _connect_signals(self) -> None:
        self.tabs.currentChanged.connect(self.on_tabs_current_changed)
        self.feed.requests_changed.connect(self.on_feed_requests_changed)
        self.feed.access_changed.connect(self.on_feed_access_changed)
        self.feed.notifications_changed.connect(self.on_feed_notifications_changed)
        self.feed.settings_changed.connect(self.on_feed_settings_changed)

    # --- badge ------------------------------------------------------------------------------

    def update_badge(self) -> None:
        try:
            self.unseen = notifications.unread_count(self.actor)
        except AccessDeskError:
            return
        text = f"My requests ({self.unseen})" if self.unseen else "My requests"
        self.tabs.setTabText(REQUESTS_TAB, text)
        self.tabs.setTabToolTip(
            REQUESTS_TAB, f"{self.unseen} decision(s) or access change(s) you have not seen"
            if self.unseen else "Your requests")
        if self.unseen and self._looking_at_requests():
            self.requests_page.mark_seen()

    def _looking_at_requests(self) -> bool:
        return self.isVisible() and self.tabs.currentIndex() == REQUESTS_TAB

    def show_request(self, request_id: int) -> None:
        self.tabs.setCurrentIndex(REQUESTS_TAB)
        self.requests_page.select_request(request_id)

    # --- slots ------------------------------------------------------------------------------

    def on_tabs_current_changed(self, index: int) -> None:
        if index == REQUESTS_TAB:
            self.requests_page.mark_seen()
        else:
            self.requests_page.forget_fresh()

    def on_feed_requests_changed(self) -> None:
        self.catalog_page.refresh()
        self.requests_page.refresh()

    def on_feed_access_changed(self) -> None:
        self.apps_page.reload()
        self.catalog_page.refresh()

    def on_feed_notifications_changed(self) -> None:
        self.update_badge()
        self.requests_page.update_notices()

    def on_feed_settings_changed(self, _app_id: int) -> None:
        self.catalog_page.refresh()

    def on_find_shortcut_activated(self) -> None:
        page = self.tabs.currentWidget()
        search = getattr(page, "search", None)
        if search is not None:
            search.setFocus()
            search.selectAll()

    def on_request_shortcut_activated(self) -> None:
        if self.tabs.currentIndex() != CATALOG_TAB:
            self.tabs.setCurrentIndex(CATALOG_TAB)
            self.catalog_page.search.setFocus()
            return
        row = self.catalog_page.selected_row()
        if row is not None and row["state"] == "requestable":
            self.catalog_page.on_request_button_clicked()
        else:
            self.catalog_page.search.setFocus()

    def on_refresh_shortcut_activated(self) -> None:
        self.feed.poll_now()
        self.apps_page.reload()
        self.catalog_page.refresh()
        self.requests_page.refresh()
        self.update_badge()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.tabs.currentIndex() == REQUESTS_TAB:
            self.requests_page.mark_seen()

    def closeEvent(self, event: QCloseEvent) -> None:
        # A secret must not outlive the window that put it on the clipboard.
        self.apps_page.clipboard.clear_now()
        super().closeEvent(event)
