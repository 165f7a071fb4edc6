"""Reset demo with other processes open on the same file: they follow the rebuilt directory,
and what they write after the reset lands in the real database (issue 11, blocker 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from desktop import paths
from desktop.demo.scenarios import demo_upn
from desktop.live import LiveFeed
from desktop.models import AccessRequest, User
from desktop.services import notifications, requests
from desktop.ui import app as shell
from desktop.ui.myapps import MyAppsWindow
from desktop.ui.tray import ApproverTray

APP = "Fabrikam CRM"
APPROVER = "alice.wu"
REQUESTER = "oliver.schmidt"

# Another desktop's process: its connection is opened before the reset and kept; it writes
# on command. Before the fix it held the deleted file and its writes vanished.
OTHER_DESKTOP = textwrap.dedent("""
    import os, sys
    from desktop.models.schema import open_database
    from desktop.models import User
    from desktop.services import requests
    def deleted_fds():
        fds = [f"/proc/self/fd/{fd}" for fd in os.listdir("/proc/self/fd")]
        links = [os.readlink(fd) for fd in fds if os.path.exists(fd)]
        return sum("demo.db" in link and "(deleted)" in link for link in links)
    open_database(sys.argv[1])
    User.select().count()  # the connection is open from here on
    print("ready", flush=True)
    for line in sys.stdin:
        word, *rest = line.split()
        if word == "request":
            made = requests.create_request(User.get(User.upn == rest[0]), " ".join(rest[1:]),
                                           "after the reset")
            print(made["id"], flush=True)
        elif word == "fds":
            print(deleted_fds(), flush=True)

""")


def cli(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db_path), *args],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ),
                          check=True)


def deleted_fds() -> int:
    links = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
             if os.path.exists(f"/proc/self/fd/{fd}")]
    return sum("demo.db" in link and "(deleted)" in link for link in links)


@pytest.fixture
def other_desktop(demo_db: User) -> Any:
    proc = subprocess.Popen([sys.executable, "-c", OTHER_DESKTOP, str(paths.demo_db_path())],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    assert proc.stdin is not None
    assert proc.stdout.readline().strip() == "ready"

    def ask(command: str) -> str:
        proc.stdin.write(command + "\n")
        proc.stdin.flush()
        return proc.stdout.readline().strip()

    yield ask
    proc.stdin.close()
    proc.wait(timeout=30)


def test_reset_elsewhere_reaches_every_open_window_and_later_writes_are_kept(
        qtbot, demo_db, other_desktop):
    db_path = paths.demo_db_path()
    inode = db_path.stat().st_ino
    feed = LiveFeed(interval_ms=50)
    feed.start()
    approver = User.get(User.upn == demo_upn(APPROVER))
    switcher = shell.WindowSwitcher(approver, feed)
    switcher.open("approvals")  # the switcher owns its windows: it replaces this one
    requester = User.get(User.upn == demo_upn(REQUESTER))
    my_apps = MyAppsWindow(requester, feed)  # a window no switcher rebuilds: it follows
    qtbot.addWidget(my_apps)
    my_apps.show()
    tray = ApproverTray(approver, feed, tray_available=False)
    qtbot.addWidget(tray.fallback)
    shown: list[str] = []
    tray.notifier.notify = lambda title, message, request_id=None: shown.append(message)
    initial = tray.count
    qtbot.wait(100)

    # Before the reset: a request the reset will undo, seen by the window and the tray.
    before = requests.create_request(requester, APP, "before")
    qtbot.waitUntil(lambda: tray.count == initial + 1, timeout=3000)
    qtbot.waitUntil(lambda: switcher.window.pending_count == initial + 1, timeout=3000)

    # The trainer resets from another process (the command line, as the Trainer menu does).
    old_window = switcher.window
    cli(db_path, "init", "--demo", "--reset")
    assert db_path.stat().st_ino == inode  # rebuilt inside the same file
    qtbot.waitUntil(lambda: switcher.window is not old_window, timeout=2000)
    assert switcher.window.pending_count == initial
    qtbot.waitUntil(lambda: tray.count == initial, timeout=2000)
    assert AccessRequest.get_or_none(AccessRequest.id == before["id"]) is None \
        or AccessRequest.get_by_id(before["id"]).justification != "before"

    unseen = notifications.unread_count(requester)
    qtbot.waitUntil(lambda: my_apps.unseen == unseen, timeout=2000)

    # Another desktop that was open all along requests: this window, the tray and the real
    # database all have it.
    made = int(other_desktop(f"request {demo_upn(REQUESTER)} {APP}"))
    qtbot.waitUntil(lambda: tray.count == initial + 1, timeout=2000)
    qtbot.waitUntil(lambda: switcher.window.pending_count == initial + 1, timeout=2000)
    # The tray tells of the new request once (the rebuilt history is not news).
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=2000)
    assert shown == ["Oliver Schmidt requests Fabrikam CRM"] * 2

    # This window (open before the reset) approves; the command line reads the decision.
    page = switcher.window.pending_page
    qtbot.waitUntil(lambda: page.model.row_of(made) >= 0, timeout=2000)  # read off the GUI thread
    assert page.select_ids([made]) == 1
    page.approve_button.click()
    shown_json = json.loads(cli(db_path, "request", "show", str(made), "--json").stdout)
    assert shown_json["status"] == "approved"
    assert notifications.pending_to_approve_count(approver) == initial
    qtbot.waitUntil(lambda: APP in my_apps.apps_page.app_names(), timeout=2000)
    qtbot.waitUntil(lambda: my_apps.unseen == unseen + 1, timeout=2000)

    assert other_desktop("fds") == "0"
    assert deleted_fds() == 0
    feed.stop()
    switcher.window.close()
