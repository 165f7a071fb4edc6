"""Render a window offscreen to a PNG, on the current database (training material, docs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def ensure_app() -> Any:
    """The QApplication, created offscreen when none runs yet, styled like run_gui's."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(["access-desk"])
        from desktop.ui.style import apply_style

        apply_style(app)
    return app


def grab(widget: Any, out: Path, size: tuple[int, int]) -> Path:
    """Show, lay out, process pending events, and save what the widget paints."""
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    widget.resize(*size)
    widget.show()
    for _ in range(5):
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QCoreApplication.sendPostedEvents()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
    return out


def screenshot(kind: str, actor: Any, out: Path, size: tuple[int, int] = (1280, 800)) -> Path:
    """Render the `kind` window ("admin", "myapps", "approvals"; "signin") as `actor` to a PNG."""
    ensure_app()
    from desktop.ui.windows import add_window_menu, build_window

    window = build_window(kind, actor)
    try:
        if kind != "signin":
            add_window_menu(window, actor, kind, lambda _kind: None)
        return grab(window, out, size)
    finally:
        window.close()
        window.deleteLater()
