"""The Help menu every window shares: the user guide and About (the version)."""

from __future__ import annotations

import platform

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.resources import icon, user_guide
from desktop.ui.common import button, label

HOMEPAGE = "https://github.com/accessdesk/access-desk"
GUIDE_ONLINE = f"{HOMEPAGE}/blob/main/docs/index.md"


def open_url(url: QUrl) -> bool:
    """The desktop's own viewer for a file or web address (tests replace it)."""
    return QDesktopServices.openUrl(url)


def tell(parent: QWidget | None, title: str, text: str) -> None:
    """A plain message with OK (tests replace it)."""
    QMessageBox.information(parent, title, text)


def open_user_guide(parent: QWidget | None) -> bool:
    """Open docs/index.md with the desktop's viewer; when there is none, or this copy was
    installed without the docs folder, say where the guide is. True when it opened."""
    path = user_guide()
    if path is None:
        tell(parent, "User guide",
             "The user guide was not installed with this copy of Access Desk. Read it in the "
             f"docs folder of Access Desk's source, online at {GUIDE_ONLINE}")
        return False
    if open_url(QUrl.fromLocalFile(str(path))):
        return True
    tell(parent, "User guide",
         f"Nothing on this desktop opens the user guide. It is the file {path} (Markdown: any "
         "text editor shows it), and online at " + GUIDE_ONLINE)
    return False


class AboutDialog(QDialog):
    """Access Desk's name, version and where to read more. Tests replace `show_about`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Access Desk")
        self.setAccessibleName("About Access Desk")
        self.setMinimumWidth(440)
        mark = QLabel()
        mark.setPixmap(icon("access-desk").pixmap(64, 64))
        mark.setAccessibleName("Access Desk")
        self.title = label("Access Desk", "heading")
        self.version = label(f"Version {__version__}", "question")
        text = label("Self-service application access on the desktop: administrators switch "
                     "it on per application, people request applications in My Apps, "
                     "approvers answer in Approvals, and everything is audited.", wrap=True)
        guide = user_guide()
        where = label(f"User guide: {guide}" if guide else f"User guide: {GUIDE_ONLINE}",
                      "hint", wrap=True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        runtime = label(f"Python {platform.python_version()}, Qt {_qt_version()}", "hint")
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.version)
        head = QHBoxLayout()
        head.setSpacing(14)
        head.addWidget(mark)
        head.addLayout(names, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.guide_button = button("User guide", "info", tip="Open the user guide (F1)")
        buttons.addButton(self.guide_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.guide_button.clicked.connect(lambda _=False: open_user_guide(self))
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(head)
        layout.addWidget(text)
        layout.addWidget(where)
        layout.addWidget(runtime)
        layout.addWidget(buttons)

    @classmethod
    def show_about(cls, parent: QWidget | None) -> None:
        cls(parent).exec()


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return qVersion()


def add_help_menu(window: QMainWindow) -> QMenu:
    """Help, last in the menu bar: the window's own entries (the Admin console's Keyboard
    shortcuts) first, then the user guide (F1) and About."""
    bar = window.menuBar()
    menu = next((m for a in bar.actions()
                 if a.text().replace("&", "") == "Help" and isinstance(m := a.menu(), QMenu)),
                None)
    if menu is None:
        menu = bar.addMenu("&Help")
    elif menu.actions():
        menu.addSeparator()
    guide = QAction(icon("info"), "&User guide", menu)
    guide.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    guide.setStatusTip("Open the user guide")
    guide.triggered.connect(lambda _=False: open_user_guide(window))
    about = QAction("&About Access Desk", menu)
    about.setStatusTip("The version of Access Desk")
    about.triggered.connect(lambda _=False: AboutDialog.show_about(window))
    menu.addAction(guide)
    menu.addAction(about)
    return menu
