"""The welcome window's fourth way in: an Access Desk server (team mode). Check it, compare and
trust its certificate, sign in; the next `access-desk gui` starts on it again, or says why
not on the same page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.models import User
from desktop.remote import trust
from desktop.ui import app as shell
from desktop.ui.settings import last_database, settings
from desktop.ui.welcome import WelcomeWindow, last_server

pytest.importorskip("fastapi", reason="the [server] extra is part of [test]")

from tests.server.conftest import LiveServer, free_port  # noqa: E402

ALICE = "alice.wu@contoso.example"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def live(demo_db: User) -> Iterator[LiveServer]:
    """A plain http://127.0.0.1 server (no certificate step) over the test's demo database."""
    server = LiveServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def welcome(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[WelcomeWindow]:
    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "home"))  # as demo_db sets it
    window = WelcomeWindow()
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    window.server_card.click()
    yield window
    if window.backend is not None:
        window.backend.close()


def check(qtbot: Any, welcome: WelcomeWindow, url: str) -> None:
    welcome.server_url.setText(url)
    welcome.on_server_url_edited(url)
    welcome.check_button.click()
    qtbot.waitUntil(lambda: not welcome._server_busy and welcome.check_button.isEnabled())


def sign_in(qtbot: Any, welcome: WelcomeWindow, upn: str, password: str = "") -> None:
    # The check's result shows the sign-in box a moment before its worker finishes and the
    # button is enabled again: click what a person could click.
    qtbot.waitUntil(welcome.sign_in_button.isEnabled)
    welcome.server_upn.setText(upn)
    welcome.server_password.setText(password)
    welcome.sign_in_button.click()
    qtbot.waitUntil(lambda: not welcome._server_busy)


def test_an_unreachable_server_says_so_and_changes_nothing(qtbot, welcome, tmp_path):
    assert welcome.pages.currentIndex() == WelcomeWindow.PAGES.index("server")
    assert welcome.focusWidget() is welcome.server_url
    # plain http:// only for this machine: said at once, nothing sent
    check(qtbot, welcome, "http://accessdesk.example.com:8080")
    assert "only for this machine" in welcome.server_error.text()
    check(qtbot, welcome, f"http://127.0.0.1:{free_port()}")
    assert "Cannot reach an Access Desk server" in welcome.server_error.text()
    assert welcome.server_error.isVisible()
    assert not welcome.sign_in_box.isVisible()
    assert not welcome.sign_in_button.isEnabled()
    assert welcome.result() != WelcomeWindow.DialogCode.Accepted
    assert last_server() is None
    assert not list(Path(tmp_path).rglob("tokens.json"))
    assert not list(Path(tmp_path).rglob("known_servers.json"))


def test_a_demo_server_signs_in_without_a_password_and_is_started_on_next_time(
        qtbot, welcome, live, monkeypatch):
    from desktop.cli import main

    check(qtbot, welcome, live.url)
    assert "demo directory" in welcome.server_status.text.text()
    assert not welcome.server_password.isVisible()  # a demo server asks for no password
    assert welcome.focusWidget() is welcome.server_upn
    sign_in(qtbot, welcome, ALICE)
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted, welcome.server_error.text()
    backend = welcome.backend
    assert backend is not None
    assert backend.remote
    assert backend.desk()["upn"] == ALICE
    kept = trust.token(live.url)
    assert kept == (ALICE, backend.token)  # kept, as `login` keeps it
    assert last_server() == (live.url, ALICE)
    assert last_database() is None  # no database chosen

    # The next `access-desk gui` starts on the server with the kept token, without asking.
    monkeypatch.delenv("ACCESS_DESK_DB", raising=False)
    monkeypatch.delenv("ACCESS_DESK_SERVER", raising=False)
    monkeypatch.setattr(WelcomeWindow, "ask", classmethod(
        lambda cls, *a, **k: pytest.fail("no welcome: the server is remembered")))
    started: list[Any] = []
    monkeypatch.setattr(shell, "run_gui",
                        lambda where, kind, actor: started.append((where, actor)) or 0)
    assert main(["gui"]) == 0
    [(where, actor)] = started
    assert where == live.url
    assert actor.remote
    assert actor.desk()["upn"] == ALICE
    assert actor.token == backend.token


def test_an_ended_session_opens_the_server_page_saying_so(qtbot, welcome, live, monkeypatch):
    from desktop.cli import main
    from desktop.services import sessions

    check(qtbot, welcome, live.url)
    sign_in(qtbot, welcome, ALICE)
    assert welcome.backend is not None
    sessions.sign_out(str(welcome.backend.token))  # e.g. signed out on another device
    monkeypatch.delenv("ACCESS_DESK_DB", raising=False)
    monkeypatch.delenv("ACCESS_DESK_SERVER", raising=False)
    asked: list[dict[str, Any]] = []
    monkeypatch.setattr(WelcomeWindow, "ask", classmethod(
        lambda cls, parent=None, **kwargs: asked.append(kwargs)))
    monkeypatch.setattr(shell, "run_gui", lambda *a: pytest.fail("no window after a Quit"))
    assert main(["gui"]) == 0
    [kwargs] = asked
    assert kwargs["server"] == (live.url, ALICE)
    assert "session has ended" in kwargs["problem"]
    assert trust.token(live.url) is None  # forgotten: the next one is signed in afresh

    # The welcome window opens on the server page, the address filled in and checked.
    again = WelcomeWindow()
    qtbot.addWidget(again)
    again.open_server(*kwargs["server"])
    again.show_problem(kwargs["problem"], server=True)
    with qtbot.waitExposed(again):
        again.show()
    assert again.pages.currentIndex() == WelcomeWindow.PAGES.index("server")
    assert again.server_url.text() == live.url
    assert "cannot be used" in again.subtitle.text()
    qtbot.waitUntil(lambda: again.sign_in_box.isVisible() and again.sign_in_button.isEnabled())
    assert again.server_upn.text() == ALICE
    again.sign_in_button.click()  # Enter would do the same
    qtbot.waitUntil(lambda: again.result() == WelcomeWindow.DialogCode.Accepted)
    assert again.backend is not None
    again.backend.close()


