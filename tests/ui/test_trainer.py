"""Trainer tools in the windows: the Trainer menu, reset, scenarios, View as, the handout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop.cli import main
from desktop.demo.scenarios import demo_upn
from desktop.live import LiveFeed
from desktop.models import AccessRequest, User
from desktop.services import directory, requests
from desktop.services.core import put_setting, transaction
from desktop.ui import app as shell
from desktop.ui import handout
from desktop.ui.trainer import ResultDialog, Trainer
from desktop.ui.viewas import ViewAsWindow


@pytest.fixture
def results(monkeypatch) -> list[tuple[str, str]]:
    """ResultDialog is modal: record what it would have shown instead."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(ResultDialog, "show_result",
                        classmethod(lambda cls, parent, title, text: shown.append((title, text))))
    return shown


@pytest.fixture
def feed(qtbot, demo_db) -> Iterator[LiveFeed]:
    live = LiveFeed(interval_ms=50)
    live.start()
    yield live
    live.stop()


def menu_titles(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def trainer_actions(window) -> dict[str, object]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Trainer")
    return {a.text().replace("&", "").rstrip("…"): a for a in menu.actions() if a.text()}


def test_the_trainer_menu_is_there_on_a_demo_database_before_help(qtbot, demo_db):
    switcher = shell.WindowSwitcher(demo_db, None)
    window = switcher.open("admin")
    qtbot.addWidget(window)
    assert menu_titles(window)[-2:] == ["Trainer", "Help"]
    assert set(trainer_actions(window)) == {"View as", "Scenarios", "Handout", "Reset demo",
                                            "Start classroom server", "Stop classroom server",
                                            "Jump ahead 7 days"}
    assert isinstance(switcher.trainer, Trainer)


def test_no_trainer_menu_on_a_real_directory(qtbot, demo_db):
    with transaction():
        put_setting("demo", "0")
    switcher = shell.WindowSwitcher(demo_db, None)
    window = switcher.open("admin")
    qtbot.addWidget(window)
    assert "Trainer" not in menu_titles(window)


def test_reset_from_the_menu_is_confirmed_and_rebuilds_the_windows(qtbot, demo_db, confirm_yes,
                                                                   feed):
    switcher = shell.WindowSwitcher(demo_db, feed)
    window = switcher.open("admin")
    qtbot.addWidget(window)
    directory.update_user(demo_db, demo_upn("alice.wu"), enabled=False)
    requests_before = AccessRequest.select().count()
    requests.create_request(User.get(User.upn == demo_upn("oliver.schmidt")), "Fabrikam CRM")
    assert switcher.trainer.reset()
    assert confirm_yes == ["Reset the demo directory?"]
    assert User.get(User.upn == demo_upn("alice.wu")).enabled
    assert AccessRequest.select().count() == requests_before
    assert switcher.window is not window  # rebuilt on the new directory
    qtbot.addWidget(switcher.window)
    assert feed.is_running()


def test_a_declined_reset_changes_nothing(qtbot, demo_db, monkeypatch):
    from desktop.ui.common import ConfirmDialog

    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, *a, **k: False))
    switcher = shell.WindowSwitcher(demo_db, None)
    qtbot.addWidget(switcher.open("admin"))
    directory.update_user(demo_db, demo_upn("alice.wu"), enabled=False)
    assert not switcher.trainer.reset()
    assert not User.get(User.upn == demo_upn("alice.wu")).enabled


def test_a_scenario_from_the_menu_says_what_it_did(qtbot, demo_db, confirm_yes, results):
    switcher = shell.WindowSwitcher(demo_db, None)
    qtbot.addWidget(switcher.open("admin"))
    view = switcher.trainer.run_scenario("license-expired")
    assert view is not None
    assert User.get(User.upn == demo_upn("fatima.benali")).license == "none"
    assert results[0][0] == "A license that ran out"
    assert "ran out" in results[0][1]
    assert confirm_yes == ["Set up “A license that ran out”?"]


