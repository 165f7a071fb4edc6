"""Refresh a page only when it is seen, once per burst of changes (Electrum's deferred refresh)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

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


class Staleness(QObject):
    """Keeps one widget's data current without reading for nobody.

    ``mark_stale(note)`` says the data the widget shows may have changed (``note`` says what,
    e.g. an application's id; the notes of one burst are handed over together). A visible
    widget refreshes on the next turn of the event loop, so the several signals of one feed
    burst cause one refresh; a hidden one (another tab, another page of the stack, a window not
    shown) only remembers it, and refreshes when it is shown, before it is painted.

    ``refresh(notes)`` receives the set of notes gathered since the last refresh.
    ``refreshes`` counts the refreshes made (tests, bench/).
    """

    def __init__(self, widget: QWidget, refresh: Callable[[set[Hashable]], Any]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._refresh = refresh
        self._notes: set[Hashable] = set()
        self.stale = False
        self.refreshes = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.on_timer_timeout)
        widget.installEventFilter(self)

    def mark_stale(self, note: Hashable = None) -> None:
        """The widget's data changed: refresh now-ish if it is seen, else when it is shown."""
        if note is not None:
            self._notes.add(note)
        self.stale = True
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
        if self.stale and self._widget.isVisible():
            self.refresh_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._widget and event.type() == QEvent.Type.Show and self.stale:
            # Before the first paint: the page never shows what it showed when it was hidden.
            self.refresh_now()
        return False

    def on_timer_timeout(self) -> None:
        if self.stale and self._widget.isVisible():
            self.refresh_now(background=True)


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
