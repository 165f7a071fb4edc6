"""The Admin console: applications and their self-service, access, requests, audit, directory,
signed-in devices."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import Refused
from desktop.resources import icon
from desktop.ui.admin.applications import ApplicationsPage
from desktop.ui.admin.transfer import TransferActions
from desktop.ui.common import ROLE_LABELS, DemoBanner
from desktop.ui.connection import add_connection_indicator
from desktop.ui.editor import EditorPage, dirty
from desktop.ui.staleness import LazyPage, Staleness, after_own_write

if TYPE_CHECKING:
    from desktop.live.signals import FeedSignals
    from desktop.ui.admin.access import AccessPage
    from desktop.ui.admin.audit import AuditPage
    from desktop.ui.admin.directory import GroupsPage, UsersPage
    from desktop.ui.admin.mail import EmailPage
    from desktop.ui.admin.requests import RequestsPage
    from desktop.ui.admin.sessions import SessionsPage

# Qt adds " — Access Desk" (the application display name) to every window title itself.
TITLE = "Admin console"
APPLICATIONS, ACCESS, REQUESTS, AUDIT, EMAIL, USERS, GROUPS, SESSIONS = range(8)
# The page list's width: names and icons, or icons only below NAV_NARROW_BELOW pixels.
NAV_WIDE, NAV_NARROW, NAV_NARROW_BELOW = 214, 58, 1000
PAGES = [
    ("Enterprise applications", "application"),
    ("Users and groups", "users"),
    ("Requests", "request"),
    ("Audit log", "audit"),
    ("E-mail", "mail"),
    ("Users", "users"),
    ("Groups", "group"),
    ("Signed-in devices", "device"),
]
SHORTCUTS = [
    ("Ctrl+F", "Search in the current page"),
    ("Ctrl+S", "Save the settings being edited"),
    ("Esc", "Discard the changes being edited"),
    ("F5", "Refresh the current page"),
    ("Ctrl+1 … Ctrl+8", "Go to a page"),
    ("Ctrl+N", "New application (Enterprise applications)"),
    ("Ctrl+I", "Import from Microsoft Graph (Global Administrators)"),
    ("Delete", "Remove access of the selected person (Users and groups)"),
    ("Delete", "Sign out the selected device (Signed-in devices)"),
    ("Ctrl+Q", "Quit"),
]


class AdminWindow(QMainWindow):
    """For Global, Cloud Application and Application Administrators only (rights table).

    Connects to the live feed (``desktop.live.LiveFeed``) when one is given, so changes made
    by other windows or desktops show here.
    """

    def __init__(self, actor: Any, feed: FeedSignals | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A person's row (the local shell, the tests) or a backend; the pages share this
        # window's backend, so the person is read once (`desk`), not once per page.
        self.backend = as_backend(actor)
        self.me = self.backend.desk(fresh=True)  # his roles now, as the rights table sees them
        why = self.me["windows"]["admin"]
        if why is not None:
            raise Refused("rights table", why.removesuffix(" (rights table)"))
        self.actor = actor
        self.feed = feed
        self.setWindowTitle(TITLE)
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("Admin console")
        self.resize(1280, 800)

        # Each page is built (and reads) the first time it is shown: a stand-in holds its place
        # in the stack until then (desktop.ui.staleness.LazyPage).
        self.lazy_pages: list[LazyPage] = []
        for index in range(len(PAGES)):
            lazy = LazyPage(functools.partial(self._build_page, index))
            lazy.page_built.connect(functools.partial(self._on_page_built, index))
            self.lazy_pages.append(lazy)

        self.nav = QListWidget()
        self.nav.setAccessibleName("Pages")
        self.nav.setIconSize(QSize(20, 20))
        # Icons only in a narrow window (resizeEvent): the pages keep the width they need.
        self.nav.setMinimumWidth(NAV_NARROW)
        self.nav.setMaximumWidth(NAV_WIDE)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._nav_narrow = False
        self.nav.setSpacing(1)
        self.nav.setObjectName("nav")
        self.nav.setStyleSheet(
            "QListWidget#nav { border: none; background-color: transparent; padding: 6px; }"
            "QListWidget#nav::item { padding: 8px 10px; border-radius: 6px; }"
            "QListWidget#nav::item:selected { background-color: #dbe7f6; color: #0d2a4d; "
            "font-weight: bold; }")
        for number, (title, icon_name) in enumerate(PAGES, start=1):
            item = QListWidgetItem(icon(icon_name), title)
            item.setToolTip(f"{title} (Ctrl+{number})")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        self.stack.setAccessibleName("Page")
        for lazy in self.lazy_pages:
            self.stack.addWidget(lazy)

        self.nav_caption = QLabel("ADMIN CONSOLE")
        self.nav_caption.setProperty("role", "hint")
        self.nav_caption.setAccessibleName("Admin console")
        self.nav_caption.setContentsMargins(16, 12, 0, 0)
        # Hidden in a narrow window: its width must not hold the window wide.
        self.nav_caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        nav_box = QWidget()
        nav_layout = QVBoxLayout(nav_box)
        nav_layout.setContentsMargins(0, 0, 0, 0)
        nav_layout.setSpacing(2)
        nav_layout.addWidget(self.nav_caption)
        nav_layout.addWidget(self.nav, 1)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.demo_banner: DemoBanner | None = None
        if self.me.get("demo"):
            self.demo_banner = DemoBanner()
            banner_box = QWidget()
            banner_layout = QHBoxLayout(banner_box)
            banner_layout.setContentsMargins(12, 8, 12, 0)
            banner_layout.addWidget(self.demo_banner)
            outer.addWidget(banner_box)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 12, 10)
        body.setSpacing(8)
        body.addWidget(nav_box)
        page_box = QVBoxLayout()
        page_box.setContentsMargins(0, 10, 0, 0)
        page_box.addWidget(self.stack)
        body.addLayout(page_box, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status()
        self._build_staleness()
        self._connect_signals()
        self.nav.setCurrentRow(APPLICATIONS)

    # --- building ---------------------------------------------------------------------------

    def _build_page(self, index: int) -> QWidget:
        """Page `index`, built when first shown or asked for (its module imported then)."""
        if index == APPLICATIONS:
            return ApplicationsPage(self.backend)
        if index == ACCESS:
            from desktop.ui.admin.access import AccessPage
            return AccessPage(self.backend)
        if index == REQUESTS:
            from desktop.ui.admin.requests import RequestsPage
            return RequestsPage(self.backend)
        if index == AUDIT:
            from desktop.ui.admin.audit import AuditPage
            return AuditPage(self.backend)
        if index == EMAIL:
            from desktop.ui.admin.mail import EmailPage
            return EmailPage(self.backend)
        if index in (USERS, GROUPS):
            from desktop.ui.admin.directory import GroupsPage, UsersPage
            return UsersPage(self.backend) if index == USERS else GroupsPage(self.backend)
        from desktop.ui.admin.sessions import SessionsPage
        return SessionsPage(self.backend)

    def _on_page_built(self, index: int, page: Any) -> None:
        """What a page needs from the window, once it exists."""
        if index == APPLICATIONS:
            page.set_import_action(self.transfers.import_action)
            page.application_changed.connect(self.on_applications_application_changed)
            page.data_saved.connect(self.on_applications_data_saved)
            page.dirty_changed.connect(self.on_page_dirty_changed)  # its settings pages'
        elif index == ACCESS:
            page.view.addAction(self.remove_access_action)
            page.apps.application_selected.connect(self.on_access_application_selected)
        elif index == EMAIL:
            page.dirty_changed.connect(self.on_page_dirty_changed)

    def page(self, index: int) -> Any:
        """Page `index`, built now if it was not (tests, and what a page's action needs)."""
        return self.lazy_pages[index].page()

    def built_page(self, index: int) -> Any:
        """Page `index` if it was built, else None: nothing hidden is built to be looked at."""
        return self.lazy_pages[index].built_page()

    @property
    def pages(self) -> list[QWidget]:
        """Every page, each built if it was not yet."""
        return [lazy.page() for lazy in self.lazy_pages]

    # Each page by name, built when first asked for.
    applications: ApplicationsPage = property(lambda self: self.page(APPLICATIONS))  # type: ignore[assignment]
    access: AccessPage = property(lambda self: self.page(ACCESS))  # type: ignore[assignment]
    requests: RequestsPage = property(lambda self: self.page(REQUESTS))  # type: ignore[assignment]
    audit: AuditPage = property(lambda self: self.page(AUDIT))  # type: ignore[assignment]
    email: EmailPage = property(lambda self: self.page(EMAIL))  # type: ignore[assignment]
    users: UsersPage = property(lambda self: self.page(USERS))  # type: ignore[assignment]
    groups: GroupsPage = property(lambda self: self.page(GROUPS))  # type: ignore[assignment]
    sessions: SessionsPage = property(lambda self: self.page(SESSIONS))  # type: ignore[assignment]

    def _action(self, text: str, icon_name: str | None, keys: Any, slot: Any,
                tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if keys:
            action.setShortcuts(keys if isinstance(keys, list) else [QKeySequence(keys)])
        action.setStatusTip(tip or text.replace("&", ""))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.save_action = self._action("&Save", "save", "Ctrl+S", self.on_save_action_triggered,
                                        "Save the settings being edited")
        self.discard_action = self._action("&Discard changes", "discard", "Esc",
                                           self.on_discard_action_triggered)
        self.refresh_action = self._action("&Refresh", "refresh", "F5",
                                           self.on_refresh_action_triggered)
        self.search_action = self._action("&Find", "search", "Ctrl+F",
                                          self.on_search_action_triggered,
                                          "Search in the current page")
        self.quit_action = self._action("&Quit", None, "Ctrl+Q", self.on_quit_action_triggered)
        self.remove_access_action = self._action(
            "&Remove access", "remove", QKeySequence.StandardKey.Delete,
            self.on_remove_access_action_triggered)
        self.remove_access_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.page_actions = []
        for number, (title, icon_name) in enumerate(PAGES, start=1):
            action = self._action(title, icon_name, f"Ctrl+{number}",
                                  lambda _checked=False, i=number - 1: self.show_page(i))
            self.page_actions.append(action)

        self.new_application_action = self._action(
            "&New application…", "add", "Ctrl+N", self.on_new_application_action_triggered,
            "Add an application to the directory (Enterprise applications)")
        self.transfers = TransferActions(self.backend, self)
        self.time_zone_action = self._action(
            "Directory &time zone…", None, None, self.on_time_zone_action_triggered,
            "Where dates chosen for access, absences and reviews end (Global Administrator)")
        if "global_admin" not in self.me["roles"]:
            self.time_zone_action.setEnabled(False)
            self.time_zone_action.setToolTip("Only a Global Administrator changes the "
                                             "directory's time zone")

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.setToolTipsVisible(True)  # a disabled import says why
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.discard_action)
        file_menu.addSeparator()
        file_menu.addAction(self.new_application_action)
        file_menu.addAction(self.transfers.import_action)
        file_menu.addMenu(self.transfers.export_menu)
        file_menu.addAction(self.time_zone_action)
        file_menu.addSeparator()
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.search_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        go_menu = menu.addMenu("&Go")
        for action in self.page_actions:
            go_menu.addAction(action)
        self.window_menu = menu.addMenu("&Window")
        self.window_menu.setAccessibleName("Window")
        help_menu = menu.addMenu("&Help")
        shortcuts = QAction("&Keyboard shortcuts", self)
        shortcuts.triggered.connect(self.on_shortcuts_action_triggered)
        help_menu.addAction(shortcuts)

    def on_time_zone_action_triggered(self) -> None:
        from .time_zone import TimeZoneDialog

        saved = TimeZoneDialog.ask(self, self.backend)
        if saved is not None:
            self.statusBar().showMessage(
                f"The directory's time zone is {saved['time_zone']}: dates chosen from now on "
                "end there.", 15_000)

    def _build_status(self) -> None:
        me = self.me
        roles = ", ".join(ROLE_LABELS[r] for r in me["roles"])
        on = f" · on the server {self.backend.place}" if self.backend.remote else ""
        self.who = QLabel(f"Signed in as {me['name']} ({me['upn']}) · {roles}{on}")
        self.who.setAccessibleName("Signed in as")
        self.statusBar().addWidget(self.who, 1)
        self.state = QLabel("")
        self.state.setAccessibleName("Status")
        self.statusBar().addPermanentWidget(self.state)
        add_connection_indicator(self, self.feed)

    def _build_staleness(self) -> None:
        """Each page refreshes when what it shows changed, once, and only while seen."""
        # On the stand-ins: a page not built yet reads nothing; it is built fresh when shown.
        refreshes = [self._refresh_applications, self._refresh_access, self._refresh_requests,
                     self._refresh_audit, self._refresh_email, self._refresh_users,
                     self._refresh_groups, self._refresh_sessions]
        self.staleness = [Staleness(lazy, refresh)
                          for lazy, refresh in zip(self.lazy_pages, refreshes, strict=True)]

    def mark_stale(self, page: int, note: Any = None) -> None:
        self.staleness[page].mark_stale(note)

    def _connect_signals(self) -> None:
        self.nav.currentRowChanged.connect(self.on_nav_current_row_changed)
        self.transfers.data_imported.connect(self.on_transfers_data_imported)
        if self.feed is not None:
            self.feed.settings_changed.connect(self.on_feed_settings_changed)
            self.feed.requests_changed.connect(self.on_feed_requests_changed)
            self.feed.access_changed.connect(self.on_feed_access_changed)
            self.feed.directory_changed.connect(self.on_feed_directory_changed)
            self.feed.audit_changed.connect(self.on_feed_audit_changed)
            self.feed.mail_changed.connect(self.on_feed_mail_changed)

    # --- navigation -------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        self.set_nav_narrow(event.size().width() < NAV_NARROW_BELOW)
        super().resizeEvent(event)

    def set_nav_narrow(self, narrow: bool) -> None:
        """Page names beside their icons, or (a narrow window) icons only, named in tips."""
        if narrow == self._nav_narrow:
            return
        self._nav_narrow = narrow
        self.nav.setMaximumWidth(NAV_NARROW if narrow else NAV_WIDE)
        self.nav_caption.setVisible(not narrow)
        for number, (title, _icon) in enumerate(PAGES):
            self.nav.item(number).setText("" if narrow else title)

    def show_page(self, index: int) -> None:
        """Go to a page; Ctrl+1 on an application's settings goes back to the list."""
        if index == APPLICATIONS == self.nav.currentRow() and self.applications.showing_detail():
            self.applications.show_list()
        self.nav.setCurrentRow(index)

    def current_page(self) -> QWidget:
        return self.page(self.stack.currentIndex())

    def editor_pages(self) -> list[EditorPage]:
        """The pages that edit stored settings, wherever they sit (desktop.ui.editor); a page
        not built yet edits nothing."""
        applications, email = self.built_page(APPLICATIONS), self.built_page(EMAIL)
        return [*(applications.built_editors() if applications is not None else []),
                *([email] if email is not None else [])]

    def dirty_pages(self) -> list[EditorPage]:
        """The editor pages holding changes not saved yet."""
        return dirty(self.editor_pages())

    @staticmethod
    def page_titles() -> list[str]:
        """The pages' names in order, as show_page numbers them (the handout shows each)."""
        return [title for title, _icon in PAGES]

    # --- slots ------------------------------------------------------------------------------

    def on_nav_current_row_changed(self, row: int) -> None:
        if row < 0:
            return
        if row == SESSIONS and self.built_page(SESSIONS) is not None:
            # Signing in is in neither the audit log nor the change feed: re-read when shown.
            self.mark_stale(SESSIONS)
        self.page(row)  # built before it is shown: the stand-in is never painted empty
        self.stack.setCurrentIndex(row)
        applications = self.built_page(APPLICATIONS)
        current = applications.current if applications is not None else None
        if row == ACCESS and current is not None and current["id"] != (self.access.app or {}).get(
                "id"):
            self.access.apps.select_id(current["id"])
        self.update_title()

    def update_title(self) -> None:
        """The page shown, and the application it is about where there is one."""
        page = self.stack.currentIndex()
        shown = self.built_page(page)
        app = {APPLICATIONS: getattr(shown, "current", None),
               ACCESS: getattr(shown, "app", None)}.get(page)
        what = app["name"] if app else PAGES[page][0]
        if page == ACCESS and app:
            what = f"{PAGES[ACCESS][0]} · {app['name']}"
        self.setWindowTitle(f"{TITLE} · {what}")

    def on_applications_application_changed(self, _row: dict[str, Any] | None) -> None:
        self.update_title()

    def on_access_application_selected(self, _row: dict[str, Any] | None) -> None:
        self.update_title()

    def on_applications_data_saved(self) -> None:
        after_own_write(self, self._mark_saved_stale)
        self.update_title()  # a rename

    def _mark_saved_stale(self) -> None:
        # No live feed: the pages that show applications are told here.
        self.mark_stale(ACCESS, "all")
        self.mark_stale(AUDIT)
        self.mark_stale(REQUESTS)

    def on_transfers_data_imported(self) -> None:
        after_own_write(self, self._mark_imported_stale)

    def _mark_imported_stale(self) -> None:
        self.mark_stale(APPLICATIONS, ("app", 0))
        self.mark_stale(AUDIT)
        self.on_feed_directory_changed()

    def on_page_dirty_changed(self, _dirty: bool) -> None:
        # One page clean again says nothing of the others.
        self.state.setText("Unsaved changes" if self.dirty_pages() else "")

    def on_save_action_triggered(self) -> None:
        page = self.current_page()
        if hasattr(page, "save"):
            page.save()

    def on_discard_action_triggered(self) -> None:
        page: Any = self.current_page()  # an editor page when it has discard()
        if hasattr(page, "discard") and page.is_dirty():
            page.discard()

    def on_new_application_action_triggered(self) -> None:
        self.nav.setCurrentRow(APPLICATIONS)
        self.applications.new_application()

    def on_refresh_action_triggered(self) -> None:
        page: Any = self.current_page()  # every page has refresh() and focus_search()
        page.refresh()

    def on_search_action_triggered(self) -> None:
        page: Any = self.current_page()
        page.focus_search()

    def on_quit_action_triggered(self) -> None:
        from PySide6.QtWidgets import QApplication

        if self.close():
            QApplication.quit()

    def on_remove_access_action_triggered(self) -> None:
        self.access.remove_access()

    def on_shortcuts_action_triggered(self) -> None:
        text = "\n".join(f"{keys}\t{what}" for keys, what in SHORTCUTS)
        QMessageBox.information(self, "Keyboard shortcuts", text)

    # Which page shows what: the feed's signals mark those pages stale (desktop.ui.staleness);
    # the one on screen refreshes once per burst, the others when they are shown.

    def on_feed_settings_changed(self, app_id: int) -> None:
        self.mark_stale(APPLICATIONS, ("app", app_id))
        self.mark_stale(ACCESS, "all")  # self-service on or off, its group, the roles
        self.mark_stale(REQUESTS)

    def on_feed_requests_changed(self) -> None:
        self.mark_stale(REQUESTS)
        self.mark_stale(APPLICATIONS)  # the list's Pending column
        self.mark_stale(ACCESS)  # the applications' Pending column
        self.mark_stale(EMAIL)  # approvers and requesters may be sent mail

    def on_feed_access_changed(self) -> None:
        self.mark_stale(ACCESS, "all")
        self.mark_stale(GROUPS)  # member counts and lists

    def on_feed_directory_changed(self) -> None:
        self.mark_stale(USERS)
        self.mark_stale(GROUPS)
        self.mark_stale(ACCESS, "all")
        self.mark_stale(REQUESTS)

    def on_feed_audit_changed(self) -> None:
        self.mark_stale(AUDIT)  # every write use case appends an event
        # Signing a device out, a password change or reset and disabling a person end sessions.
        self.mark_stale(SESSIONS)

    def on_feed_mail_changed(self) -> None:
        self.mark_stale(EMAIL)

    def _refresh_applications(self, notes: set[Any]) -> None:
        apps: set[int] = {note[1] for note in notes if isinstance(note, tuple)}
        if not apps:
            self.applications.list.refresh()
            return
        current = (self.applications.current or {}).get("id")
        # One re-read of the list; the settings being shown are re-read if they changed.
        self.applications.on_settings_changed(
            0 if 0 in apps else current if current in apps else next(iter(apps)))
        self.update_title()

    def _refresh_access(self, notes: set[Any]) -> None:
        if "all" in notes:
            self.access.refresh()
        else:
            self.access.apps.refresh()
        self.update_title()

    def _refresh_requests(self, _notes: set[Any]) -> None:
        self.requests.refresh()

    def _refresh_audit(self, _notes: set[Any]) -> None:
        self.audit.refresh()

    def _refresh_email(self, _notes: set[Any]) -> None:
        self.email.refresh_outbox()

    def _refresh_users(self, _notes: set[Any]) -> None:
        self.users.refresh()

    def _refresh_groups(self, _notes: set[Any]) -> None:
        self.groups.refresh()

    def _refresh_sessions(self, _notes: set[Any]) -> None:
        self.sessions.refresh()

    def closeEvent(self, event):  # noqa: N802 - Qt override
        from desktop.ui.common import ConfirmDialog

        if self.dirty_pages() and not ConfirmDialog.ask(
                self, "Quit without saving?", "The settings being edited are not saved.",
                "Quit without saving", danger=True):
            event.ignore()
            return
        super().closeEvent(event)
