"""Two processes on one SQLite file: a decision taken elsewhere reaches this window's badge."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from desktop.models import User
from desktop.services import notifications
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.myapps import MyAppsWindow

APPROVE = textwrap.dedent("""
    import sys
    from desktop.models.schema import open_database
    from desktop.models import User
    from desktop.services import requests
    open_database(sys.argv[1])
    approver = User.get(User.upn == sys.argv[2])
    requests.approve(approver, int(sys.argv[3]), "fine by me")
""")

REQUEST = textwrap.dedent("""
    import sys
    from desktop.models.schema import open_database
    from desktop.models import User
    from desktop.services import requests
    open_database(sys.argv[1])
    requests.create_request(User.get(User.upn == sys.argv[2]), sys.argv[3], "from elsewhere")
""")


def run(script: str, *args: str) -> None:
    subprocess.run([sys.executable, "-c", script, *args], check=True, timeout=60,
                   env=dict(os.environ), capture_output=True)


def test_a_subprocess_approves_and_the_requesters_badge_updates(qtbot, feed, make, db):
    approver = make.user("approver", license="p2")
    alice = make.user("alice")
    app = make.selfservice_app("Fabrikam CRM", approvers=(approver,))
    req = make.request(alice, app)
    window = MyAppsWindow(User.get_by_id(alice.id), feed)
    qtbot.addWidget(window)
    window.show()
    assert window.unseen == 0

    run(APPROVE, db.database, approver.upn, str(req.id))

    qtbot.waitUntil(lambda: window.unseen == 1, timeout=5000)  # loose bound
    assert window.tabs.tabText(2) == "My requests (1)"
    # The tiles are re-read off the GUI thread, as every list the feed refreshes.
    qtbot.waitUntil(lambda: "Fabrikam CRM" in window.apps_page.app_names())
    assert notifications.unread_count(alice) == 1


def test_a_subprocess_requests_and_the_approvers_tab_counts_it(qtbot, feed, make, db):
    approver = make.user("approver", license="p2")
    alice = make.user("alice")
    make.selfservice_app("Fabrikam CRM", approvers=(approver,))
    window = ApprovalsWindow(User.get_by_id(approver.id), feed)
    qtbot.addWidget(window)
    window.show()  # a window not shown refreshes when it is
    assert window.pending_count == 0

    run(REQUEST, db.database, alice.upn, "Fabrikam CRM")

    qtbot.waitUntil(lambda: window.pending_count == 1, timeout=5000)
    assert window.tabs.tabText(0) == "Pending (1)"
    qtbot.waitUntil(lambda: window.pending_page.model.rowCount() == 1)  # read off the GUI thread
