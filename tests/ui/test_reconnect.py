"""The PostgreSQL server restarts under a running window: its status bar says the connection
was lost, then clears; what another desktop changed meanwhile shows; the window's own
decisions work again."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import psycopg
import pytest

from desktop.live import LiveFeed
from desktop.models import AccessRequest, User
from desktop.models.schema import close_database, open_database
from desktop.ui.approvals import ApprovalsWindow

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "pg-test-cluster.sh"

REQUEST = textwrap.dedent("""
    import sys
    from desktop.models.schema import open_database
    from desktop.models import User
    from desktop.services import requests
    open_database(sys.argv[1])
    requests.create_request(User.get(User.upn == sys.argv[2]), sys.argv[3], "while you were away")
""")


@pytest.fixture
def db(pg_url: str) -> Iterator[pw.Database]:
    """PostgreSQL only: a server restart is the point."""
    database = open_database(pg_url, init=True)
    try:
        yield database
    finally:
        close_database()


@pytest.fixture
def cluster_dir(pg_url: str) -> Path:
    """The data directory of the test server, which scripts/pg-test-cluster.sh restarts."""
    try:
        with psycopg.connect(pg_url, autocommit=True) as con:
            row = con.execute("SHOW data_directory").fetchone()
    except psycopg.Error as exc:
        pytest.skip(f"cannot ask the server for its data directory: {exc}")
    path = Path(row[0]) if row else None
    if path is None or not (path / "postmaster.pid").exists():
        pytest.skip("the test server's data directory is not on this machine")
    return path


def restart_server(path: Path) -> None:
    subprocess.run(["bash", str(CLUSTER), "restart", str(path)], check=True, timeout=60,
                   capture_output=True)


def test_a_server_restart_shows_in_the_status_bar_and_the_window_catches_up(
        qtbot, make, pg_url, cluster_dir):
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    alice = make.user("alice")
    first = make.request(alice, "Fabrikam CRM")
    bob = make.user("bob")
    feed = LiveFeed(safety_ms=0)
    window = ApprovalsWindow(User.get_by_id(ann.id), feed)
    qtbot.addWidget(window)
    window.show()
    indicator = window.connection_indicator
    assert window.pending_count == 1
    assert not indicator.isVisible()
    assert not window.statusBar().isVisible()  # My Apps and Approvals show it only when lost

    # The GUI thread is busy meanwhile, so the window's connections die unnoticed and another
    # desktop requests while the window is cut off.
    restart_server(cluster_dir)
    subprocess.run([sys.executable, "-c", REQUEST, pg_url, bob.upn, "Fabrikam CRM"],
                   check=True, timeout=60, capture_output=True, env=dict(os.environ))

    qtbot.waitUntil(lambda: indicator.isVisible(), timeout=3000)
    assert indicator.text() == "Connection to the database lost \u2014 retrying\u2026"
    assert window.statusBar().isVisible()
    qtbot.waitUntil(lambda: not indicator.isVisible(), timeout=10000)
    assert indicator.text() == ""
    assert not window.statusBar().isVisible()
    qtbot.waitUntil(lambda: window.pending_count == 2, timeout=5000)
    # The list is read on the worker pool (a visible page, refreshed by the feed).
    qtbot.waitUntil(lambda: window.pending_page.model.rowCount() == 2, timeout=5000)

    # The window's own decision works again (its connection was revived on reconnect).
    page = window.pending_page
    page.select_ids([first.id])
    page.approve_button.click()
    assert AccessRequest.get_by_id(first.id).status == "approved"
    qtbot.waitUntil(lambda: window.pending_count == 1, timeout=5000)
    feed.stop()


def test_a_decision_right_after_a_restart_reconnects_by_itself(
        qtbot, make, pg_url, cluster_dir):
    ann = make.user("ann", license="p2", name="Ann Approver")
    make.selfservice_app("Fabrikam CRM", approvers=(ann,))
    req = make.request(make.user("alice"), "Fabrikam CRM")
    feed = LiveFeed(safety_ms=0)
    window = ApprovalsWindow(User.get_by_id(ann.id), feed)
    qtbot.addWidget(window)
    window.show()
    restart_server(cluster_dir)
    # Before the feed noticed: the click's write finds its connection dead, reconnects once
    # by itself and succeeds.
    page = window.pending_page
    page.select_ids([req.id])
    page.approve_button.click()
    assert AccessRequest.get_by_id(req.id).status == "approved"
    qtbot.waitUntil(lambda: window.pending_count == 0, timeout=5000)
    qtbot.waitUntil(lambda: feed.connected and feed.reconnections == 1, timeout=10000)
    feed.stop()
