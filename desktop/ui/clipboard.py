"""Secrets on the clipboard for 30 seconds, in a window or from a terminal (`password copy`)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import TextIO

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

from desktop.errors import AccessDeskError

CLEAR_AFTER_S = 30
# Clipboard managers (KDE's Klipper and others) skip entries carrying this hint.
PASSWORD_HINT = "x-kde-passwordManagerHint"


class NoDisplay(AccessDeskError):
    """The terminal has no desktop session whose clipboard could hold the secret."""

    exit_code = 3


class SecretClipboard(QObject):
    """Puts a secret on the clipboard and clears it after a while, if it is still ours.

    Signals:
        copied(int): a secret was placed; the argument is the seconds until it is cleared.
        cleared(): the secret was removed (timeout, clear_now(), or someone copied over it).
    """

    copied = Signal(int)
    cleared = Signal()

    def __init__(self, parent: QObject | None = None, clear_after_s: float = CLEAR_AFTER_S) -> None:
        super().__init__(parent)
        self.clear_after_s = clear_after_s
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._holding = False
        self._text = ""

    @staticmethod
    def _clipboard() -> QClipboard:
        return QGuiApplication.clipboard()

    @property
    def holding(self) -> bool:
        """True while a secret this object placed is on the clipboard."""
        return self._holding and self._still_ours()

    def remaining_ms(self) -> int:
        return self._timer.remainingTime() if self._timer.isActive() else 0

    def copy(self, secret: str) -> None:
        mime = QMimeData()
        mime.setText(secret)
        mime.setData(PASSWORD_HINT, b"secret")
        self._clipboard().setMimeData(mime, QClipboard.Mode.Clipboard)
        self._text = secret
        self._holding = True
        self._timer.start(int(self.clear_after_s * 1000))
        self.copied.emit(int(round(self.clear_after_s)))

    def clear_now(self) -> None:
        """Remove the secret at once (window closing, Ctrl+C in a terminal)."""
        self._timer.stop()
        if self._holding and self._still_ours():
            self._clipboard().clear(QClipboard.Mode.Clipboard)
        was = self._holding
        self._holding = False
        self._text = ""
        if was:
            self.cleared.emit()

    def on_timer_timeout(self) -> None:
        self.clear_now()

    def _still_ours(self) -> bool:
        # Whatever the user copied since is not ours to clear.
        return self._clipboard().text(QClipboard.Mode.Clipboard) == self._text


def has_display() -> bool:
    """A desktop session whose clipboard outlives nothing but this process's wait."""
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def copy_from_terminal(read: Callable[[], str], app: str, what: str = "password",
                       seconds: float = CLEAR_AFTER_S, out: TextIO | None = None) -> None:
    """`access-desk password copy APP`: the acting user's own user name or password, as
    `read()` gives it (the use case, in process or through a server), on the clipboard for
    `seconds`, then cleared. Blocks meanwhile (the clipboard belongs to the process that set
    it). Raises NoDisplay (exit 3) without a desktop session before anything is read, and
    read's errors (NotFound, DataKeyMissing, ...) before anything is copied.
    """
    if what not in ("username", "password"):
        raise AccessDeskError(f"copy the username or the password, not {what!r}")
    if not has_display():
        raise NoDisplay(
            "copying to the clipboard needs a desktop session (DISPLAY or WAYLAND_DISPLAY, and "
            "not QT_QPA_PLATFORM=offscreen); run it from a terminal of your desktop"
        )
    out = out or sys.stderr
    app_instance = QGuiApplication.instance() or QGuiApplication([sys.argv[0] if sys.argv else
                                                                   "access-desk"])
    secret = read()
    holder = SecretClipboard(clear_after_s=seconds)
    holder.copy(secret)
    del secret
    holder.cleared.connect(app_instance.quit)
    label = "user name" if what == "username" else "password"
    print(f"Your {label} for {app} is on the clipboard; it is cleared in {int(seconds)} seconds "
          "(Ctrl+C clears it now).", file=out, flush=True)

    def stop(_signum: int, _frame: object) -> None:
        holder.clear_now()
        app_instance.quit()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(200)
    try:
        app_instance.exec()
    finally:
        ticker.stop()
        holder.clear_now()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("The clipboard was cleared.", file=out, flush=True)
