"""My Apps' first tab: tiles of a person's applications and the selected one's details."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.clipboard import SecretClipboard
from desktop.ui.common import (
    Banner,
    ConfirmDialog,
    EmptyState,
    ErrorLabel,
    MessageLabel,
    SearchBox,
    app_icon,
    button,
    label,
)

from .parts import day, until
from .tiles import ROW_ROLE, TILE, AppTilesModel, TileDelegate

# Apps: the details panel's width beside the tiles; a page narrower than STACK_BELOW shows
# the details below the tiles instead, so the tiles keep their width (four to a row at 700).
DETAILS_WIDTH, STACK_BELOW = 300, 820
QWIDGETSIZE_MAX = (1 << 24) - 1


class AppsPage(QWidget):
    """Tiles of the user's applications, a search box, and the selected one's details."""

    def __init__(self, actor: Any, feed: Any, parent: QWidget | None = None) -> None:
        # feed: the window's live feed (LiveFeed or RemoteFeed), for poll_now after a write
        super().__init__(parent)
        self.actor = actor  # the person's row, or a backend (desktop/api/backend.py)
        self.backend = as_backend(actor)
        self.feed = feed
        self.clipboard = SecretClipboard(self)
        self._current: dict[str, Any] | None = None

        self.search = SearchBox("Search your apps", "Search your apps")
        self.refresh_button = button("", "refresh", name="Refresh", tip="Refresh (F5)")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh_button)

        self.model = AppTilesModel(self._fetch, self)
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
        # The details beside the tiles, or below them in a narrow window (resizeEvent).
        self.stacked = False
        middle = self.middle = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        middle.setSpacing(12)
        middle.addWidget(self.stack, 1)
        middle.addWidget(self.details)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(middle, 1)

        self._connect_signals()
        self.on_model_loaded()

    def _details_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("details")
        panel.setFixedWidth(DETAILS_WIDTH)
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
        # Rule 18: access that ends, and asking to keep it.
        self.detail_until = label("", wrap=True)
        self.detail_until.setAccessibleName("Access ends")
        self.extend_button = button("Request extension", "request", name="Request extension",
                                    tip="Ask to keep this application longer; it is decided "
                                        "as a request is")
        self.extend_message = MessageLabel("hint", "Extension")
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
        self.no_browser = self._no_browser_box()
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
        inner.addWidget(self.detail_until)
        inner.addWidget(self.extend_button, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.extend_message)
        inner.addSpacing(4)
        inner.addWidget(self.detail_sso)
        inner.addWidget(self.credential_status)
        inner.addWidget(self.copy_username_button)
        inner.addWidget(self.copy_password_button)
        inner.addWidget(self.clip_message)
        inner.addWidget(self.error)
        inner.addSpacing(4)
        inner.addWidget(self.open_button)
        inner.addWidget(self.no_browser)
        inner.addStretch(1)
        self.details_body = body

        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.placeholder)
        layout.addWidget(body, 1)
        body.hide()
        return panel

    def _no_browser_box(self) -> QWidget:
        """What "Open sign-in page" says when no web browser opened the address: the address,
        to select or copy into a browser elsewhere."""
        box = QWidget()
        box.setAccessibleName("No web browser")
        self.no_browser_banner = Banner("warning", name="No web browser")
        self.no_browser_banner.show_text("No web browser opened on this computer. Copy the "
                                         "address into a browser to sign in:", "warning")
        self.address = QLineEdit()
        self.address.setReadOnly(True)
        self.address.setAccessibleName("Sign-in page address")
        self.copy_address_button = button("Copy address", "copy", name="Copy address",
                                          tip="Put the sign-in page's address on the clipboard")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.no_browser_banner)
        layout.addWidget(self.address)
        layout.addWidget(self.copy_address_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.hide()
        return box

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.refresh_button.clicked.connect(self.reload)
        self.tiles.selectionModel().currentChanged.connect(self.on_tiles_current_changed)
        self.tiles.activated.connect(self.on_tiles_activated)
        self.copy_username_button.clicked.connect(self.on_copy_username_button_clicked)
        self.copy_password_button.clicked.connect(self.on_copy_password_button_clicked)
        self.open_button.clicked.connect(self.on_open_button_clicked)
        self.extend_button.clicked.connect(self.on_extend_button_clicked)
        self.copy_address_button.clicked.connect(self.on_copy_address_button_clicked)
        self.clipboard.copied.connect(self.on_clipboard_copied)
        self.clipboard.cleared.connect(self.on_clipboard_cleared)

    # --- data -----------------------------------------------------------------------------

    def _fetch(self, offset: int, limit: int, search: str | None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.backend.call("me.apps", search=search, limit=limit,
                                                       offset=offset)
        return rows

    def reload(self) -> None:
        """Re-read the user's applications down to those seen, keeping the selected one."""
        self.model.refresh()

    def on_model_loaded(self) -> None:
        """The tiles were (re)read: the empty state, and the selected application again (a
        search reads anew; its details are re-read with it)."""
        self.stack.setCurrentWidget(self.tiles if self.model.rowCount() else self.empty)
        self.empty.say(bool(self.model.search_text))
        keep = self._current["id"] if self._current else None
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            self.tiles.setCurrentIndex(self.model.index(row, 0))
            self._show_details(self.model.row_data(row))
        else:
            self._show_details(None)

    def app_names(self) -> list[str]:
        return [r["name"] for r in self.model.rows()]

    def select_app(self, name: str) -> bool:
        """Select the application of this name, reading on through the pages to find it."""
        while (row := self._row_named(name)) < 0 and self.model.canFetchMore():
            self.model.fetchMore()
        if row >= 0:
            self.tiles.setCurrentIndex(self.model.index(row, 0))
        return row >= 0

    def _row_named(self, name: str) -> int:
        return next((i for i, r in enumerate(self.model.rows()) if r["name"] == name), -1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        self.set_stacked(event.size().width() < STACK_BELOW)
        super().resizeEvent(event)

    def set_stacked(self, stacked: bool) -> None:
        """Details beside the tiles (a fixed column), or below them across the page; there,
        nothing is shown until an application is chosen, so the tiles keep the room."""
        if stacked == self.stacked:
            return
        self.stacked = stacked
        self.middle.setDirection(QBoxLayout.Direction.TopToBottom if stacked
                                 else QBoxLayout.Direction.LeftToRight)
        if stacked:
            self.details.setMinimumWidth(0)
            self.details.setMaximumWidth(QWIDGETSIZE_MAX)
            self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        else:
            self.details.setFixedWidth(DETAILS_WIDTH)
            self.details.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.details.setVisible(not stacked or self._current is not None)

    def _show_details(self, row: dict[str, Any] | None) -> None:
        self.details.setVisible(not self.stacked or row is not None)
        if row is None or row.get("homepage") != self.address.text():
            self.no_browser.hide()  # it was about another application's page
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
        self._show_until(row)
        password = bool(row.get("password_sso"))  # rule 12, as the service says
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

    def _show_until(self, row: dict[str, Any]) -> None:
        """Rule 18: when access ends, and whether an extension may be asked for."""
        ends = row.get("until")
        extension = row.get("extension") or {}
        self.detail_until.setText(f"Your access lasts until {until(ends)}." if ends else "")
        self.detail_until.setVisible(bool(ends))
        self.extend_button.setVisible(bool(ends))
        state = extension.get("state")
        self.extend_button.setEnabled(state == "requestable")
        if state == "requested":
            self.extend_button.setToolTip("Your request to extend it is waiting for approval "
                                          "(see My requests)")
            self.extend_message.show_message("Your request to extend it is waiting for "
                                             "approval.")
        else:
            self.extend_button.setToolTip(
                for_people(extension["reason"]) if extension.get("reason") else
                "Ask to keep this application longer; it is decided as a request is")
            if not self.extend_message.text().startswith("Your access to"):
                self.extend_message.clear_message()

    def request_extension(self) -> dict[str, Any] | None:
        """Ask to extend access to the selected application (rule 18), after a confirmation."""
        row = self._current
        if row is None or not row.get("until"):
            return None
        if not ConfirmDialog.ask(
                self, "Request extension?",
                f"Ask to keep {row['name']} after {until(row['until'])}? The request is "
                "decided as a request for the application is; approved, your access lasts "
                "the application's duration longer.", "Request extension"):
            return None
        self.error.clear_message()
        try:
            view: dict[str, Any] = self.backend.call("request.create", app_name=row["name"],
                                                     extend=True)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return None
        self.reload()
        if view["status"] == "approved":
            fresh = next((r for r in self.model.rows() if r["id"] == row["id"]), row)
            self.extend_message.show_message(
                f"Your access to {row['name']} now lasts until {until(fresh.get('until'))}.")
        else:
            self.extend_message.show_message("Your request to extend it is waiting for "
                                             "approval.")
        self.feed.poll_now()
        return view

    # --- slots ------------------------------------------------------------------------------

    def on_extend_button_clicked(self) -> None:
        self.request_extension()

    def on_tiles_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_details(current.data(ROW_ROLE) if current.isValid() else None)

    def on_tiles_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        self.open_sign_in_page(index.data(ROW_ROLE))

    def on_open_button_clicked(self) -> None:
        self.open_sign_in_page(self._current)

    def open_sign_in_page(self, row: dict[str, Any] | None) -> bool:
        """Open the application's page in the web browser; where none opens it, say so and
        give the address to copy."""
        if not row or not row.get("homepage"):
            return False
        if QDesktopServices.openUrl(QUrl(row["homepage"])):
            self.no_browser.hide()
            return True
        self.address.setText(row["homepage"])
        self.address.setCursorPosition(0)
        self.address.setToolTip(row["homepage"])
        self.no_browser.show()
        self.address.setFocus()
        self.address.selectAll()
        return False

    def on_copy_address_button_clicked(self) -> None:
        self.clipboard.clear_now()  # a password is not left behind under the address
        QGuiApplication.clipboard().setText(self.address.text())
        self.clip_message.show_message("The address was copied.")

    def on_copy_username_button_clicked(self) -> None:
        self._copy("username")

    def on_copy_password_button_clicked(self) -> None:
        self._copy("password")

    def _copy(self, what: str) -> None:
        if self._current is None:
            return
        self.error.clear_message()
        try:
            creds = self.backend.call("password.read", app=self._current["name"], what=what)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self._copied_what = "User name" if what == "username" else "Password"
        self.clipboard.copy(creds[what])
        del creds
        self.feed.poll_now()

    def on_clipboard_copied(self, seconds: int) -> None:
        self.clip_message.show_message(
            f"{self._copied_what} copied. The clipboard is cleared in {seconds} seconds.")

    def on_clipboard_cleared(self) -> None:
        self.clip_message.show_message("The clipboard was cleared.")
