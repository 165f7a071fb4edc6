"""LiveFeed: committed writes become typed signals, from this process and from others."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.live import ALL_APPLICATIONS, LiveFeed
from desktop.services import core, requests, selfservice


def test_a_write_in_this_process_is_emitted_at_once_with_poll_now(qtbot, feed, make):
    alice = make.user("alice")
    app = make.selfservice_app("Wiki")
    with qtbot.waitSignal(feed.requests_changed, timeout=0), \
            qtbot.waitSignal(feed.access_changed, timeout=0), \
            qtbot.waitSignal(feed.notifications_changed, timeout=0):
        requests.create_request(alice, app.name)
        feed.poll_now()


def test_the_timer_notices_a_write_without_being_asked(qtbot, feed, make):
    alice = make.user("alice")
    app = make.selfservice_app("Wiki")
    with qtbot.waitSignal(feed.requests_changed, timeout=1000):
        requests.create_request(alice, app.name)


def test_settings_changed_carries_the_application_id(qtbot, feed, make):
    app = make.selfservice_app("Wiki")
    with qtbot.waitSignal(feed.settings_changed, timeout=1000,
                          check_params_cb=lambda app_id: app_id == app.id):
        selfservice.update(make.admin, app.name, enabled=False)
    with core.transaction():
        core.publish("settings")
    with qtbot.waitSignal(feed.settings_changed, timeout=1000,
                          check_params_cb=lambda app_id: app_id == ALL_APPLICATIONS):
        feed.poll_now()


def test_directory_changes_are_their_own_signal(qtbot, feed, make):
    with qtbot.waitSignal(feed.directory_changed, timeout=1000), \
            qtbot.assertNotEmitted(feed.requests_changed, wait=100):
        make.user("bob")
        feed.poll_now()


def test_older_changes_are_not_replayed_at_start(qtbot, db, make):
    make.selfservice_app("Wiki")
    live = LiveFeed(interval_ms=20)
    with qtbot.assertNotEmitted(live.settings_changed, wait=200), \
            qtbot.assertNotEmitted(live.directory_changed, wait=0):
        live.start()
    live.stop()


def test_nothing_is_emitted_while_nothing_changes(qtbot, feed, make):
    make.user("bob")
    feed.poll_now()
    with qtbot.assertNotEmitted(feed.directory_changed, wait=300):
        pass


def test_stop_ends_polling_and_poll_now_then_does_nothing(qtbot, feed, make):
    feed.stop()
    assert not feed.is_running()
    with qtbot.assertNotEmitted(feed.directory_changed, wait=200):
        make.user("bob")
        feed.poll_now()


def test_every_change_is_seen_once_in_order(qtbot, feed, make):
    seen: list[int] = []
    feed.settings_changed.connect(seen.append)
    apps = [make.app(f"App {i}") for i in range(5)]
    feed.poll_now()
    assert seen == [a.id for a in apps]
    feed.poll_now()
    assert seen == [a.id for a in apps]


def test_the_feed_connection_never_holds_a_read_transaction(qtbot, feed, make, db):
    # A held snapshot would hide later commits from the feed and pin the WAL.
    make.user("bob")
    feed.poll_now()
    assert feed._conn is not None
    assert not feed._conn.in_transaction


# What an idle poll costs is measured by bench/feed_poll.py, not asserted here.


def test_a_locked_database_does_not_break_the_feed(qtbot, feed, db, make):
    other = sqlite3.connect(db.database, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        feed._conn.execute("PRAGMA busy_timeout = 10")
        feed.on_timer_timeout()  # logs and carries on
    finally:
        other.rollback()
        other.close()
    with qtbot.waitSignal(feed.directory_changed, timeout=1000):
        make.user("bob")


def test_a_restart_resumes_and_delivers_what_changed_meanwhile(qtbot, feed, make):
    feed.stop()
    make.user("bob")
    with qtbot.waitSignal(feed.directory_changed, timeout=1000):
        feed.start()


@pytest.mark.postgres
def test_on_postgresql_the_timer_reads_new_change_rows(qtbot, pg_url):
    from desktop.models.schema import close_database, open_database
    from desktop.services import directory

    open_database(pg_url, init=True)
    try:
        from desktop.models import DirectoryRoleAssignment, User

        admin = User.create(upn="admin@example.test", display_name="Admin", license="p2")
        DirectoryRoleAssignment.create(user=admin, role="global_admin")
        live = LiveFeed(interval_ms=50)
        live.start()
        assert live._conn is None  # no SQLite side connection: the hook for LISTEN/NOTIFY
        with qtbot.waitSignal(live.directory_changed, timeout=2000):
            directory.add_user(admin, "bob@example.test", "Bob")
        with qtbot.waitSignal(live.directory_changed, timeout=0):
            directory.add_user(admin, "carl@example.test", "Carl")
            live.poll_now()
        live.stop()
    finally:
        close_database()
