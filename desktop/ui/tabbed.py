"""The tabbed window My Apps and Approvals are built on: header, tabs, Ctrl+F, F5, live feed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLayout, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from desktop.api.backend import as_backend
from desktop.resources import icon
from desktop.ui.common import DemoBanner, shortcut
from desktop.ui.connection import add_connection_indicator
from desktop.ui.staleness import LazyPage, Staleness

if TYPE_CHECKING:
    from desktop.live import FeedSignals


class TabbedWindow(QMainWindow):
    """A person's window of tabs: titled with his name, the demo banner, a header, the tabs;
    Ctrl+F searches the tab shown and F5 re-reads everything; the connection indicator; the
    live feed, its own when none is shared (a screenshot, a test).

    A subclass builds its header and pages, adds the pages with add_page(), then calls
    finish(header); it connects the feed in _connect_signals() and re-reads in refresh_all().
    """

    def __init__(self, actor: Any, feed: FeedSignals | None, title: str,
                 size: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor  # the person's row, or a backend (desktop/api/backend.py)
        self.backend = as_backend(actor)
        self.feed = feed if feed is not None else make_feed(self.backend, self)
        self._own_feed = feed is None  # stopped with the window (a shared one is not)
        self.setWindowTitle(f"{title}: {self.backend.desk()['name']}")
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName(title)
        self.resize(*size)
        self.tabs = PageTabs()
        self.tabs.setAccessibleName(f"{title} sections")
        self._shortcuts: list[QShortcut] = []

    def add_page(self, page: QWidget, icon_name: str, text: str) -> None:
        self.tabs.addTab(page, icon(icon_name), text)

    def add_lazy_page(self, build: Callable[[], QWidget], icon_name: str, text: str
                      ) -> LazyPage:
        """A tab whose page is built (and reads) when first shown; give the returned stand-in
        to Staleness in the page's place."""
        lazy = LazyPage(build)
        self.add_page(lazy, icon_name, text)
        return lazy

    def finish(self, header: QLayout,
               shortcuts: Sequence[tuple[str, Callable[[], object]]] = ()) -> None:
        """Lay the window out, add Ctrl+F, F5 and `shortcuts` (keys, slot), connect the
        signals and start the feed: the end of a subclass's __init__."""
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 12, 16, 16)
        layout.setSpacing(10)
        if self.backend.desk()["demo"]:
            layout.addWidget(DemoBanner())
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        window = Qt.ShortcutContext.WindowShortcut
        self._shortcuts = [
            shortcut(self, QKeySequence.StandardKey.Find, self.on_find_shortcut_activated,
                     window),
            *(shortcut(self, keys, slot, window) for keys, slot in shortcuts),
            shortcut(self, "F5", self.on_refresh_shortcut_activated, window),
        ]
        self._connect_signals()
        add_connection_indicator(self, self.feed, hide_bar_when_connected=True)
        self.feed.start()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._own_feed:
            self.feed.stop()
        super().closeEvent(event)

    def _connect_signals(self) -> None:
        """The feed's signals (and the window's own) to this window's slots."""
        raise NotImplementedError

    def refresh_all(self) -> None:
        """Re-read every page and the window's own lines (F5)."""
        raise NotImplementedError

    def on_find_shortcut_activated(self) -> None:
        search = getattr(self.tabs.currentWidget(), "search", None)
        if search is not None:
            search.setFocus()
            search.selectAll()

    def on_refresh_shortcut_activated(self) -> None:
        self.feed.poll_now()
        self.refresh_all()
        # Every page was just re-read: what the poll marked stale needs no second read.
        for staleness in self.findChildren(Staleness):
            staleness.mark_fresh()


class PageTabs(QTabWidget):
    """Tabs whose pages may be built when first shown (LazyPage): indexOf, currentWidget and
    setCurrentWidget take and give the page itself, built or not, in its stand-in's place."""

    def indexOf(self, widget: QWidget) -> int:  # noqa: N802 - Qt's name
        for index in range(self.count()):
            tab = self.widget(index)
            if tab is widget or (isinstance(tab, LazyPage) and tab.built_page() is widget):
                return index
        return -1

    def currentWidget(self) -> QWidget:  # noqa: N802 - Qt's name
        tab = super().currentWidget()
        return tab.page() if isinstance(tab, LazyPage) else tab

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802 - Qt's name
        self.setCurrentIndex(self.indexOf(widget))


def make_feed(backend: Any, parent: Any = None) -> FeedSignals:
    """The live feed for a backend: the server's notices when remote, the database's here."""
    if backend.remote:
        from desktop.remote.feed import RemoteFeed

        return RemoteFeed(backend, parent)
    from desktop.live import LiveFeed

    return LiveFeed(parent)  # type: ignore[no-any-return]
