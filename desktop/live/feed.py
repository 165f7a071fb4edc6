"""The change feed as Qt signals: polls the change table, tells windows what kind of data moved."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable

import peewee as pw
from PySide6.QtCore import QObject, QTimer, Signal

from desktop.models import database_proxy
from desktop.models.database import is_postgres

log = logging.getLogger(__name__)

# settings_changed carries this when a write touched settings of no single application.
ALL_APPLICATIONS = 0


class LiveFeed(QObject):
    """Learns of committed writes (this process's and other processes') and emits typed signals.

    SQLite: a QTimer polls ``PRAGMA data_version`` on a dedicated autocommit connection (it
    changes whenever another connection, the peewee one of this process included, commits)
    and then reads ``change`` rows after the last id seen. PostgreSQL: for now the timer
    reads the newest change id; :meth:`_start_listening` is the hook where LISTEN/NOTIFY on a
    QSocketNotifier replaces the polling.

    Call :meth:`poll_now` after a write made in this process so windows update at once.

    Signals:
        requests_changed(): a request was made, decided, cancelled or closed.
        notifications_changed(): someone received a notification (or read some).
        settings_changed(int): an application's settings or properties; 0 for "several".
        access_changed(): an assignment or a self-service group membership changed.
        directory_changed(): users or groups changed.
    """

    requests_changed = Signal()
    notifications_changed = Signal()
    settings_changed = Signal(int)
    access_changed = Signal()
    directory_changed = Signal()

    def __init__(self, parent: QObject | None = None, interval_ms: int = 200) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._last_id = 0
        self._started = False
        self._resumable = False

    # --- life cycle ------------------------------------------------------------------------

    @property
    def last_seen(self) -> int:
        """Id of the newest change row already reported."""
        return self._last_id

    def is_running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        """Begin watching. The first start begins at the current end of the feed (older changes
        are not replayed); a start after stop() resumes, delivering what changed meanwhile."""
        if self._started:
            return
        self._started = True
        db = database_proxy.obj
        if db is None:
            raise RuntimeError("LiveFeed.start() needs an open database")
        if is_postgres(db):
            self._start_listening()
        else:
            self._open_sqlite(db)
        resuming = self._resumable
        if not resuming:
            self._last_id = self._max_id()
            self._resumable = True
        self._timer.start()
        if resuming:
            # The new connection's data_version baseline already includes what was missed.
            self.poll_now()

    def stop(self) -> None:
        self._timer.stop()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._started = False

    def poll_now(self) -> None:
        """Read new change rows at once, whatever the data version says (after own writes)."""
        if not self._started:
            return
        self._emit(self._read_changes())

    # --- polling ---------------------------------------------------------------------------

    def on_timer_timeout(self) -> None:
        try:
            if self._conn is not None:
                version = self._conn.execute("PRAGMA data_version").fetchone()[0]
                if version == self._data_version:
                    return
                self._data_version = version
            self._emit(self._read_changes())
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

    def _start_listening(self) -> None:
        """PostgreSQL hook: LISTEN on PG_CHANNEL with a QSocketNotifier (a later issue).

        Until then the timer reads the newest change id on every tick; writes run NOTIFY
        already, so only this method and a socket-notifier slot calling poll_now() change.
        """

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

    def _emit(self, rows: Iterable[tuple[int, str, int | None]]) -> None:
        topics: set[str] = set()
        apps: list[int] = []
        for _id, topic, entity in rows:
            topics.add(topic)
            if topic == "settings":
                app_id = int(entity) if entity is not None else ALL_APPLICATIONS
                if app_id not in apps:
                    apps.append(app_id)
        # Directory and access first: a request list often depends on both.
        if "directory" in topics:
            self.directory_changed.emit()
        for app_id in apps:
            self.settings_changed.emit(app_id)
        if "access" in topics:
            self.access_changed.emit()
        if "requests" in topics:
            self.requests_changed.emit()
        if "notifications" in topics:
            self.notifications_changed.emit()