def test_view_as_shows_a_request_travel_live(qtbot, demo_db, feed):
    window = ViewAsWindow(feed)
    qtbot.addWidget(window)
    window.show()
    window.journey()  # the box starts on Oliver Schmidt, who may request Fabrikam CRM
    panes = window.panes()
    assert [(p.user.upn, p.kind) for p in panes] == [
        (demo_upn("oliver.schmidt"), "myapps"), (demo_upn("alice.wu"), "approvals"),
        (demo_upn("yuki.tanaka"), "approvals")]
    alice = panes[1].person_window
    before = alice.pending_count
    oliver = User.get(User.upn == demo_upn("oliver.schmidt"))
    created = requests.create_request(oliver, "Fabrikam CRM", "Shadowing key accounts")
    qtbot.waitUntil(lambda: alice.pending_count == before + 1, timeout=5000)
    yuki = panes[2].person_window
    qtbot.waitUntil(lambda: yuki.pending_count >= 1, timeout=5000)
    requests.approve(User.get(User.upn == demo_upn("alice.wu")), created["id"])
    qtbot.waitUntil(lambda: alice.pending_count == before, timeout=5000)


def test_request_journey_opens_the_chosen_person_with_room_to_work(qtbot, demo_db):
    window = ViewAsWindow()
    qtbot.addWidget(window)
    window.resize(1500, 860)
    window.show()
    window.person_box.setCurrentIndex(window.person_box.findData(demo_upn("sofia.rossi")))
    window.journey_button.click()
    panes = window.panes()
    # Sofia's pending request is for Proseware Design, which Chloé and Kofi approve.
    assert [(p.user.upn, p.kind) for p in panes] == [
        (demo_upn("sofia.rossi"), "myapps"), (demo_upn("chloe.dubois"), "approvals"),
        (demo_upn("kofi.mensah"), "approvals")]
    assert "Proseware Design" in window.note.text()
    # Her My Apps on the left, the approvers stacked on the right: each half the width.
    qtbot.waitUntil(lambda: all(p.width() > window.width() * 0.45 for p in panes))
    assert panes[1].x() == panes[2].x()
    assert panes[2].y() > panes[1].y()
    # A person nobody approves for still gets his own window, and is told why it is alone.
    window.person_box.setCurrentIndex(window.person_box.findData(demo_upn("aisha.khan")))
    window.journey_button.click()
    assert [p.user.upn for p in window.panes()][0] == demo_upn("aisha.khan")


def test_view_as_refuses_a_window_the_person_may_not_open(qtbot, demo_db):
    window = ViewAsWindow()
    qtbot.addWidget(window)
    assert window.add_pane(demo_upn("liam.oconnor"), "approvals") is None
    assert "not an approver" in window.error.text()
    pane = window.add_pane(demo_upn("liam.oconnor"), "myapps")
    assert pane is not None
    window.remove_pane(pane)
    assert window.panes() == []
    assert window.empty.isVisibleTo(window)


def test_the_handout_renders_every_window_with_an_index(qtbot, demo_db, tmp_path):
    result = handout.render_handout(tmp_path / "handout", (1024, 700))
    index = Path(result["index"]).read_text(encoding="utf-8")
    pictures = sorted(p.name for p in (tmp_path / "handout").glob("*.png"))
    assert result["images"] == len(pictures) >= 15
    for name in pictures:
        assert f'src="{name}"' in index
        assert not QImage(str(tmp_path / "handout" / name)).isNull()
    for expected in ("administrator-admin-enterprise-applications.png",
                     "approver-approvals-pending.png", "user-myapps-my-requests.png",
                     "unlicensed-myapps-request-new-apps.png", "start-welcome.png",
                     "start-signin.png", "trainer-view-as.png"):
        assert expected in pictures
    assert "Figure 1." in index
    assert "@media print" in index


def test_screenshot_all_on_the_command_line(qtbot, demo_db, tmp_path, capsys):
    assert main(["--db", "demo", "screenshot", "--all", "--out", str(tmp_path / "h"),
                 "--json"]) == 0
    assert (tmp_path / "h" / "index.html").exists()
    assert main(["--db", "demo", "screenshot", "admin", "--all", "--out", str(tmp_path)]) == 2
    assert "--all" in capsys.readouterr().err
