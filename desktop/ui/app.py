"""The application shell: style, sign-in, the window a person may use, and switching windows."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QWidget

from desktop.models import User
from desktop.resources import icon, is_dark_palette, set_theme, stylesheet

SETTINGS = ("access-desk", "access-desk")
WINDOWS = [  # kind, menu text, module, shortcut
    ("admin", "&Admin console", "desktop.ui.admin", "Ctrl+Shift+A"),
    ("myapps", "&My Apps", "desktop.ui.myapps", "Ctrl+Shift+M"),
    ("approvals", "A&pprovals", "desktop.ui.approvals", "Ctrl+Shift+P"),
]
TITLES = {"admin": "the Admin console", "myapps": "My Apps", "approvals": "Approvals"}


def settings() -> QSettings:
    return QSettings(*SETTINGS)


def last_database() -> str | None:
    """The database the GUI last opened (the CLI may offer it when none is given)."""
    value = settings().value("database/last")
    return str(value) if value else None


def apply_style(app: QApplication) -> None:
    """Fusion plus Access Desk's stylesheet: the light one, or the dark one on a dark desktop."""
    app.setStyle("Fusion")
    dark = is_dark_palette(app)
    set_theme(dark)
    app.setStyleSheet(stylesheet(dark))
    app.setWindowIcon(icon("access-desk"))


def styled_application() -> QApplication:
    """The QApplication (the splash's, when `gui` showed one), named and styled for the
    windows: the welcome window and run_gui both start from here."""
    from desktop.ui.splash import application

    app = application()
    app.setApplicationName("Access Desk")
    app.setOrganizationName("access-desk")
    app.setApplicationDisplayName("Access Desk")
    apply_style(app)
    return app


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def allowed_kinds(actor: User) -> dict[str, str | None]:
    """kind -> None when this person may open it, else why not (the rights table)."""
    from desktop.services import rights

    result: dict[str, str | None] = {}
    for kind, _text, module, _keys in WINDOWS:
        if not _available(module):
            result[kind] = f"{TITLES[kind]} is not part of this build yet"
        elif kind == "admin" and not rights.is_admin(actor):
            result[kind] = (f"only a {rights.ADMINISTRATORS} may open the Admin console "
                            "(rights table)")
        elif kind == "approvals" and not rights.is_approver_anywhere(actor):
            result[kind] = f"{actor.upn} is not an approver of any application"
        else:
            result[kind] = None
    return result


def default_kind(actor: User) -> str:
    """Administrators get the Admin console, approvers Approvals, everyone My Apps."""
    allowed = allowed_kinds(actor)
    for kind in ("admin", "approvals", "myapps"):
        if allowed.get(kind) is None:
            return kind
    return "myapps"


def add_window_menu(window: QMainWindow, actor: User, current: str,
                    switch: Callable[[str], None]) -> QMenu:
    """The Window menu: the windows this person may use; the others disabled with why."""
    menu = getattr(window, "window_menu", None)
    if not isinstance(menu, QMenu):
        menu = window.menuBar().addMenu("&Window")
    menu.clear()
    group = QActionGroup(menu)
    for kind, text, _module, keys in WINDOWS:
        action = QAction(text, menu)
        action.setCheckable(True)
        action.setChecked(kind == current)
        action.setShortcut(QKeySequence(keys))
        why = allowed_kinds(actor)[kind]
        action.setEnabled(why is None)
        action.setStatusTip(why or f"Open {TITLES[kind]}")
        action.setToolTip(why or f"Open {TITLES[kind]}")
        action.triggered.connect(lambda _checked=False, k=kind: switch(k))
        group.addAction(action)
        menu.addAction(action)
    menu.setToolTipsVisible(True)
    return menu


class WindowSwitcher:
    """Holds the open window, remembers each window's geometry, and switches between them."""

    def __init__(self, actor: User, feed: Any) -> None:
        self.actor = actor
        self.feed = feed
        self.kind: str | None = None
        self.window: QWidget | None = None
        self.trainer: Any = None  # the Trainer menu's state, on demo databases

    def open(self, kind: str) -> QWidget:
        from desktop.ui.screenshot import build_window

        window = build_window(kind, self.actor, self.feed)
        geometry = settings().value(f"geometry/{kind}")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        if isinstance(window, QMainWindow):
            add_window_menu(window, self.actor, kind, self.switch)
            from desktop.ui.trainer import add_trainer_menu

            add_trainer_menu(window, self)  # demo databases only
        old = self.window
        self.window, self.kind = window, kind
        window.show()
        if old is not None:
            self.save_geometry(old)
            old.close()
            old.deleteLater()
        return window

    def switch(self, kind: str) -> None:
        if kind == self.kind or allowed_kinds(self.actor)[kind] is not None:
            return
        if self.window is not None:
            self.save_geometry(self.window)
            dirty = getattr(self.window, "applications", None)
            if dirty is not None and dirty.is_dirty():
                from desktop.ui.common import ConfirmDialog

                if not ConfirmDialog.ask(self.window, "Leave without saving?",
                                         "The settings being edited are not saved.",
                                         "Leave without saving", danger=True):
                    return
                dirty.selfservice.discard()
                dirty.properties.discard()
        self.open(kind)

    def save_geometry(self, window: QWidget | None = None) -> None:
        window = window or self.window
        if window is None:
            return
        kind = self.kind if window is self.window else None
        for k, _t, _m, _s in WINDOWS:
            if kind is None and type(window).__module__.startswith(f"desktop.ui.{k}"):
                kind = k
        if kind:
            settings().setValue(f"geometry/{kind}", window.saveGeometry())


def _start_feed() -> Any:
    if not _available("desktop.live"):
        return None
    try:
        from desktop.live import LiveFeed

        feed = LiveFeed()
        feed.start()
        return feed
    except Exception:  # noqa: BLE001 - live updates are a comfort, never a reason not to start
        import logging

        logging.getLogger(__name__).exception("the live feed did not start")
        return None


def run_gui(db_url_display: str, kind: str | None, actor: User | None) -> int:
    """Open the GUI on the database already opened by the caller; returns the exit code.

    Shows the sign-in window unless `actor` is given, then `kind` ("admin", "myapps",
    "approvals") or the window this person's rights suggest. Exit 3 when `kind` is not
    allowed for him (the message names the right), 0 when sign-in is cancelled.
    """
    app = styled_application()
    from desktop.ui import gc_guard

    gc_guard.install(app)
    from desktop.ui.splash import close_splash, install_startup_probe

    install_startup_probe(app)
    settings().setValue("database/last", db_url_display)
    # The splash (if `gui` showed one) goes once the next window's event loop runs.
    QTimer.singleShot(0, close_splash)

    if actor is None:
        from desktop.ui.signin import SignInDialog

        actor = SignInDialog.ask(None, db_url_display)
        if actor is None:
            return 0
    if kind is not None:
        if kind not in TITLES:
            print(f"access-desk: unknown window {kind!r}; one of {', '.join(TITLES)}",
                  file=sys.stderr)
            return 2
        why = allowed_kinds(actor)[kind]
        if why is not None:
            print(f"access-desk: refused: {why}", file=sys.stderr)
            return 3
    feed = _start_feed()
    switcher = WindowSwitcher(actor, feed)
    switcher.open(kind or default_kind(actor))
    app.aboutToQuit.connect(lambda: switcher.save_geometry())
    code = app.exec()
    return int(code)
