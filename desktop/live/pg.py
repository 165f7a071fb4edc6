"""PostgreSQL side of the live feed: a dedicated autocommit connection that LISTENs on
PG_CHANNEL and reads the change table (no Qt here; the feed watches its socket).

psycopg is imported only when a feed runs on PostgreSQL, so a SQLite desktop never pays for
the driver.
"""

from __future__ import annotations

import logging
from typing import Any

import peewee as pw

from desktop.models.database import PG_CHANNEL

log = logging.getLogger(__name__)

CHANGES_SQL = 'SELECT id, topic, entity_id FROM "change" WHERE id > %s ORDER BY id'

# A dead server must not freeze the window: connecting gives up after a few seconds, and a
# silent network (no FIN) is noticed by TCP keepalives / the user timeout instead of hanging.
CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10000,
    "application_name": "access-desk live feed",
}

Row = tuple[int, str, int | None]


class ListenerLost(Exception):
    """The listening connection is gone or could not be opened; the message says why."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class Listener:
    """One connection, LISTENing; `drain()` after its socket became readable, `changes_after()`
    to read the rows. Every psycopg error about the connection becomes ListenerLost."""

    def __init__(self, db: pw.PostgresqlDatabase) -> None:
        params = dict(db.connect_params)
        name = str(db.database)
        if name.startswith(("postgresql://", "postgres://")):
            params.setdefault("conninfo", name)
        else:
            params.setdefault("dbname", name)
        self._params = {**CONNECT_OPTIONS, **params}
        self._conn: Any = None
        # Notifications psycopg read while one of our queries ran: they never reach drain().
        self.seen_during_queries = 0

    @property
    def is_open(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def open(self) -> None:
        import psycopg

        self.close()
        try:
            conn = psycopg.connect(autocommit=True, **self._params)
        except psycopg.Error as exc:
            raise ListenerLost(_first_line(exc)) from exc
        conn.add_notify_handler(self._on_notify_during_query)
        self._conn = conn
        self._run(f"LISTEN {PG_CHANNEL}")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a dead connection may complain
                log.debug("closing the listening connection failed", exc_info=True)

    def fileno(self) -> int:
        assert self._conn is not None
        return int(self._conn.fileno())

    def drain(self) -> int:
        """Read what the socket holds without blocking; the number of notifications in it.

        pgconn.consume_input() reads whatever arrived; pgconn.notifies() hands the queued
        notifications out one by one (None when there are no more). An end of file (the
        server went away) raises ListenerLost.
        """
        import psycopg

        conn = self._require()
        pgconn = conn.pgconn
        count = 0
        try:
            pgconn.consume_input()
            while pgconn.notifies() is not None:
                count += 1
        except psycopg.Error as exc:
            self.close()
            raise ListenerLost(_first_line(exc)) from exc
        if conn.closed:
            self.close()
            raise ListenerLost("the server closed the connection")
        return count

    def max_id(self) -> int:
        rows = self._run('SELECT MAX(id) FROM "change"')
        return int(rows[0][0] or 0) if rows else 0

    def changes_after(self, last_id: int) -> list[Row]:
        """Change rows after `last_id`, in order. A notification that arrived while the query
        ran may belong to a commit the query did not see yet: then read once more."""
        result: list[Row] = []
        while True:
            seen = self.seen_during_queries
            rows = self._run(CHANGES_SQL, (last_id,))
            for r in rows:
                result.append((int(r[0]), str(r[1]), r[2]))
            if rows:
                last_id = int(rows[-1][0])
            if self.seen_during_queries == seen:
                return result

    # --- helpers ---------------------------------------------------------------------------

    def _require(self) -> Any:
        if self._conn is None:
            raise ListenerLost("not connected")
        return self._conn

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        conn = self._require()
        try:
            cursor = conn.execute(sql, params or None)
            return list(cursor.fetchall()) if cursor.description else []
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self.close()
            raise ListenerLost(_first_line(exc)) from exc

    def _on_notify_during_query(self, _notify: Any) -> None:
        self.seen_during_queries += 1
