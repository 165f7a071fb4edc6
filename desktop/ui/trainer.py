"""The Trainer menu on a demo database: View as, scenarios, the handout, reset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.ui.common import ConfirmDialog, busy, label
from desktop.ui.keys import dialog_keys
from desktop.ui.viewas import ViewAsWindow


class ResultDialog(QDialog):
    """What a scenario did and where to look, selectable to paste into notes."""

    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(720, 420)
        body = QPlainTextEdit(text)
        body.setReadOnly(True)
        body.setAccessibleName("Scenario result")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(label(title, "question"))
        layout.addWidget(body, 1)
        layout.addWidget(buttons)
        dialog_keys(self, body, buttons.button(QDialogButtonBox.StandardButton.Close))

    @classmethod
    def show_result(cls, parent: QWidget | None, title: str, text: str) -> None:
        cls(parent, title, text).exec()


class Trainer:
    """The Trainer menu's actions for the windows of one run_gui (one switcher)."""

    def __init__(self, switcher: Any) -> None:
        self.switcher = switcher
        self.view_as: ViewAsWindow | None = None

    def add_menu(self, window: QMainWindow) -> QMenu:
        bar = window.menuBar()
        menu = QMenu("&Trainer", bar)
        menu.setObjectName("trainerMenu")
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_menu is not None:  # Help stays last, where people look for it
            bar.insertMenu(help_menu, menu)
        else:
            bar.addMenu(menu)
        menu.setToolTipsVisible(True)
        from desktop.demo.scenarios import SCENARIOS

        view_as = QAction(icon("users"), "&View as…", menu)
        view_as.setStatusTip("Open several demo people's windows side by side")
        view_as.triggered.connect(self.open_view_as)
        menu.addAction(view_as)
        scenarios = menu.addMenu(icon("demo"), "&Scenarios")
        for scenario in SCENARIOS.values():
            action = QAction(scenario.title, scenarios)
            action.setToolTip(scenario.teaches)
            action.setStatusTip(scenario.teaches)
            action.triggered.connect(lambda _=False, n=scenario.name: self.run_scenario(n))
            scenarios.addAction(action)
        scenarios.setToolTipsVisible(True)
        handout = QAction(icon("export"), "&Handout…", menu)
        handout.setStatusTip("Render every window for each kind of person, with an index page")
        handout.triggered.connect(self.write_handout)
        menu.addAction(handout)
        menu.addSeparator()
        reset = QAction(icon("refresh"), "&Reset demo…", menu)
        reset.setStatusTip("Back to the demo directory as first built; undoes every scenario")
        reset.triggered.connect(self.reset)
        menu.addAction(reset)
        return menu

    def _parent(self) -> QWidget | None:
        window = self.switcher.window
        return window if isinstance(window, QWidget) else None

    def open_view_as(self) -> ViewAsWindow:
        if self.view_as is None:
            self.view_as = ViewAsWindow(self.switcher.feed)
            self.view_as.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.view_as.show()
        self.view_as.raise_()
        return self.view_as

    def run_scenario(self, name: str) -> dict[str, Any] | None:
        from desktop.demo.scenarios import SCENARIOS, as_text, run_scenario

        title = SCENARIOS[name].title
        if not ConfirmDialog.ask(self._parent(), f"Set up “{title}”?",
                                 f"{SCENARIOS[name].teaches}\n\nThis changes the demo "
                                 "directory; Reset demo undoes it.", "Set it up"):
            return None
        try:
            view = busy(lambda: run_scenario(name))
        except AccessDeskError as exc:
            ResultDialog.show_result(self._parent(), title, for_people(exc))
            return None
        self._refresh()
        ResultDialog.show_result(self._parent(), title, as_text(view))
        return view

    def reset(self) -> bool:
        from desktop.demo.scenarios import reset_demo

        if not ConfirmDialog.ask(self._parent(), "Reset the demo directory?",
                                 "Every change made here (requests, decisions, scenarios) is "
                                 "undone: the demo directory goes back to how it was first "
                                 "built. Other desktops on this file see it too.",
                                 "Reset demo", danger=True):
            return False
        try:
            busy(lambda: reset_demo(actor=self.switcher.actor))
        except AccessDeskError as exc:
            ResultDialog.show_result(self._parent(), "Reset demo", for_people(exc))
            return False
        self._refresh(reopen=True)
        return True

    def _refresh(self, reopen: bool = False) -> None:
        """Windows reload on the feed's signals; after a reset the feed's reset notice
        rebuilds them (in this process as in every other)."""
        feed = self.switcher.feed
        if feed is not None:
            feed.poll_now()
        elif reopen:
            self.switcher.on_feed_directory_rebuilt()

    def write_handout(self) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self._parent(), "Folder for the handout")
        if not folder:
            return None
        from desktop.ui.handout import render_handout

        result = busy(lambda: render_handout(Path(folder)))
        ResultDialog.show_result(self._parent(), "Handout written",
                                 f"{result['images']} pictures and {result['index']}: open it "
                                 "in a browser and print it.")
        return Path(result["index"])


def add_trainer_menu(window: QMainWindow, switcher: Any) -> Trainer | None:
    """The Trainer menu, on demo databases only; the switcher keeps its Trainer."""
    from desktop.services.core import is_demo

    if not is_demo():
        return None
    trainer = getattr(switcher, "trainer", None)
    if trainer is None:
        trainer = Trainer(switcher)
        switcher.trainer = trainer
    trainer.add_menu(window)
    return trainer
