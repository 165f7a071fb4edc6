"""The Trainer menu's classroom server: started from the menu, its address and fingerprint
shown, a demo reset reaching connected desktops, stopped."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop.demo.scenarios import demo_upn
from desktop.ui import app as shell
from desktop.ui.classroom import ClassroomDialog, grouped_fingerprint, port_taken


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def trainer_actions(window) -> dict[str, object]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Trainer")
    return {a.text().replace("&", "").rstrip("…"): a for a in menu.actions() if a.text()}


def read_topics_until(lines, topic: str) -> list[str]:
    """The topics of the server's change notices, up to the first about `topic`."""
    seen: list[str] = []
    for line in lines:
        if line.startswith("data: ") and '"topic"' in line:
            seen.append(json.loads(line[6:])["topic"])
            if seen[-1] == topic:
                break
    return seen


def test_the_classroom_server_starts_from_the_menu_shows_its_fingerprint_and_stops(
        qtbot, demo_db, confirm_yes):
    switcher = shell.WindowSwitcher(demo_db, None)
    window = switcher.open("admin")  # closed at the end: a reset replaces it
    trainer_actions(window)["Start classroom server"].trigger()
    dialog = switcher.trainer.classroom_dialog
    assert isinstance(dialog, ClassroomDialog)
    qtbot.addWidget(dialog)
    server = switcher.trainer.classroom
    try:
        port = free_port()
        dialog.port.setValue(port)
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=15000)
        base = f"https://127.0.0.1:{port}/api/v1"
        version = httpx.get(f"{base}/version", verify=False).json()
        assert version["demo"]
        assert dialog.shown_fingerprint() == version["fingerprint"]
        assert dialog.fingerprint.text() == grouped_fingerprint(version["fingerprint"])
        assert dialog.fingerprint.text().count("\n") == 3  # four lines to copy onto a board
        assert "--server https://" in dialog.commands.text()
        assert "Show classroom address" in trainer_actions(window)
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
        copied = QGuiApplication.clipboard().text()
        assert f"fingerprint: {version['fingerprint']}" in copied
        assert dialog.commands.text() in copied

        # A reset in the trainer's process reaches the server's live notices.
        token = httpx.post(f"{base}/sessions", json={"upn": demo_upn("oliver.schmidt")},
                           verify=False).json()["token"]
        with httpx.stream("GET", f"{base}/events", verify=False, timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as stream:
            lines = stream.iter_lines()
            assert next(lines) == "event: hello"
            assert switcher.trainer.reset()
            assert read_topics_until(lines, "reset")[-1:] == ["reset"]
        rebuilt = switcher.window  # the reset rebuilt the window: its menu knows the server
        assert rebuilt is not window

        with qtbot.waitSignal(server.state_changed, timeout=10000,
                              check_params_cb=lambda state: state == "stopped"):
            trainer_actions(rebuilt)["Stop classroom server"].trigger()
        assert server.exit_code == 0
        assert not port_taken(port)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/version", verify=False)
        assert dialog.pages.currentIndex() == 0
        assert "Start classroom server" in trainer_actions(rebuilt)
    finally:
        server.stop_now()
        switcher.window.close()


def test_a_taken_port_is_said_plainly_with_another_offered(qtbot, demo_db):
    switcher = shell.WindowSwitcher(demo_db, None)
    qtbot.addWidget(switcher.open("admin"))
    dialog = switcher.trainer.open_classroom()
    qtbot.addWidget(dialog)
    server = switcher.trainer.classroom
    with socket.socket() as other:
        other.bind(("0.0.0.0", 0))
        other.listen()
        taken = other.getsockname()[1]
        dialog.port.setValue(taken)
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert server.state == "stopped"  # refused before starting anything
        assert dialog.message.text().startswith(f"Port {taken} is taken by another program")
        assert dialog.port.value() != taken
        assert f"Port {dialog.port.value()} is free" in dialog.message.text()
        # Taken between the check and the start: the server's own last line says so.
        try:
            with qtbot.waitSignal(server.failed, timeout=15000) as failed:
                server.start(taken)
        finally:
            server.stop_now()
    assert failed.args[0] == (f"The classroom server stopped: port {taken} is taken by "
                              "another program on this machine.")
    assert server.exit_code != 0
    assert dialog.isVisible()
    assert dialog.pages.currentIndex() == 0
    assert dialog.message.text().startswith(failed.args[0])
