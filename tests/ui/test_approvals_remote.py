"""The Approvals window connected to an Access Desk server: the same window, every read and
decision through the server's API, other people's changes through its live notices."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.services import approvals, requests
from desktop.ui.approvals import ApprovalsWindow

CRM = "Fabrikam CRM"  # the demo's: approved by Alice Wu, Diego Ramirez and Yuki Tanaka


def pending_ids(window: ApprovalsWindow) -> set[int]:
    return {r["id"] for r in window.pending_page.model.rows()}


def status(person: Any, request_id: int) -> tuple[str, str | None, str | None]:
    row = approvals.request_detail(person, request_id)
    return row["status"], row["decided_by"], row["reason"]


def test_an_approver_decides_through_the_server_and_sees_others_live(qtbot, remote_as, person):
    alice, diego = person("alice.wu"), person("diego.ramirez")
    first = requests.create_request(person("megan.bowen"), CRM, "Quarterly forecasts")["id"]
    window = ApprovalsWindow(remote_as(alice), None)  # its own feed: the server's notices
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window only
    page = window.pending_page
    qtbot.waitUntil(lambda: first in pending_ids(window))
    assert window.scope.text() == ("You approve requests for Fabrikam CRM, Lamna Learning. "
                                   f"Working on the server {window.backend.place}.")
    before = window.pending_count

    # Selected, a reason typed, Ctrl+Enter: decided on the server, as Alice.
    page.select_ids([first])
    assert "Megan Bowen" in page.detail.text()
    page.reason.setFocus()
    qtbot.keyClicks(page.reason, "Welcome to the sales team")
    qtbot.keyClick(page.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert status(alice, first) == ("approved", alice.upn, "Welcome to the sales team")
    assert page.outcome.text.text() == f"Approved Megan Bowen's request for {CRM}."
    qtbot.waitUntil(lambda: first not in pending_ids(window))
    qtbot.waitUntil(lambda: window.pending_count == before - 1)

    # Someone else requests meanwhile: the list and the tab's count follow.
    second = requests.create_request(person("rahul.mehta"), CRM, None)["id"]
    qtbot.waitUntil(lambda: second in pending_ids(window))
    qtbot.waitUntil(lambda: window.pending_count == before)
    assert window.tabs.tabText(0) == f"Pending ({before})"

    # Two at once.
    third = requests.create_request(person("ingrid.solberg"), CRM, None)["id"]
    qtbot.waitUntil(lambda: third in pending_ids(window))
    assert page.select_ids([second, third]) == 2
    page.approve_button.click()
    qtbot.waitUntil(lambda: not page.busy)  # decided off the GUI thread, batch by batch
    assert page.last_summary is not None
    assert sorted(page.last_summary.decided) == sorted([second, third])
    assert page.outcome.text.text() == "Approved 2 of 2 requests."
    assert [status(alice, i)[0] for i in (second, third)] == ["approved", "approved"]
    qtbot.waitUntil(lambda: not {second, third} & pending_ids(window))

    # Diego decides first while Alice's list still shows the request: she is told who did.
    fourth = requests.create_request(person("kwame.asante"), CRM, None)["id"]
    qtbot.waitUntil(lambda: fourth in pending_ids(window))
    page.select_ids([fourth])
    requests.approve(diego, fourth, None)
    page.approve_button.click()  # before the notice of Diego's decision is read
    text = page.outcome.text.text()
    assert (f"Kwame Asante's request for {CRM} was already approved by {diego.display_name} "
            f"({diego.upn}) on ") in text
    assert status(alice, fourth)[:2] == ("approved", diego.upn)
    qtbot.waitUntil(lambda: fourth not in pending_ids(window))
    window.close()


def test_an_approver_sets_sign_in_details_through_the_server(qtbot, remote_as, person):
    from desktop.services import credentials

    johan, amara = person("johan.berg"), person("amara.okafor")
    window = ApprovalsWindow(remote_as(johan), None)
    qtbot.addWidget(window)
    window.show()
    page = window.passwords_page
    assert window.tabs.isTabVisible(window.tabs.indexOf(page))
    window.tabs.setCurrentWidget(page)
    assert page.current_app() == "Tailspin Travel"
    assert page.key_banner.isHidden()  # the server holds the data key
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    assert page.select_person(amara.upn)
    qtbot.keyClicks(page.username, "awu")
    qtbot.keyClicks(page.password, "Tr4vel-Secret")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert page.password.text() == ""
    assert "Saved the sign-in details of Amara Okafor for Tailspin Travel" in page.result.text()
    creds = credentials.read_own_credentials(amara, "Tailspin Travel")
    assert (creds.username, creds.password) == ("awu", "Tr4vel-Secret")
    qtbot.waitUntil(lambda: page.model.row_data(page.model.row_of(amara.id))["set_by"]
                    == johan.display_name)
    window.close()
