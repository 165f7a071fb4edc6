"""The Trainer menu on a demo database: View as, scenarios, handout, classroom server, reset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
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

if TYPE_CHECKING:  # imported when first opened: a demo window starts without them
    from desktop.ui.classroom import ClassroomDialog, ClassroomServer  # (QtNetwork)
    from desktop.ui.viewas import ViewAsWindow

JUMP_TIP = ("Move the demo's clock 7 days ahead for every window, then do what became due: "
            "reminders, escalations, expired requests, access that ends")


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
        self.classroom: ClassroomServer | None = None
        self.classroom_dialog: ClassroomDialog | None = None

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
        ClassroomActions(self, menu)
        jump = QAction(icon("request"), "&Jump ahead 7 days", menu)
        jump.setObjectName("jumpAhead")
        jump.setToolTip(JUMP_TIP)
        jump.setStatusTip(JUMP_TIP)
        jump.triggered.connect(lambda: self.jump_ahead())
        menu.addAction(jump)
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
            from desktop.ui.viewas import ViewAsWindow

            self.view_as = ViewAsWindow(self.switcher.feed)
            self.view_as.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.view_as.show()
        self.view_as.raise_()
        return self.view_as

    def classroom_server(self) -> ClassroomServer:
        if self.classroom is None:
            from desktop.ui.classroom import ClassroomServer

            self.classroom = ClassroomServer()
        return self.classroom

    def open_classroom(self) -> ClassroomDialog:
        """Start the classroom server (its dialog asks for the port), or show where trainees
        connect while it runs."""
        if self.classroom_dialog is None:
            from desktop.ui.classroom import ClassroomDialog

            # No parent: the windows are rebuilt on a reset, this stays on the projector.
            self.classroom_dialog = ClassroomDialog(self.classroom_server())
        self.classroom_dialog.open_here()
        return self.classroom_dialog

    def stop_classroom(self) -> None:
        if self.classroom is not None:
            self.classroom.stop()

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

    def jump_ahead(self, by: str = "7d") -> dict[str, Any] | None:
        """Rules 16-21 in minutes: the demo's clock moves ahead for every window and the
        server, then the sweep does what became due (reminders, escalations, expiries, access
        that ends); Reset demo undoes it."""
        from desktop.services.governance import describe_sweep, jump

        try:
            view = busy(lambda: jump(self.switcher.actor, by))
        except AccessDeskError as exc:
            ResultDialog.show_result(self._parent(), "Jump ahead", for_people(exc))
            return None
        self._refresh()
        ResultDialog.show_result(
            self._parent(), "Jump ahead",
            f"The demo's clock is now {view['offset_days']:g} days ahead: it is "
            f"{view['now'].replace('T', ' ')[:16]} UTC for every window on this demo "
            f"directory.\n\n{describe_sweep(view['sweep'])}\n\nReset demo sets the clock "
            "back.")
        return view

    def reset(self) -> bool:
        from desktop.demo.scenarios import reset_demo

        serving = self.classroom is not None and self.classroom.state == "running"
        others = ("Other desktops on this file and the trainees connected to the classroom "
                  "server see it too." if serving else "Other desktops on this file see it too.")
        if not ConfirmDialog.ask(self._parent(), "Reset the demo directory?",
                                 "Every change made here (requests, decisions, scenarios) is "
                                 "undone: the demo directory goes back to how it was first "
                                 f"built. {others}",
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


class ClassroomActions(QObject):
    """The classroom server's two actions in one window's Trainer menu; their text and
    state follow the server's (owned by the menu, so a rebuilt window leaves nothing behind)."""

    START = "Start &classroom server…"
    SHOW = "Show &classroom address…"

    def __init__(self, trainer: Trainer, menu: QMenu) -> None:
        super().__init__(menu)
        self.server = trainer.classroom_server()
        self.open_action = QAction(icon("users"), self.START, menu)
        self.open_action.triggered.connect(trainer.open_classroom)
        self.stop_action = QAction(icon("cancel"), "S&top classroom server", menu)
        self.stop_action.setStatusTip("Stop the server; trainees' desktops lose their connection")
        self.stop_action.triggered.connect(trainer.stop_classroom)
        menu.addAction(self.open_action)
        menu.addAction(self.stop_action)
        self.server.state_changed.connect(self.on_server_state_changed)
        self.on_server_state_changed(self.server.state)

    def on_server_state_changed(self, state: str) -> None:
        running = state == "running"
        self.open_action.setText(self.SHOW if running else self.START)
        self.open_action.setStatusTip(
            "The address and certificate fingerprint to write on the board" if running
            else "Let trainees' desktops connect to this demo directory through a server on "
            "this machine")
        self.open_action.setEnabled(state in ("stopped", "running", "starting"))
        self.stop_action.setEnabled(state in ("running", "starting"))


def add_trainer_menu(window: QMainWindow, switcher: Any) -> Trainer | None:
    """The Trainer menu, on demo databases only, and only beside the database (the classroom
    server's trainees connect to it; the trainer runs the menu at the server's host); the
    switcher keeps its Trainer."""
    if getattr(switcher.actor, "remote", False):
        return None
    from desktop.services.core import is_demo

    if not is_demo():
        return None
    trainer = getattr(switcher, "trainer", None)
    if trainer is None:
        trainer = Trainer(switcher)
        switcher.trainer = trainer
    trainer.add_menu(window)
    return trainer
