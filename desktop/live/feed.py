"""The change feed as Qt signals: tells windows what kind of data moved, and whether the
database can be reached at all."""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

import peewee as pw
from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from desktop.errors import AccessDeskError
from desktop.models import database_proxy
from desktop.models.database import is_postgres, reconnect_if_lost
from desktop.services.core import published_here

from .signals import FeedSignals

if TYPE_CHECKING:
    from desktop.live.pg import Listener

log = logging.getLogger(__name__)

LOST_MESSAGE = "Connection to the database lost \u2014 retrying\u2026"
# Seconds between reconnection attempts: doubling from half a second, at most ten.
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)
SAFETY_POLL_MS = 5000


class LiveFeed(FeedSignals):
    """Learns of committed writes (this process's and other processes') and emits typed signals.

    SQLite: a QTimer polls ``PRAGMA data_version`` on a dedicated autocommit connection (it
    changes whenever another connection, the peewee one of this process included, commits)
    and then reads ``change`` rows after the last id seen.

    PostgreSQL: a dedicated autocommit connection runs ``LISTEN access_desk_changes``; a
    QSocketNotifier on its socket wakes the feed when a NOTIFY (sent by every write at commit)
    arrives; the feed drains the notifications without blocking and reads the ``change`` rows
    after the last id seen, so a lost notification is never a lost change. A slow safety poll
    (``safety_ms``, 0 for none) reads them too. When the connection or the server goes away
    the feed emits ``connection_changed(False, message)``, tries again with back-off (0.5 s
    doubling to 10 s; each try gives up within seconds), and once back re-LISTENs, revives
    this thread's peewee connection, emits ``connection_changed(True, "")`` and delivers every
    change made meanwhile.

    Call :meth:`poll_now` after a write made in this process so windows update at once.
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = 200,
                 safety_ms: int = SAFETY_POLL_MS) -> None:
        super().__init__(parent)
        self._interval_ms = interval_ms
        self._safety_ms = safety_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.on_retry_timer_timeout)
        self._conn: sqlite3.Connection | None = None  # SQLite only
        self._listener: Listener | None = None  # PostgreSQL only
        self._notifier: QSocketNotifier | None = None
        self._data_version: int | None = None
        self._last_id = 0
        self._started = False
        self._resumable = False
        self._connected = True
        self._failures = 0
        # What woke the feed on PostgreSQL, for tests and bench/: NOTIFYs read off the socket,
        # safety polls run, and reconnections made.
        self.notifications_seen = 0
        self.safety_polls = 0
        self.reconnections = 0

    # --- life cycle ------------------------------------------------------------------------

    @property
    def last_seen(self) -> int:
        """Id of the newest change row already reported."""
        return self._last_id

    @property
    def connected(self) -> bool:
        """False between a lost connection and the reconnection (PostgreSQL)."""
        return self._connected

    def is_running(self) -> bool:
        return self._started

    def start(self) -> None:
        """Begin watching. The first start begins at the current end of the feed (older changes
        are not replayed); a start after stop() resumes, delivering what changed meanwhile."""
        if self._started:
            return
        db = database_proxy.obj
        if db is None:
            raise RuntimeError("LiveFeed.start() needs an open database")
        self._started = True
        if is_postgres(db):
            self._start_listening()
            return
        self._open_sqlite(db)
        resuming = self._resumable
        if not resuming:
            self._last_id = self._max_id()
            self._resumable = True
        self._timer.setInterval(self._interval_ms)
        self._timer.start()
        if resuming:
            # The new connection's data_version baseline already includes what was missed.
            self.poll_now()

    def stop(self) -> None:
        self._timer.stop()
        self._retry_timer.stop()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._close_listener()
        self._started = False

    def poll_now(self) -> None:
        """Read new change rows at once, whatever the data version says (after own writes)."""
        if not self._started:
            return
        if self._listener is not None:
            self._read_and_emit()
            return
        if is_postgres(database_proxy.obj):
            return  # not connected: the reconnection delivers everything
        self._emit(self._read_changes(), published_here)

    # --- SQLite: polling -------------------------------------------------------------------

    def on_timer_timeout(self) -> None:
        if self._listener is not None:
            self.safety_polls += 1
            self._read_and_emit()
            return
        try:
            if self._conn is not None:
                version = self._conn.execute("PRAGMA data_version").fetchone()[0]
                if version == self._data_version:
                    return
                self._data_version = version
            self._emit(self._read_changes(), published_here)
        except (sqlite3.Error, pw.PeeweeException) as exc:
            # A locked or briefly unreachable database must not kill the window; try next tick.
            log.warning("live feed poll failed: %s", exc)

    def _open_sqlite(self, db: pw.SqliteDatabase) -> None:
        path = db.database
        if path == ":memory:" or not path:
            # Only one connection can see an in-memory database: read through peewee's.
            self._conn = None
            return
        # isolation_level=None: autocommit, so this connection never holds a read snapshot
        # open between polls (an open one would pin the WAL and hide newer commits).
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
        self._conn.execute("PRAGMA busy_timeout = 2000")
        self._conn.execute("PRAGMA query_only = 1")
        self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _max_id(self) -> int:
        if self._conn is not None:
            row = self._conn.execute('SELECT MAX(id) FROM "change"').fetchone()
            return int(row[0] or 0)
        cursor = database_proxy.obj.execute_sql('SELECT MAX(id) FROM "change"')
        row = cursor.fetchone()
        return int(row[0] or 0)

    def _read_changes(self) -> list[tuple[int, str, int | None]]:
        sql = 'SELECT id, topic, entity_id FROM "change" WHERE id > {} ORDER BY id'
        if self._conn is not None:
            rows = self._conn.execute(sql.format("?"), (self._last_id,)).fetchall()
        else:
            db = database_proxy.obj
            param = "%s" if is_postgres(db) else "?"
            rows = db.execute_sql(sql.format(param), (self._last_id,)).fetchall()
        if rows:
            self._last_id = int(rows[-1][0])
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    # --- PostgreSQL: LISTEN/NOTIFY ---------------------------------------------------------

    def _start_listening(self) -> None:
        from desktop.live.pg import Listener

        self._listener = Listener(database_proxy.obj)
        if self._safety_ms > 0:
            self._timer.setInterval(self._safety_ms)
        if self._connect_listener():
            self._after_connect(first=not self._resumable)

    def _connect_listener(self) -> bool:
        """Open the listening connection and watch its socket; on failure, schedule a retry."""
        from desktop.live.pg import ListenerLost

        assert self._listener is not None
        try:
            self._listener.open()
        except ListenerLost as exc:
            self._lost(str(exc))
            return False
        notifier = QSocketNotifier(self._listener.fileno(), QSocketNotifier.Type.Read, self)
        notifier.activated.connect(self.on_notifier_activated)
        self._notifier = notifier
        if self._safety_ms > 0:
            self._timer.start()
        return True

    def _after_connect(self, first: bool) -> None:
        """Connected (again): set the start of the feed, or deliver what happened meanwhile."""
        from desktop.live.pg import ListenerLost

        assert self._listener is not None
        try:
            if first:
                self._last_id = self._listener.max_id()
                self._resumable = True
                rows: list[tuple[int, str, int | None]] = []
            else:
                rows = self._listener.changes_after(self._last_id)
        except ListenerLost as exc:
            self._lost(str(exc))
            return
        self._failures = 0
        if not self._connected:
            # The windows' own connection died with the server too: revive it before they
            # read, so their first refresh works.
            try:
                reconnect_if_lost()
            except (AccessDeskError, pw.PeeweeException) as exc:
                self._lost(str(exc))
                return
            self._connected = True
            self.reconnections += 1
            log.info("live feed: connected to the database again")
            self.connection_changed.emit(True, "")
        if rows:
            self._last_id = rows[-1][0]
            self._emit(rows, published_here)

    def on_notifier_activated(self, *_args: object) -> None:
        from desktop.live.pg import ListenerLost

        if self._listener is None or not self._listener.is_open:
            return
        try:
            count = self._listener.drain()
        except ListenerLost as exc:
            self._lost(str(exc))
            return
        if count:
            self.notifications_seen += count
            self._read_and_emit()

    def _read_and_emit(self) -> None:
        from desktop.live.pg import ListenerLost

        if self._listener is None or not self._listener.is_open:
            return
        try:
            rows = self._listener.changes_after(self._last_id)
        except ListenerLost as exc:
            self._lost(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bad read must not kill the window
            log.warning("live feed read failed: %s", exc)
            return
        if rows:
            self._last_id = rows[-1][0]
            self._emit(rows, published_here)

    def _lost(self, why: str) -> None:
        """The listening connection is gone: stop watching it, say so once, try again later."""
        self._close_listener(keep=True)
        self._timer.stop()
        delay = BACKOFF[min(self._failures, len(BACKOFF) - 1)]
        self._failures += 1
        if self._connected:
            self._connected = False
            log.warning("live feed: lost the database (%s); retrying", why)
            self.connection_changed.emit(False, LOST_MESSAGE)
        else:
            log.info("live feed: still no database (%s); next try in %.1f s", why, delay)
        if self._started:
            self._retry_timer.start(int(delay * 1000))

    def on_retry_timer_timeout(self) -> None:
        if not self._started or self._listener is None:
            return
        if self._connect_listener():
            self._after_connect(first=not self._resumable)

    def _close_listener(self, keep: bool = False) -> None:
        """Stop watching the socket before its connection closes (a closed descriptor could be
        reused by another socket). `keep` keeps the Listener for the next try."""
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.activated.disconnect(self.on_notifier_activated)
            self._notifier.deleteLater()
            self._notifier = None
        if self._listener is not None:
            self._listener.close()
            if not keep:
                self._listener = None
