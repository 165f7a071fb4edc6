"""The live feed of a desktop connected to a server: the server's change notices (its
`/events` stream) as the same signals, with the same change descriptions, as the local feed,
so no window can tell the two apart.

A thread reads the stream; notices reach the GUI thread as one burst per wake-up. The server
sends a heartbeat every 10 s, so a connection silent for 25 s is taken for dead. While the
server cannot be reached the windows say so (``connection_changed``) and the feed tries again
with back-off; once back, every window re-reads what it shows, so a decision made meanwhile
by another desktop is not missed. A session that ended (signed out elsewhere, revoked, a
password change, the person disabled) is told once (``session_ended``) and not retried.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.errors import AccessDeskError, CertificateMismatch, NotSignedIn
from desktop.live.signals import ALL_APPLICATIONS, RESET_TOPICS, FeedSignals

log = logging.getLogger(__name__)

LOST_MESSAGE = "Connection to the Access Desk server lost \u2014 retrying\u2026"
ENDED_MESSAGE = "Your session on the Access Desk server has ended; sign in again"
# Seconds between reconnection attempts: doubling from half a second, at most ten.
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)


class _Bridge(QObject):
    """Lives in the GUI thread: the reading thread's signals are queued onto it."""

    arrived = Signal()
    state = Signal(str, str)  # "up" | "down" | "ended" | "resync", message


class RemoteFeed(FeedSignals):
    """Change notices from an Access Desk server, as `LiveFeed`'s signals.

    Signals (besides FeedSignals'):
        session_ended(str): the server no longer accepts this desktop's token; the message
            says so for people. Nothing more arrives until someone signs in again.
    """

    session_ended = Signal(str)

    def __init__(self, backend: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._bridge = _Bridge(self)
        self._bridge.arrived.connect(self.on_bridge_arrived)
        self._bridge.state.connect(self.on_bridge_state)
        self._lock = threading.Lock()
        self._pending: list[tuple[int, str, int | None]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_id: int | None = None
        self._connected = True
        self.ended = False
        self.reconnections = 0

    # --- the same surface as LiveFeed ---------------------------------------------------------

    @property
    def last_seen(self) -> int:
        return self._last_id or 0

    @property
    def connected(self) -> bool:
        return self._connected

    def is_running(self) -> bool:
        return self._thread is not None and not self._stop.is_set()

    def start(self) -> None:
        if self.is_running() or self.ended:
            return
        self._stop = threading.Event()
        if self._last_id is None:
            # From where the windows began reading (their backend's `me.desk`), so a write
            # made before this connection opens still arrives as a notice.
            try:
                self._last_id = int(self._backend.desk().get("change_id") or 0) or None
            except AccessDeskError:
                pass  # unreachable now: the thread says so and starts where the server is
        self._thread = threading.Thread(target=self._read, args=(self._stop,),
                                        name="access-desk-remote-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        # The thread notices at the next notice or heartbeat (at most 10 s) and ends; being a
        # daemon it never holds the process open.
        self._stop.set()
        self._thread = None
        close = getattr(self._backend, "close_streams", None)
        if close is not None:
            close()

    def poll_now(self) -> None:
        """Nothing to poll: the server pushes a write's notice as it commits."""

    # --- the reading thread -------------------------------------------------------------------

    def _read(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                for notice in self._backend.changes(self._last_id):
                    if stop.is_set():
                        return
                    kind = notice.get("event")
                    if kind == "hello":
                        if failures or not self._connected:
                            self._signal(stop, "up", "")
                        failures = 0
                        if self._last_id is None:
                            self._last_id = int(notice.get("last_id") or 0)
                    elif kind == "resync":
                        self._signal(stop, "resync", "")
                    elif kind == "change":
                        change = (int(notice["id"]), str(notice["topic"]), notice.get("entity_id"))
                        self._last_id = max(self._last_id or 0, change[0])
                        with self._lock:
                            first = not self._pending
                            self._pending.append(change)
                        if first:
                            self._wake(stop)
            except NotSignedIn:
                self._signal(stop, "ended", ENDED_MESSAGE)
                return
            except CertificateMismatch as exc:
                self._signal(stop, "down", f"The server's certificate changed: {exc}")
            except AccessDeskError as exc:
                if stop.is_set():
                    return
                log.info("live connection: %s", exc)
                if failures == 0:
                    self._signal(stop, "down", LOST_MESSAGE)
            except Exception as exc:  # noqa: BLE001 - the feed must retry, never die
                if stop.is_set() or "has been closed" in str(exc):
                    return  # stopped, or the backend was closed: nothing more to read
                log.exception("live connection failed")
                if failures == 0:
                    self._signal(stop, "down", LOST_MESSAGE)
            else:
                if failures == 0:  # the server closed the stream (shutting down)
                    self._signal(stop, "down", LOST_MESSAGE)
            stop.wait(BACKOFF[min(failures, len(BACKOFF) - 1)])
            failures += 1

    def _wake(self, stop: threading.Event) -> None:
        if not stop.is_set():
            try:
                self._bridge.arrived.emit()
            except RuntimeError:  # the window and its feed are gone
                stop.set()

    def _signal(self, stop: threading.Event, state: str, message: str) -> None:
        if not stop.is_set():
            try:
                self._bridge.state.emit(state, message)
            except RuntimeError:
                stop.set()

    # --- on the GUI thread ----------------------------------------------------------------------

    def on_bridge_arrived(self) -> None:
        with self._lock:
            rows, self._pending = self._pending, []
        if rows:
            # A write of this desktop comes back from the server like anyone's.
            self._emit(rows, lambda _id: False)

    def on_bridge_state(self, state: str, message: str) -> None:
        if state == "down":
            if self._connected:
                self._connected = False
                log.warning("live connection to the server lost; retrying")
                self.connection_changed.emit(False, message)
        elif state == "up":
            self._connected = True
            self.reconnections += 1
            self.connection_changed.emit(True, "")
            self._reread_all()  # what happened while away, whatever the server could replay
        elif state == "resync":
            self._reread_all()
        elif state == "ended":
            self.ended = True
            self._connected = False
            self._stop.set()
            self.connection_changed.emit(False, message)
            self.session_ended.emit(message)

    def _reread_all(self) -> None:
        """Every window re-reads everything (as after a reset, without rebuilding)."""
        from desktop.live.signals import Changes

        topics = frozenset(RESET_TOPICS) | {"settings"}
        self.changed.emit(Changes(topics, (ALL_APPLICATIONS,), False, self.last_seen))
        self.directory_changed.emit()
        self.settings_changed.emit(ALL_APPLICATIONS)
        self.access_changed.emit()
        self.requests_changed.emit()
        self.notifications_changed.emit()
        self.mail_changed.emit()
        self.audit_changed.emit()
