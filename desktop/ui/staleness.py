"""Refresh a page only when it is seen, once per burst of changes (Electrum's deferred refresh)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

# False: every mark_stale() refreshes at once, hidden or not (the behaviour before; the bench
# measures both).
ENABLED = True

# Inside a refresh the feed triggered, PagedTableModel.refresh() reads off the GUI thread
# (desktop.ui.tablemodel reads this flag); F5 and a page's own refreshes stay synchronous.
_background = False


def in_background() -> bool:
    """True while a feed-triggered refresh runs: model reads may go to the worker pool."""
    return _background


@contextlib.contextmanager
def background_reads() -> Iterator[None]:
    global _background
    previous, _background = _background, True
    try:
        yield
    finally:
        _background = previous


class LazyPage(QWidget):
    """Stands in for a page of a stack or of tabs and builds it the first time it is shown
    (or asked for with `page()`): a window reads nothing for the pages nobody opened.

    Give it to `Staleness` in the page's place: while the page is not built, a change only
    marks it stale and is forgotten when it is built (building reads everything afresh).
    `page_built(page)` is emitted once, right after the page was built and laid in.
    """

    page_built = Signal(QWidget)

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self._page: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)

    def is_built(self) -> bool:
        return self._page is not None

    def built_page(self) -> QWidget | None:
        """The page if it was built, else None (nothing is built)."""
        return self._page

    def page(self) -> QWidget:
        """The page, built now if it was not."""
        if self._page is None:
            page = self._build()
            self._page = page
            self._layout.addWidget(page)
            if self.isVisible():
                page.show()  # now, before the stand-in is painted (Qt would show it later)
            self.page_built.emit(page)
        return self._page

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.page()
        super().showEvent(event)


class Staleness(QObject):
    """Keeps one widget's data current without reading for nobody.

    ``mark_stale(note)`` says the data the widget shows may have changed (``note`` says what,
    e.g. an application's id; the notes of one burst are handed over together). A visible
    widget refreshes on the next turn of the event loop, so the several signals of one feed
    burst cause one refresh; a hidden one (another tab, another page of the stack, a window not
    shown) only remembers it, and refreshes when it is shown, before it is painted.

    ``refresh(notes)`` receives the set of notes gathered since the last refresh. The widget
    may be a `LazyPage`: until its page is built, nothing is refreshed (it reads when built).
    ``refreshes`` counts the refreshes made (tests, bench/).
    """

    def __init__(self, widget: QWidget, refresh: Callable[[set[Hashable]], Any]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._refresh = refresh
        self._notes: set[Hashable] = set()
        self.stale = False
        self.refreshes = 0
        self.held = False  # ``hold``
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.on_timer_timeout)
        widget.installEventFilter(self)
        if isinstance(widget, LazyPage):
            # Built (before it was shown, or as it is): it has just read everything.
            widget.page_built.connect(self.on_widget_page_built)

    def mark_stale(self, note: Hashable = None) -> None:
        """The widget's data changed: refresh now-ish if it is seen, else when it is shown."""
        if note is not None:
            self._notes.add(note)
        self.stale = True
        if self.held:
            return  # a bulk action runs: refreshed once when it ends (``hold``)
        if not ENABLED:
            self.refresh_now()
        elif self._widget.isVisible():
            self._timer.start()

    def refresh_now(self, background: bool = False) -> None:
        """Refresh at once, forgetting any pending refresh; `background`: the table models'
        reads may run off the GUI thread (the page is already on screen, showing the old
        rows for a moment is fine)."""
        self._timer.stop()
        notes, self._notes = self._notes, set()
        self.stale = False
        if isinstance(self._widget, LazyPage) and not self._widget.is_built():
            return  # built when first shown, with what is current then
        self.refreshes += 1
        if background:
            with background_reads():
                self._refresh(notes)
        else:
            self._refresh(notes)

    def mark_fresh(self) -> None:
        """The widget was just re-read another way (F5): nothing pending is needed."""
        self._timer.stop()
        self._notes.clear()
        self.stale = False

    def refresh_if_seen(self) -> None:
        """Refresh now if stale and visible (after this window's own write: the person who
        clicked sees the result at once)."""
        if self.stale and not self.held and self._widget.isVisible():
            self.refresh_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # Qt may still call this while Python tears the object down (its attributes gone).
        state = self.__dict__
        if (event.type() == QEvent.Type.Show and watched is state.get("_widget")
                and state.get("stale")):
            # Before the first paint: the page never shows what it showed when it was hidden.
            self.refresh_now()
        return False

    def on_widget_page_built(self, _page: QWidget) -> None:
        self.mark_fresh()

    def on_timer_timeout(self) -> None:
        if self.stale and not self.held and self._widget.isVisible():
            self.refresh_now(background=True)


def hold(window: QWidget, held: bool) -> None:
    """While a bulk action of this window runs (`held`), its pages only remember what the
    feed says changed: nothing is re-read mid-way. Released, ``after_own_write`` refreshes
    what is on screen once."""
    for staleness in window.findChildren(Staleness):
        staleness.held = held


def after_own_write(widget: QWidget, fallback: Callable[[], Any]) -> None:
    """After a write made from `widget`: let the window's live feed report it (every page that
    shows it is marked stale); without a running feed, call `fallback` (the page's own
    refresh, or marking the pages stale). Then the window's stale pages on screen refresh at
    once, the others when shown."""
    window = widget.window()
    feed = getattr(window, "feed", None)
    if feed is None or not feed.is_running():
        fallback()
    else:
        feed.poll_now()
    # This window's pages refresh now, not on the next turn: what the click did shows at once.
    for staleness in window.findChildren(Staleness):
        staleness.refresh_if_seen()
