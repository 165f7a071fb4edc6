"""The status-bar line that says when the database or the server cannot be reached (the live feed's
connection_changed signal), and clears itself when it is back."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

LOST = "Connection lost \u2014 retrying\u2026"


class ConnectionIndicator(QLabel):
    """Empty and hidden while connected; the feed's message ("Connection to the database
    lost — retrying…", or to the server) while it tries to reconnect."""

    def __init__(self, feed: Any, parent: QWidget | None = None,
                 hide_bar_when_connected: bool = False) -> None:
        super().__init__("", parent)
        self.setProperty("role", "error")
        self.setAccessibleName("Database connection")
        self._window = parent if isinstance(parent, QMainWindow) else None
        self._hide_bar = hide_bar_when_connected and self._window is not None
        self.setVisible(False)
        feed.connection_changed.connect(self.on_feed_connection_changed)
        if not getattr(feed, "connected", True):
            self.on_feed_connection_changed(False, "")

    @property
    def lost(self) -> bool:
        return bool(self.text())

    def on_feed_connection_changed(self, ok: bool, message: str) -> None:
        text = "" if ok else (message or LOST)
        self.setText(text)
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        if self._hide_bar and self._window is not None:
            self._window.statusBar().setVisible(bool(text))


def add_connection_indicator(window: QMainWindow, feed: Any,
                             hide_bar_when_connected: bool = False) -> ConnectionIndicator | None:
    """Put the indicator in the window's status bar (kept as `window.connection_indicator`).
    A window that has no status bar of its own passes hide_bar_when_connected=True: the bar
    then only appears while the connection is lost."""
    if feed is None or not hasattr(feed, "connection_changed"):
        return None
    indicator = ConnectionIndicator(feed, window, hide_bar_when_connected)
    window.statusBar().addPermanentWidget(indicator)
    if hide_bar_when_connected:
        window.statusBar().setVisible(indicator.lost)
    window.connection_indicator = indicator  # type: ignore[attr-defined]
    return indicator
