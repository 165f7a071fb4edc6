"""The look of every process: the application's names, Fusion and Access Desk's stylesheet."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from desktop.resources import icon, is_dark_palette, set_theme, stylesheet


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
    name_application(app)
    apply_style(app)
    return app


def name_application(app: QApplication) -> None:
    """The names every process shows: Qt adds the display name to each window's title
    ("Approvals: Alice Wu — Access Desk"), so titles never repeat it."""
    app.setApplicationName("Access Desk")
    app.setOrganizationName("access-desk")
    app.setApplicationDisplayName("Access Desk")
