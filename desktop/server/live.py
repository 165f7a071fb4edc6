"""The server's change notices: one thread per server process learns of committed writes the
way a desktop's LiveFeed does (PRAGMA data_version on SQLite, LISTEN/NOTIFY on PostgreSQL,
so a write through another server on the same database is seen too), reads the `change` rows
and hands them to every connected client's queue. A client that reconnects names the last
notice it saw and gets what it missed, or `resync` when too much was missed to replay."""

from __future__ import annotations

import asyncio
import logging
import select
import sqlite3
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Row = tuple[int, str, int | None]
# More missed changes than this: the client re-reads everything instead.
REPLAY_MAX = 5000
# Topics only administrators' windows show (the audit log, the e-mail outbox).
ADMIN_TOPICS = frozenset({"audit", "mail"})


# Notices waiting for a client that does not read: more, and it must re-read everything.
BACKLOG_MAX = 10000


@dataclass(eq=False)
class Subscriber:
    """One live connection. Its notices wait in `pending` (on its event loop's thread) and
    are written out together: one chunk per wake-up, however many came."""

    user_id: int
    admin: bool
    loop: asyncio.AbstractEventLoop
    pending: deque[Row] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False

    def may_see(self, row: Row) -> bool:
        """Notices name a topic and an id, never data; a client re-reads through the API,
        which checks the rights. Still, nobody learns of others' notifications or of the
        administrators' topics."""
        _, topic, entity = row
        if topic in ADMIN_TOPICS:
            return self.admin
        if topic == "notifications":
            return entity is None or entity == self.user_id
        return True

    def offer(self, rows: list[Row]) -> None:
        if len(self.pending) + len(rows) > BACKLOG_MAX:
            self.overflowed = True  # a stalled client: it is told to re-read everything
            self.pending.clear()
        else:
            self.pending.extend(rows)
        self.wake.set()

    def take(self) -> list[Row]:
        self.wake.clear()
        rows = list(self.pending)
        self.pending.clear()
        return rows


class Broadcaster:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_id = 0

    # --- reading the change table ------------------------------------------------------------

    def start(self) -> None:
        from desktop.models import database_proxy
        from desktop.models.database import is_postgres

        db = database_proxy.obj
        self.last_id = _max_id(db)
        target = self._run_postgres if is_postgres(db) else self._run_sqlite
        self._thread = threading.Thread(target=target, args=(db,), name="access-desk notices",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def _run_sqlite(self, db: Any) -> None:
        conn = sqlite3.connect(db.database, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("PRAGMA query_only = 1")
        version = None
        while not self._stop.wait(0.05):
            try:
                now = conn.execute("PRAGMA data_version").fetchone()[0]
                if now == version:
                    continue
                version = now
                rows = conn.execute('SELECT id, topic, entity_id FROM "change" WHERE id > ? '
                                    "ORDER BY id", (self.last_id,)).fetchall()
                self._hand_out([(int(r[0]), str(r[1]), r[2]) for r in rows])
            except sqlite3.Error:
                log.warning("reading the change table failed; trying again", exc_info=True)
        conn.close()

    def _run_postgres(self, db: Any) -> None:
        from desktop.live.pg import Listener, ListenerLost

        listener = Listener(db)
        backoff = 0.5
        while not self._stop.is_set():
            try:
                if not listener.is_open:
                    listener.open()
                    backoff = 0.5
                    self._hand_out(listener.changes_after(self.last_id))
                ready, _, _ = select.select([listener.fileno()], [], [], 1.0)
                if ready:
                    listener.drain()
                # Also on a quiet second: a NOTIFY lost in a reconnect is never a lost change.
                self._hand_out(listener.changes_after(self.last_id))
            except ListenerLost as exc:
                log.warning("the notice connection was lost (%s); reconnecting", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10)
        listener.close()

    def _hand_out(self, rows: list[Row]) -> None:
        if not rows:
            return
        self.last_id = rows[-1][0]
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            visible = [row for row in rows if sub.may_see(row)]
            if visible:  # one hand-over per client and burst, not one per notice
                sub.loop.call_soon_threadsafe(sub.offer, visible)

    # --- clients -------------------------------------------------------------------------------

    def subscribe(self, user_id: int, admin: bool) -> Subscriber:
        sub = Subscriber(user_id, admin, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    @property
    def connected(self) -> int:
        with self._lock:
            return len(self._subscribers)


def _max_id(db: Any) -> int:
    return int(db.execute_sql('SELECT MAX(id) FROM "change"').fetchone()[0] or 0)


def missed(after: int) -> list[Row] | None:
    """The change rows after `after` (a reconnecting client's last notice), or None when
    there are too many to replay."""
    from desktop.models import database_proxy

    db = database_proxy.obj
    param = "%s" if db.param == "%s" else "?"
    rows = db.execute_sql(f'SELECT id, topic, entity_id FROM "change" WHERE id > {param} '
                          f"ORDER BY id LIMIT {REPLAY_MAX + 1}", (after,)).fetchall()
    if len(rows) > REPLAY_MAX:
        return None
    return [(int(r[0]), str(r[1]), r[2]) for r in rows]