def test_gui_runs_the_windows_on_the_server_the_welcome_signed_in_to(live, monkeypatch):
    """`access-desk gui` the first time: the welcome window's server is where the windows
    run, as with --server URL, and no database is opened."""
    from desktop.cli import main
    from desktop.ui.welcome import sign_in_server

    monkeypatch.delenv("ACCESS_DESK_DB", raising=False)
    monkeypatch.delenv("ACCESS_DESK_SERVER", raising=False)
    chosen = sign_in_server(live.url, ALICE, None)
    monkeypatch.setattr(WelcomeWindow, "ask", classmethod(lambda cls, *a, **k: chosen))
    opened: list[str] = []
    monkeypatch.setattr("desktop.cli.commands.open_database", opened.append)
    started: list[Any] = []
    monkeypatch.setattr(shell, "run_gui",
                        lambda where, kind, actor: started.append((where, actor)) or 0)
    assert main(["gui"]) == 0
    assert started == [(live.url, chosen)]
    assert opened == []
    assert last_server() == (live.url, ALICE)
    assert last_database() is None


def test_a_refused_password_says_so(qtbot, welcome, live, demo_db):
    from desktop.services import auth
    from desktop.services.core import put_setting

    put_setting("demo", "0")  # a real directory: passwords are checked
    auth.set_password(demo_db, ALICE, PASSWORD)
    check(qtbot, welcome, live.url)
    assert welcome.server_password.isVisible()
    welcome.server_upn.setText(ALICE)
    welcome.sign_in_button.click()
    assert welcome.server_error.text() == "Type your password."
    sign_in(qtbot, welcome, ALICE, "not the password")
    assert "wrong password" in welcome.server_error.text()
    assert welcome.result() != WelcomeWindow.DialogCode.Accepted
    assert trust.token(live.url) is None
    assert welcome.server_password.text() == ""
    sign_in(qtbot, welcome, ALICE, PASSWORD)
    assert welcome.result() == WelcomeWindow.DialogCode.Accepted, welcome.server_error.text()


class TlsServer(LiveServer):
    """The live server over TLS with the certificate `serve --self-signed` makes."""

    def __init__(self) -> None:
        import uvicorn

        from desktop.server.app import create_app
        from desktop.server.serve import certificate_fingerprint, self_signed_pair

        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        cert, key = self_signed_pair("127.0.0.1")
        self.fingerprint = certificate_fingerprint(cert)
        config = uvicorn.Config(create_app(outbox_interval_s=0.2), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=1,
                                ssl_certfile=str(cert), ssl_keyfile=str(key))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)


def test_a_new_certificate_is_compared_then_trusted_and_a_different_one_refused(
        qtbot, welcome, demo_db):
    server = TlsServer()
    server.start()
    try:
        check(qtbot, welcome, server.url)
        # Nothing is trusted before he compared: the fingerprint to compare, no sign-in yet.
        assert welcome.trust_box.isVisible()
        shown = welcome.fingerprint.text().replace("\n", ":")
        assert shown == server.fingerprint
        assert "Compare it with the one your administrator gave you" in \
            " ".join(w.text() for w in welcome.trust_box.findChildren(type(welcome.fingerprint)))
        assert not welcome.sign_in_box.isVisible()
        assert not welcome.sign_in_button.isEnabled()
        assert trust.pinned(server.url) is None
        welcome.trust_check.click()
        assert trust.pinned(server.url) == server.fingerprint
        qtbot.waitUntil(lambda: welcome.sign_in_box.isVisible())
        assert not welcome.trust_box.isVisible()
        assert "trusted on this computer" in welcome.server_status.text.text()
        sign_in(qtbot, welcome, ALICE)
        assert welcome.result() == WelcomeWindow.DialogCode.Accepted, \
            welcome.server_error.text()
        assert trust.token(server.url) is not None

        # Another certificate under the same address is refused before anything is sent.
        trust.pin(server.url, "AB:" * 31 + "AB")
        other = WelcomeWindow()
        qtbot.addWidget(other)
        other.show_page("server")
        with qtbot.waitExposed(other):
            other.show()
        check(qtbot, other, server.url)
        assert "not the one trusted" in other.server_error.text()
        assert not other.sign_in_box.isVisible()
    finally:
        server.stop()


def test_choosing_a_database_after_a_server_opens_the_database_next_time(qtbot, welcome):
    from desktop.ui.welcome import remember, remember_server

    remember_server("https://accessdesk.example.com:8443", ALICE)
    assert last_server() == ("https://accessdesk.example.com:8443", ALICE)
    remember("/tmp/somewhere.db", "new")
    assert last_server() is None
    assert settings().value("server/upn") == ALICE  # offered on the server page again
    assert last_database() == "/tmp/somewhere.db"
