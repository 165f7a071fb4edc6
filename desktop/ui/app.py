"""The application shell: sign-in, the first window, switching windows, and the live feed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtWidgets import QMainWindow, QWidget

from desktop.api.backend import as_backend
from desktop.errors import Refused, UsageError
from desktop.ui.editor import unsaved_pages
from desktop.ui.settings import settings
from desktop.ui.style import styled_application
from desktop.ui.windows import (
    TITLES,
    WINDOWS,
    add_window_menu,
    allowed_kinds,
    build_window,
    default_kind,
    module_available,
)


def shell_window(kind: str, actor: Any, feed: Any, switch: Callable[[str], None],
                 switcher: Any = None) -> QWidget:
    """The window `gui` shows for `kind`, as the tray opens it too: built for this person at
    its remembered size, with the Window menu (`switch` opens another window), the Trainer
    menu on a demo database when a `switcher` runs the windows, and Help last."""
    # His rights now (they may have changed since the last window): read once, here; the
    # window, its pages and its Window menu use what was read.
    as_backend(actor).desk(fresh=True)
    window = build_window(kind, actor, feed)
    geometry = settings().value(f"geometry/{kind}")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    if isinstance(window, QMainWindow):
        add_window_menu(window, actor, kind, switch)
        if switcher is not None and as_backend(actor).desk().get("demo"):
            # Demo databases only: elsewhere the Trainer's modules are not even imported.
            from desktop.ui.trainer import add_trainer_menu

            add_trainer_menu(window, switcher)
        from desktop.ui.help import add_help_menu

        add_help_menu(window)
    return window


class WindowSwitcher:
    """Holds the open window, remembers each window's geometry, and switches between them."""

    def __init__(self, actor: Any, feed: Any, backend: Any = None) -> None:
        self.actor = actor  # the person's row (the trainer's services take it), or a backend
        # One backend for every window it opens (the person read once per window).
        self.backend = backend if backend is not None else as_backend(actor)
        self.feed = feed
        self.kind: str | None = None
        self.window: QWidget | None = None
        self.trainer: Any = None  # the Trainer menu's state, on demo databases
        if feed is not None:
            feed.directory_rebuilt.connect(self.on_feed_directory_rebuilt)

    def open(self, kind: str) -> QWidget:
        window = shell_window(kind, self.backend, self.feed, self.switch, self)
        old = self.window
        self.window, self.kind = window, kind
        window.show()
        if old is not None:
            self.save_geometry(old)
            old.close()
            old.deleteLater()
        return window

    def on_feed_directory_rebuilt(self) -> None:
        """The demo was reset (here or in another process): the same person and window again,
        built on the rebuilt directory, so nothing on screen is left from the old one."""
        if self.window is None:
            return
        if getattr(self.actor, "remote", False):
            # On a server the person keeps his session: the same window, re-read.
            self.open(self.kind or default_kind(self.backend))
            return
        from desktop.services import lookup

        fresh = lookup.user_or_none(self.actor.upn)
        if fresh is None or not fresh.enabled:
            return  # not in the rebuilt directory: the windows re-read and say so on use
        self.actor, self.backend = fresh, as_backend(fresh)
        kind = self.kind if self.kind and allowed_kinds(self.backend)[self.kind] is None \
            else default_kind(self.backend)
        self.open(kind)
        view_as = getattr(self.trainer, "view_as", None)
        if view_as is not None:
            view_as.reload()

    def switch(self, kind: str) -> None:
        if kind == self.kind or allowed_kinds(self.backend)[kind] is not None:
            return
        if self.window is not None:
            self.save_geometry(self.window)
            unsaved = unsaved_pages(self.window)
            if unsaved:
                from desktop.ui.common import ConfirmDialog

                if not ConfirmDialog.ask(self.window, "Leave without saving?",
                                         "The settings being edited are not saved.",
                                         "Leave without saving", danger=True):
                    return
                for page in unsaved:  # closing the window must not ask again
                    page.discard()
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


def _start_feed(actor: Any) -> Any:
    if not module_available("desktop.live"):
        return None
    try:
        from desktop.api.backend import as_backend
        from desktop.ui.tabbed import make_feed

        feed = make_feed(as_backend(actor))
        feed.start()
        return feed
    except Exception:  # noqa: BLE001 - live updates are a comfort, never a reason not to start
        import logging

        logging.getLogger(__name__).exception("the live feed did not start")
        return None


def run_gui(db_url_display: str, kind: str | None, actor: Any | None) -> int:
    """Open the GUI on the database already opened by the caller, or on the server `actor`
    (a remote backend, signed in) talks to; returns the event loop's result (0 when the
    windows closed normally, or when sign-in was cancelled).

    Shows the sign-in window unless `actor` (a person, or a backend signed in as him) is
    given, then `kind` ("admin", "myapps", "approvals") or the window this person's rights
    suggest. Raises UsageError for an unknown `kind`, Refused (naming the right) when it is
    not allowed for him: the caller decides what to show and which exit code that is.
    """
    if kind is not None and kind not in TITLES:
        raise UsageError(f"unknown window {kind!r}; one of {', '.join(TITLES)}")
    app = styled_application()
    from desktop.ui import gc_guard

    gc_guard.install(app)
    from desktop.ui.splash import close_splash, install_startup_probe

    install_startup_probe(app)
    if not getattr(actor, "remote", False):
        settings().setValue("database/last", db_url_display)
    # The splash (if `gui` showed one) goes once the next window's event loop runs.
    QTimer.singleShot(0, close_splash)

    if actor is None:
        from desktop.ui.signin import SignInDialog

        actor = SignInDialog.ask(None, db_url_display)
        if actor is None:
            return 0
    backend = as_backend(actor)
    if kind is not None:
        why = allowed_kinds(backend)[kind]
        if why is not None:
            raise Refused("rights table", why)
    feed = _start_feed(backend)
    switcher = WindowSwitcher(actor, feed, backend)
    switcher.open(kind or default_kind(backend))
    app.aboutToQuit.connect(lambda: switcher.save_geometry())
    from desktop.ui.sweeper import start_sweeping

    sweeper = start_sweeping(app, actor)  # rule 21: a single desk sweeps; a server's, not here
    if sweeper is not None:
        app.aboutToQuit.connect(sweeper.stop)
    return int(app.exec())
