"""Live over the network: a change made by anyone reaches a connected client as a notice
within a second; a client that reconnects names the last notice it saw and gets what it
missed; nobody hears of another person's notifications or of the administrators' topics."""

from __future__ import annotations

import queue
import threading
import time

from desktop.remote.client import RemoteBackend
from desktop.services import requests as request_service


def listen(url: str, token: str, after: int | None = None):
    """Notices on a queue, from a thread: (the queue, the thread)."""
    events: queue.Queue = queue.Queue()
    client = RemoteBackend(url, token)

    def run() -> None:
        try:
            for event in client.changes(after):
                events.put(event)
        except Exception as exc:  # noqa: BLE001 - the test reads it from the queue
            events.put({"event": "ended", "error": repr(exc)})

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return events, client


def wait_for(events: queue.Queue, predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(event)
        if predicate(event):
            return event, seen
    raise AssertionError(f"no such notice within {timeout} s; saw {seen}")


def test_a_request_reaches_the_approver_and_not_others_notifications(make, admin, server,
                                                                      token_for):
    approver, carol, dave = make.user("appr"), make.user("carol"), make.user("dave")
    make.selfservice_app("Ledger", approvers=(approver,))
    approver_events, _ = listen(server.url, token_for(approver))
    dave_events, _ = listen(server.url, token_for(dave))
    wait_for(approver_events, lambda e: e["event"] == "hello")
    wait_for(dave_events, lambda e: e["event"] == "hello")
    started = time.monotonic()
    view = request_service.create_request(carol, "Ledger", "please")
    event, seen = wait_for(approver_events, lambda e: e.get("topic") == "requests")
    assert time.monotonic() - started < 1.0
    assert event["entity_id"] == view["id"]
    # The approver's notification (addressed to him) reaches him, not dave.
    assert {"topic": "notifications", "entity_id": approver.id}.items() <= next(
        e for e in seen if e.get("topic") == "notifications").items()
    _, seen = wait_for(dave_events, lambda e: e.get("topic") == "requests")
    time.sleep(0.3)
    while not dave_events.empty():
        seen.append(dave_events.get())
    assert not [e for e in seen if e.get("topic") == "notifications"
                and e.get("entity_id") != dave.id]
    assert not [e for e in seen if e.get("topic") in ("audit", "mail")]


def test_a_client_that_reconnects_gets_what_it_missed(make, admin, server, token_for):
    approver, carol = make.user("appr"), make.user("carol")
    make.selfservice_app("Ledger", approvers=(approver,))
    token = token_for(approver)
    events, _ = listen(server.url, token)
    hello, _ = wait_for(events, lambda e: e["event"] == "hello")
    last = hello["last_id"]
    # Meanwhile, with nobody listening (a laptop asleep, a server restarting):
    server.stop()
    view = request_service.create_request(carol, "Ledger", "while you were away")
    request_service.approve(approver, view["id"])
    wait_for(events, lambda e: e["event"] == "ended")  # the stream noticed the outage
    server.__init__()  # a new server process-to-be on the same database
    server.start()
    again, _ = listen(server.url, token, after=last)
    notices = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            n.get("topic") == "access" for n in notices):
        try:
            notices.append(again.get(timeout=0.1))
        except queue.Empty:
            pass
    topics = [n.get("topic") for n in notices if n["event"] == "change"]
    assert "requests" in topics
    assert "access" in topics, notices
    ids = [n["id"] for n in notices if n["event"] == "change"]
    assert ids == sorted(ids)
    assert all(i > last for i in ids)


def test_a_client_too_far_behind_is_told_to_re_read_everything(monkeypatch):
    """Notices wait per connection and go out together; past the backlog's cap the client
    gets `resync` (it re-reads what it shows) instead of an ever-growing queue."""
    import asyncio

    from desktop.server import live

    monkeypatch.setattr(live, "BACKLOG_MAX", 3)

    async def scenario() -> tuple[list, bool, list, bool]:
        sub = live.Subscriber(1, False, asyncio.get_running_loop())
        sub.offer([(1, "requests", 5), (2, "access", 5)])
        first = sub.take()
        sub.offer([(3, "requests", 6), (4, "requests", 7)])
        sub.offer([(5, "requests", 8), (6, "requests", 9)])
        return first, sub.overflowed, sub.take(), sub.wake.is_set()

    first, overflowed, rest, awake = asyncio.run(scenario())
    assert [row[0] for row in first] == [1, 2]
    assert overflowed
    assert rest == []
    assert not awake


def test_closing_the_streams_ends_a_quiet_live_connection_at_once(make, server, token_for):
    """A window closed (its feed stopped) hangs up at once, not at the server's next heartbeat
    (10 s): a desktop switching servers, or a server being stopped, is not kept waiting."""
    events, client = listen(server.url, token_for(make.user("quiet")))
    wait_for(events, lambda e: e["event"] == "hello")
    started = time.monotonic()
    client.close_streams()
    event, _seen = wait_for(events, lambda e: e["event"] == "ended", timeout=3.0)
    assert time.monotonic() - started < 1.0
    assert "ServerUnreachable" in event["error"]
