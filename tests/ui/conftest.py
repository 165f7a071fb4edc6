"""UI fixtures: the demo directory on a throw-away demo.db, and settings kept out of $HOME."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee as pw
import pytest
from PySide6.QtCore import QSettings

from desktop import paths
from desktop.models import User
from desktop.models.schema import close_database, open_database


@pytest.fixture(autouse=True)
def _private_qsettings(tmp_path: Path) -> None:
    """Window geometry and the last database go to a temporary folder, not the user's."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture
def db(sqlite_db: pw.Database) -> pw.Database:
    """The windows' tests that build their own directory (`make`) run on one SQLite file, as
    live updates between connections need; tests/ui/test_reconnect.py is PostgreSQL's."""
    return sqlite_db


@pytest.fixture
def demo_db(_demo_sqlite_template: Path, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[User]:
    """ACCESS_DESK_HOME in tmp, a copy of the session's demo (tests/conftest.py) in its demo.db;
    yields the first admin."""
    from desktop.demo.build import first_admin

    monkeypatch.setenv("ACCESS_DESK_HOME", str(tmp_path / "home"))
    target = paths.demo_db_path()
    shutil.copyfile(_demo_sqlite_template, target)
    open_database(str(target))
    try:
        admin = first_admin()
        assert admin is not None
        yield admin
    finally:
        close_database()


@pytest.fixture
def admin_window(qtbot: Any, demo_db: User) -> Any:
    """The Admin console of the demo's first Global Administrator, shown."""
    from desktop.ui.admin import AdminWindow

    window = AdminWindow(demo_db)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def person(demo_db: User):
    """person("alice.wu"): a demo person by the part of the UPN before the @."""

    def find(upn_local: str) -> User:
        return User.get(User.upn.startswith(f"{upn_local}@"))

    return find


@pytest.fixture(autouse=True)
def confirm_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every confirmation is answered Yes (a modal dialog would hang a test); the list records
    the titles asked, so a test can check that an action was confirmed."""
    from desktop.ui.common import ConfirmDialog

    asked: list[str] = []

    def ask(_cls, _parent, title, _text, _confirm, danger=False):
        asked.append(title)
        return True

    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(ask))
    return asked


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """A test's dead windows are collected here, on the GUI thread. Left to the cycle collector
    they may be destroyed later on whatever thread allocates (a test's SMTP server, a worker),
    where Qt warns "Timers cannot be stopped from another thread"."""
    yield
    gc.collect()


@pytest.fixture(autouse=True, scope="session")
def _no_automatic_collection() -> Iterator[None]:
    """As in the application (desktop/ui/gc_guard.py): collect only on the GUI thread."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture
def remote_as(demo_db: User) -> Iterator[Any]:
    """remote_as(user): a RemoteBackend signed in as that person to an Access Desk server
    (uvicorn in a thread, real HTTP on loopback) over the test's demo database. Windows built
    on it reach the database only through the server's API, as a team's desktops do."""
    pytest.importorskip("fastapi", reason="the [server] extra is part of [test]")
    from desktop.remote.client import RemoteBackend
    from desktop.services import sessions
    from tests.server.conftest import LiveServer

    live = LiveServer()
    live.start()
    made: list[Any] = []

    def connect(user: User) -> Any:
        token = str(sessions.open_session(user, client="test")["token"])
        backend = RemoteBackend(live.url, token)
        made.append(backend)
        return backend

    try:
        yield connect
    finally:
        for backend in made:
            backend.close()
        live.stop()
