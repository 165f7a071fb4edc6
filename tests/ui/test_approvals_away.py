"""Rule 19 in the windows: the Away dialog saves a period and a delegate (and refuses in
place); the delegate's Approvals lists the away approver's requests and says whom he decides
for; the approver's window says he is away."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt

from desktop.api.backend import as_backend
from desktop.models import AwayPeriod, User
from desktop.services import away, requests
from desktop.ui.approvals import ApprovalsWindow
from desktop.ui.approvals.away import AwayDialog


def test_the_away_dialog_saves_a_period_and_a_delegate(qtbot, make):
    boss = make.user("boss", license="p2", name="Bea Boss")
    deputy = make.user("deputy", license="p2", name="Dan Deputy")
    make.user("free", license="none", name="Fay Free")
    make.selfservice_app("Ledger", approvers=(boss,))
    dialog = AwayDialog(None, as_backend(User.get_by_id(boss.id)))
    qtbot.addWidget(dialog)
    assert not dialog.back_button.isVisible()
    dialog.search.setText("Fay")
    qtbot.waitUntil(lambda: dialog.delegate.count() == 2)
    item = dialog.delegate.model().item(1)
    assert not item.isEnabled()
    assert "license" in item.toolTip()
    dialog.search.setText("Dan")
    qtbot.waitUntil(lambda: dialog.delegate.findData(deputy.upn) > 0)
    dialog.delegate.setCurrentIndex(dialog.delegate.findData(deputy.upn))
    dialog.ends.setDate(QDate.currentDate().addDays(-3))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "end after it starts" in dialog.error.text()  # refused in place, nothing saved
    assert AwayPeriod.select().count() == 0
    dialog.ends.setDate(QDate.currentDate().addDays(10))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == AwayDialog.DialogCode.Accepted
    period = AwayPeriod.get()
    assert (period.user_id, period.delegate_id) == (boss.id, deputy.id)


def test_a_delegates_approvals_show_the_request_and_the_approver_sees_he_is_away(
        qtbot, make, feed):
    boss = make.user("boss", license="p2", name="Bea Boss")
    deputy = make.user("deputy", license="p2", name="Dan Deputy")
    make.selfservice_app("Ledger", approvers=(boss,))
    req = make.request(make.user("alice", name="Alice Wu"), "Ledger")
    away.set_away(boss, None, None, "2099-12-31", deputy.upn)
    window = ApprovalsWindow(User.get_by_id(deputy.id), feed)
    qtbot.addWidget(window)
    window.show()
    assert window.pending_page.model.rowCount() == 1
    assert window.pending_page.model.row_data(0)["id"] == req.id
    assert "You decide for Bea Boss" in window.away_banner.text.text()
    assert window.scope.text() == ("You approve no application yourself; meanwhile you "
                                   "decide for Bea Boss.")
    mine = ApprovalsWindow(User.get_by_id(boss.id), feed)
    qtbot.addWidget(mine)
    mine.show()
    assert "You are away until 31 December 2099; Dan Deputy decides for you." in \
        mine.away_banner.text.text()


def column_texts(model, title):
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == title)
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_history_and_my_requests_say_whom_a_delegate_decided_for(qtbot, make, feed):
    from desktop.ui.myapps.requests import RequestsPage

    boss = make.user("boss", license="p2", name="Bea Boss")
    deputy = make.user("deputy", license="p2", name="Dan Deputy")
    alice = make.user("alice", name="Alice Wu")
    make.selfservice_app("Ledger", approvers=(boss,))
    make.selfservice_app("Wiki", approvers=(boss,))
    himself = make.request(alice, "Wiki")
    requests.approve(boss, himself.id)
    away.set_away(boss, None, None, "2099-12-31", deputy.upn)
    for_him = make.request(alice, "Ledger")
    requests.approve(User.get_by_id(deputy.id), for_him.id)  # newest first below

    window = ApprovalsWindow(User.get_by_id(boss.id), feed)
    qtbot.addWidget(window)
    history = window.history_page
    qtbot.waitUntil(lambda: history.model.rowCount() == 2)
    assert column_texts(history.model, "Decided by") == ["Dan Deputy for Bea Boss", "Bea Boss"]
    assert "Approved by Dan Deputy for Bea Boss on" in history.model.index(0, 0).data(
        Qt.ItemDataRole.ToolTipRole)

    mine = RequestsPage(User.get_by_id(alice.id), feed)
    qtbot.addWidget(mine)
    qtbot.waitUntil(lambda: mine.model.rowCount() == 2)
    assert column_texts(mine.model, "Approver") == ["Dan Deputy for Bea Boss", "Bea Boss"]


def test_an_administrator_sets_a_user_away_from_the_users_page(qtbot, admin_window,
                                                               monkeypatch):
    def save_for_a_week(dialog):
        dialog.ends.setDate(QDate.currentDate().addDays(7))
        dialog.delegate.setCurrentIndex(dialog.delegate.findData("priya.nair@contoso.example"))
        dialog.on_save()
        return AwayDialog.DialogCode.Accepted

    monkeypatch.setattr(AwayDialog, "exec", save_for_a_week)
    page = admin_window.users
    page.search.setText("alice.wu")
    page.model.apply_search_now()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert not page.away_button.isEnabled()
    page.view.setCurrentIndex(page.model.index(0, 0))
    assert page.away_button.isEnabled()
    qtbot.mouseClick(page.away_button, Qt.MouseButton.LeftButton)
    assert "Alice Wu is away until" in page.message.text.text()
    assert "Priya Nair decides for that person" in page.message.text.text()
    period = AwayPeriod.get()
    assert period.set_by.upn == "megan.bowen@contoso.example"


def test_the_tray_says_when_you_are_away(qtbot, make, feed):
    from desktop.ui.tray import ApproverTray

    boss = make.user("boss", license="p2", name="Bea Boss")
    make.selfservice_app("Ledger", approvers=(boss,))
    away.set_away(boss, None, None, "2099-12-31")
    tray = ApproverTray(User.get_by_id(boss.id), feed, tray_available=True)
    assert tray.tray.toolTip().endswith("; you are away until 31 December 2099")
