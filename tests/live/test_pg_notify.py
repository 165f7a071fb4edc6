"""LiveFeed on PostgreSQL: LISTEN/NOTIFY on a socket notifier, no polling; a lost notification
is caught by the next read; a dropped connection is reported, retried and caught up with."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import psycopg
import pytest

from desktop.live import LiveFeed
from desktop.models import DirectoryRoleAssignment, User, database_proxy
from desktop.models.database import ConnectionLost, reconnect_if_lost
from desktop.models.schema import close_database, open_database
from desktop.services import directory

pytestmark = pytest.mark.postgres

ADD_USER_ON_GO = textwrap.dedent("""
    import sys
    from desktop.models.schema import open_database
    from desktop.models import User
    from desktop.services import directory
    open_database(sys.argv[1])
    admin = User.get(User.upn == sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()
    directory.add_user(admin, sys.argv[3], "From elsewhere")
    print("done", flush=True)
""")


@pytest.fixture
def admin(pg_url: str) -> Iterator[User]:
    """An initialised PostgreSQL database with one Global Administrator."""
    open_database(pg_url, init=True)
    try:
        user = User.create(upn="admin@example.test", display_name="Admin", license="p2")
        DirectoryRoleAssignment.create(user=user, role="global_admin")
        yield user
    finally:
        close_database()


@pytest.fixture
def feed(qtbot, admin: User) -> Iterator[LiveFeed]:
    """A feed with the safety poll off: whatever it learns, it learns from NOTIFY."""
    live = LiveFeed(safety_ms=0)
    live.start()
    yield live
    live.stop()


def _steal_notifications(live: LiveFeed) -> int:
    """Read the notifications off the feed's socket behind its back (a lost NOTIFY)."""
    listener = live._listener
    assert listener is not None
    ready, _, _ = select.select([listener.fileno()], [], [], 2.0)
    assert ready, "no notification arrived"
    return listener.drain()


def _terminate(application_name: str, url: str) -> int:
    with psycopg.connect(url, autocommit=True) as con:
        rows = con.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (application_name,)).fetchall()
    return len(rows)


def test_a_write_in_another_process_arrives_by_notify_without_polling(qtbot, feed, admin,
                                                                      pg_url):
    assert feed.is_running()
    assert not feed._timer.isActive()  # no poll timer at all
    proc = subprocess.Popen([sys.executable, "-c", ADD_USER_ON_GO, pg_url, admin.upn,
                             "far@example.test"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert proc.stdout is not None
        assert proc.stdin is not None
        assert proc.stdout.readline().strip() == "ready"
        with qtbot.waitSignal(feed.directory_changed, timeout=2000):  # loose bound
            proc.stdin.write("go\n")
            proc.stdin.flush()
        assert proc.stdout.readline().strip() == "done"
    finally:
        proc.communicate(timeout=30)
    assert feed.notifications_seen >= 1
    assert feed.safety_polls == 0
    assert feed.connected


def test_a_lost_notification_is_caught_by_the_next_read(qtbot, feed, admin):
    directory.add_user(admin, "bob@example.test", "Bob")
    assert _steal_notifications(feed) >= 1
    with qtbot.assertNotEmitted(feed.directory_changed, wait=300):
        pass  # nobody told the feed
    # The next notification, about something else, brings the missed change along.
    with qtbot.waitSignal(feed.directory_changed, timeout=2000):
        directory.add_group(admin, "Finance")
    assert feed.safety_polls == 0


def test_the_safety_poll_catches_a_lost_notification_when_nothing_else_happens(qtbot, admin):
    live = LiveFeed(safety_ms=200)
    live.start()
    try:
        directory.add_user(admin, "bob@example.test", "Bob")
        _steal_notifications(live)
        with qtbot.waitSignal(live.directory_changed, timeout=2000):
            pass
        assert live.safety_polls >= 1
    finally:
        live.stop()


def test_poll_now_reads_a_write_of_this_process_at_once(qtbot, feed, admin):
    with qtbot.waitSignal(feed.directory_changed, timeout=0):
        directory.add_user(admin, "bob@example.test", "Bob")
        feed.poll_now()


def test_a_restart_of_the_feed_resumes_with_what_changed_meanwhile(qtbot, feed, admin):
    feed.stop()
    directory.add_user(admin, "bob@example.test", "Bob")
    with qtbot.waitSignal(feed.directory_changed, timeout=2000):
        feed.start()


def test_a_dropped_listening_connection_is_reported_retried_and_caught_up(qtbot, feed, admin,
                                                                          pg_url):
    states: list[tuple[bool, str]] = []
    feed.connection_changed.connect(lambda ok, message: states.append((ok, message)))
    assert _terminate("access-desk live feed", pg_url) == 1
    directory.add_user(admin, "bob@example.test", "Bob")  # while the feed is cut off
    qtbot.waitUntil(lambda: bool(states), timeout=2000)
    assert states[0][0] is False
    assert "lost" in states[0][1]
    with qtbot.waitSignal(feed.directory_changed, timeout=5000):
        qtbot.waitUntil(lambda: feed.connected, timeout=5000)
    assert states[-1] == (True, "")
    assert feed.reconnections == 1
    # Listening again: the next write arrives by NOTIFY.
    with qtbot.waitSignal(feed.directory_changed, timeout=2000):
        directory.add_user(admin, "carl@example.test", "Carl")


def test_a_service_call_after_the_server_dropped_its_connection_works(admin, pg_url):
    db = database_proxy.obj
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SELECT pg_terminate_backend(%s)", (db.connection().info.backend_pid,))
    # The write notices the dead connection before it began, reconnects once and goes on.
    directory.add_user(admin, "bob@example.test", "Bob")
    assert User.select().where(User.upn == "bob@example.test").exists()
    # Reads are revived by reconnect_if_lost(), which the feed calls when it is back.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SELECT pg_terminate_backend(%s)", (db.connection().info.backend_pid,))
    assert reconnect_if_lost() is True
    assert reconnect_if_lost() is False
    assert User.select().count() == 2


def test_a_write_while_the_server_is_unreachable_says_so_clearly(admin, pg_url, monkeypatch):
    db = database_proxy.obj
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SELECT pg_terminate_backend(%s)", (db.connection().info.backend_pid,))
    with socket.socket() as s:  # a port nobody listens on: the server is "away"
        s.bind(("127.0.0.1", 0))
        monkeypatch.setitem(db.connect_params, "port", s.getsockname()[1])
    with pytest.raises(ConnectionLost, match="cannot reach the database"):
        directory.add_user(admin, "bob@example.test", "Bob")
    monkeypatch.undo()  # the server is back
    directory.add_user(admin, "bob@example.test", "Bob")
    assert User.select().where(User.upn == "bob@example.test").exists()
