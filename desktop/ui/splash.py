"""A splash painted before the database and the rules load, so starting feels immediate.

Imports Qt only (no models, no services): `access-desk gui` shows it first thing, then
opens the database; the sign-in, welcome or main window closes it.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QWidget

_splash: QLabel | None = None


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1] or ["access-desk"])
    assert isinstance(app, QApplication)
    return app


def _picture(ratio: float) -> QPixmap:
    width, height = 360, 120
    pixmap = QPixmap(int(width * ratio), int(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor("#f4f6f8"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#d5dde2"))
    painter.drawRect(QRectF(0.5, 0.5, width - 1, height - 1))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#1565c0"))
    painter.drawRoundedRect(QRectF(24, 32, 56, 56), 12, 12)
    painter.setPen(QColor("#ffffff"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(26)
    painter.setFont(font)
    painter.drawText(QRectF(24, 32, 56, 56), Qt.AlignmentFlag.AlignCenter, "AD")
    painter.setPen(QColor("#1b2a33"))
    font.setPixelSize(22)
    painter.setFont(font)
    painter.drawText(QRectF(96, 34, 250, 30), Qt.AlignmentFlag.AlignVCenter, "Access Desk")
    painter.setPen(QColor("#607d8b"))
    font.setBold(False)
    font.setPixelSize(13)
    painter.setFont(font)
    painter.drawText(QRectF(96, 64, 250, 22), Qt.AlignmentFlag.AlignVCenter,
                     "Opening the directory…")
    painter.end()
    return pixmap


def show_splash() -> None:
    """Paint the splash now (before returning), unless one is up already."""
    global _splash
    if _splash is not None:
        return
    app = application()
    install_startup_probe(app)
    # A plain label with the splash-screen window flag: QSplashScreen.show() waits up to a
    # second for the window manager's expose event, which would defeat the point.
    _splash = QLabel()
    _splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    _splash.setPixmap(_picture(app.devicePixelRatio()))
    _splash.setAccessibleName("Access Desk is starting")
    _splash.show()
    _splash.repaint()
    app.processEvents()


def close_splash() -> None:
    global _splash
    if _splash is not None:
        _splash.close()
        _splash.deleteLater()
        _splash = None


def install_startup_probe(app: QApplication) -> None:
    """bench/startup.py: with ACCESS_DESK_STARTUP_PROBE=FILE, write the wall-clock time of the
    first paint of a top-level window to FILE and exit at once (the bundle is measured too).
    With ACCESS_DESK_STARTUP_PROBE_WINDOW=CLASS, wait for a window of that class instead."""
    found = os.environ.get("ACCESS_DESK_STARTUP_PROBE")
    if not found or app.findChild(QObject, "startup-probe") is not None:
        return
    target: str = found  # narrowed for the closure below
    wanted = os.environ.get("ACCESS_DESK_STARTUP_PROBE_WINDOW")

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.isWindow() \
                    and (not wanted or type(obj).__name__ == wanted):
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write(f"{time.time():.6f} {type(obj).__name__}\n")
                os._exit(0)
            return False

    probe = FirstPaint(app)
    probe.setObjectName("startup-probe")
    app.installEventFilter(probe)
