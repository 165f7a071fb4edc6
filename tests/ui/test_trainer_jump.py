"""Rules 16-21 in the windows: Trainer › Jump ahead 7 days, and a single desk's sweep timer
(never on a server's desktop)."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.demo.scenarios import demo_upn
from desktop.models import AccessRequest, AuditEvent, User
from desktop.services import requests, selfservice
from desktop.services.core import clock_offset
from desktop.ui import app as shell
from desktop.ui.sweeper import SweepTimer, start_sweeping
from desktop.ui.trainer import ResultDialog

APP = "Adatum Payroll"


@pytest.fixture
def results(monkeypatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(ResultDialog, "show_result",
                        classmethod(lambda cls, parent, title, text: shown.append((title, text))))
    return shown


def waiting_request(admin: User, days: int = 7) -> int:
    selfservice.update(admin, APP, expire_days=days)
    alice = User.get(User.upn == demo_upn("alice.wu"))
    return int(requests.create_request(alice, APP)["id"])


def test_jump_ahead_from_the_trainer_menu_expires_what_became_due(qtbot, demo_db, results):
    asked = waiting_request(demo_db)
    switcher = shell.WindowSwitcher(demo_db, None)
    window = switcher.open("admin")
    qtbot.addWidget(window)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Trainer")
    action = next(a for a in menu.actions() if a.text() == "&Jump ahead 7 days")
    assert "reminders" in action.toolTip()
    action.trigger()
    assert clock_offset(fresh=True) == dt.timedelta(days=7)
    assert AccessRequest.get_by_id(asked).status == "expired"
    title, text = results[0]
    assert title == "Jump ahead"
    assert "7 days ahead" in text
    assert "1 request expired" in text
    assert AuditEvent.select().where(AuditEvent.action == "demo.jump").count() == 1


def test_a_single_desk_sweeps_on_its_timer(qtbot, demo_db):
    asked = waiting_request(demo_db, days=1)
    AccessRequest.update(expires_at=AccessRequest.created_at).where(
        AccessRequest.id == asked).execute()  # due now
    sweeper = SweepTimer(interval_ms=60_000)
    with qtbot.waitSignal(sweeper.swept, timeout=10_000) as blocker:
        sweeper.on_timer_timeout()
    sweeper.stop()
    assert blocker.args[0]["requests_expired"] == 1
    assert AccessRequest.get_by_id(asked).status == "expired"


def test_a_desktop_on_a_server_never_sweeps(qtbot):
    class Remote:
        remote = True

    assert start_sweeping(None, Remote()) is None
