"""My Apps: the window with its three tabs (apps.py, catalog.py and requests.py are the pages)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop.errors import AccessDeskError
from desktop.ui.common import label
from desktop.ui.staleness import Staleness
from desktop.ui.tabbed import TabbedWindow

from .apps import AppsPage
from .catalog import CatalogPage
from .requests import RequestsPage

if TYPE_CHECKING:
    from desktop.live import FeedSignals

APPS_TAB, CATALOG_TAB, REQUESTS_TAB = 0, 1, 2


class MyAppsWindow(TabbedWindow):
    """Every signed-in user's window: Apps, Request new apps, My requests (with its badge)."""

    def __init__(self, actor: Any, feed: FeedSignals | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(actor, feed, "My Apps", (1000, 660), parent)
        feed = self.feed
        self.unseen = 0

        me = self.backend.desk()
        heading = label("My Apps", "heading")
        on = f" · on the server {self.backend.place}" if self.backend.remote else ""
        who = label(f"{me['name']} ({me['upn']}){on}", "hint")
        who.setAccessibleName("Signed in as")
        header = QHBoxLayout()
        header.addWidget(heading)
        header.addStretch(1)
        header.addWidget(who)

        self.apps_page = AppsPage(self.backend, feed)
        self.add_page(self.apps_page, "application", "Apps")
        # The other tabs are built, and read, when first shown (desktop.ui.staleness).
        self.catalog_tab = self.add_lazy_page(lambda: CatalogPage(self.backend, feed), "request",
                                              "Request new apps")
        self.requests_tab = self.add_lazy_page(lambda: RequestsPage(self.backend, feed), "info",
                                               "My requests")
        self.finish(header, [("Ctrl+R", self.on_request_shortcut_activated)])
        self.update_badge()

    @property
    def catalog_page(self) -> CatalogPage:
        """The Request new apps tab's page, built now if it was not."""
        return self.catalog_tab.page()  # type: ignore[return-value]

    @property
    def requests_page(self) -> RequestsPage:
        """The My requests tab's page, built now if it was not."""
        return self.requests_tab.page()  # type: ignore[return-value]

    def _connect_signals(self) -> None:
        self.badge_stale = Staleness(self, lambda _n: self.update_badge())
        self.apps_stale = Staleness(self.apps_page, lambda _n: self.apps_page.reload())
        self.catalog_stale = Staleness(self.catalog_tab, lambda _n: self.catalog_page.refresh())
        self.requests_stale = Staleness(self.requests_tab, self._refresh_requests)
        self.tabs.currentChanged.connect(self.on_tabs_current_changed)
        self.feed.requests_changed.connect(self.on_feed_requests_changed)
        self.feed.access_changed.connect(self.on_feed_access_changed)
        self.feed.notifications_changed.connect(self.on_feed_notifications_changed)
        self.feed.settings_changed.connect(self.on_feed_settings_changed)
        self.feed.directory_changed.connect(self.on_feed_directory_changed)

    # --- badge ------------------------------------------------------------------------------

    def update_badge(self) -> None:
        try:
            self.unseen = int(self.backend.call("me.notifications.unread")["count"])
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
        elif self.requests_tab.is_built():
            self.requests_page.forget_fresh()

    # The feed marks what depends on a change stale (desktop.ui.staleness): the tab shown
    # refreshes once per burst, the others when they are shown; the badge while seen.

    def on_feed_requests_changed(self) -> None:
        self.catalog_stale.mark_stale()
        self.requests_stale.mark_stale("list")

    def on_feed_access_changed(self) -> None:
        self.apps_stale.mark_stale()
        self.catalog_stale.mark_stale()

    def on_feed_notifications_changed(self) -> None:
        self.badge_stale.mark_stale()
        self.requests_stale.mark_stale("notices")

    def on_feed_settings_changed(self, _app_id: int) -> None:
        # A name, description, sign-in page or self-service setting changed.
        self.on_feed_directory_changed()

    def on_feed_directory_changed(self) -> None:
        # A license (the catalog's states), a name (approvers) or a group membership changed.
        self.apps_stale.mark_stale()
        self.catalog_stale.mark_stale()
        self.requests_stale.mark_stale("list")

    def _refresh_requests(self, notes: set[object]) -> None:
        if "list" in notes:
            self.requests_page.refresh()  # the notices too
        else:
            self.requests_page.update_notices()

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

    def refresh_all(self) -> None:
        self.apps_page.reload()
        if self.catalog_tab.is_built():  # a tab not built yet reads when first shown
            self.catalog_page.refresh()
        if self.requests_tab.is_built():
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
