"""The approver's tray connected to a server: it counts live through the server's notices,
says when the server is away, and says when its session ended instead of going quiet."""

from __future__ import annotations

from desktop.remote.feed import RemoteFeed
from desktop.services import requests, sessions
from desktop.ui.tray import ApproverTray
from tests.ui.test_tray import RecordingNotifier


def test_the_tray_counts_through_the_server_and_says_when_its_session_ends(
        qtbot, remote_as, person, monkeypatch):
    import desktop.server.app as server_app

    monkeypatch.setattr(server_app, "HEARTBEAT_S", 0.3)  # the session is checked this often
    priya, diego = person("priya.nair"), person("diego.ramirez")
    backend = remote_as(priya)
    feed = RemoteFeed(backend)
    notifier = RecordingNotifier()
    tray = ApproverTray(backend, feed, notifier=notifier, tray_available=False)
    assert tray.fallback is not None
    before = tray.count
    assert before > 0  # the demo's waiting requests, read through the server

    made = requests.create_request(diego, "Adatum Payroll", "cover for the month end")
    qtbot.waitUntil(lambda: tray.count == before + 1, timeout=5000)
    qtbot.waitUntil(lambda: ("New access request", "Diego Ramírez requests Adatum Payroll",
                             made["id"]) in notifier.shown, timeout=5000)

    # An administrator signs his desktop out: within a heartbeat the tray says so.
    (mine,) = [s for s in sessions.list_sessions(person("megan.bowen"))
               if s["upn"] == priya.upn]
    sessions.revoke_session(person("megan.bowen"), mine["id"])
    qtbot.waitUntil(lambda: feed.ended, timeout=5000)
    said = tray.fallback.count.text()
    assert "session" in said
    assert "ended" in said
    assert not tray.fallback.badge.isVisible()
    assert notifier.shown[-1][0] == "Signed out of Access Desk"
    feed.stop()


def test_a_demo_reset_reaches_a_connected_tray_which_stays_signed_in(
        qtbot, remote_as, person):
    from desktop.demo.scenarios import reset_demo

    backend = remote_as(person("priya.nair"))
    feed = RemoteFeed(backend)
    tray = ApproverTray(backend, feed, notifier=RecordingNotifier(), tray_available=False)
    first = tray.count
    requests.create_request(person("diego.ramirez"), "Adatum Payroll", "cover")
    qtbot.waitUntil(lambda: tray.count == first + 1, timeout=5000)
    with qtbot.waitSignal(feed.directory_rebuilt, timeout=5000):
        reset_demo(actor=person("megan.bowen"))  # the trainer's Reset demo
    qtbot.waitUntil(lambda: tray.count == first, timeout=5000)  # the rebuilt directory's
    assert not feed.ended
    assert backend.desk(fresh=True)["upn"].startswith("priya.nair@")  # still signed in
    feed.stop()
