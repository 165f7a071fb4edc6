"""The Trainer menu's classroom server: `serve` on the demo as a child process, and its window."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtNetwork import QAbstractSocket, QNetworkInterface
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.common import MessageLabel, accessible, button, label, transparent
from desktop.ui.keys import dialog_keys, open_at

DEFAULT_PORT = 8443
FINGERPRINT_LINE = "certificate SHA-256 fingerprint:"
# How long a stopped server may take to finish (uvicorn cuts live streams after 3 s).
STOP_WAIT_MS = 8000
PROBE_MS = 150
KEPT_LINES = 20


# --- the machine's side: ports and addresses ----------------------------------------------------


def port_taken(port: int) -> bool:
    """Whether another program listens on `port` (any address): binding as uvicorn binds."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if os.name != "nt":  # as uvicorn: a port left in TIME_WAIT is free (not so on Windows)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def free_port_after(port: int) -> int | None:
    """The next free port above `port` (a few tried), for the dialog to offer."""
    return next((p for p in range(port + 1, min(port + 50, 65536)) if not port_taken(p)), None)


def classroom_addresses(port: int) -> list[str]:
    """What trainees type: https://ADDRESS:PORT for each IPv4 address of this machine's
    network interfaces that are up, loopback left out (nobody else reaches it)."""
    found: list[str] = []
    for interface in QNetworkInterface.allInterfaces():
        flags = interface.flags()
        if (not flags & QNetworkInterface.InterfaceFlag.IsUp
                or flags & QNetworkInterface.InterfaceFlag.IsLoopBack):
            continue
        for entry in interface.addressEntries():
            address = entry.ip()
            if (address.protocol() == QAbstractSocket.NetworkLayerProtocol.IPv4Protocol
                    and not address.isLoopback()):
                url = f"https://{address.toString()}:{port}"
                if url not in found:
                    found.append(url)
    return found


def grouped_fingerprint(fingerprint: str, per_line: int = 8) -> str:
    """The fingerprint in lines of `per_line` byte pairs, to copy onto a board."""
    pairs = fingerprint.split(":")
    return "\n".join(":".join(pairs[i:i + per_line]) for i in range(0, len(pairs), per_line))


def serve_command(port: int) -> tuple[str, list[str]]:
    """The program and arguments of `access-desk serve` for the classroom (the database comes
    through ACCESS_DESK_DB: a PostgreSQL password stays out of the process list)."""
    args = ["serve", "--self-signed", "--bind", f"0.0.0.0:{port}"]
    if getattr(sys, "frozen", False):  # the bundle's executable is access-desk itself
        return sys.executable, args
    return sys.executable, ["-m", "desktop", *args]


def open_database_url() -> str:
    """The URL of the database this process has open (the demo's), as `serve` takes it."""
    from desktop.demo.scenarios import url_of
    from desktop.models import database_proxy

    return url_of(database_proxy.obj)


def _last_error(lines: list[str]) -> str:
    """The child's last line, as a sentence (uvicorn's "ERROR:    " prefix left out)."""
    line = next((line for line in reversed(lines) if line.strip()), "")
    line = line.strip()
    for prefix in ("ERROR:", "access-desk:"):
        if line.startswith(prefix):
            line = line[len(prefix):].strip()
    return line


# --- the child process ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerInfo:
    port: int
    fingerprint: str


class ClassroomServer(QObject):
    """`access-desk serve --self-signed --bind 0.0.0.0:PORT` on the open demo database, run as
    a child process: started, watched until it answers, stopped with SIGTERM.

    Signals:
        state_changed(str): "stopped", "starting", "running" or "stopping".
        failed(str): the server stopped by itself (a port taken, an error); the sentence says
            why, with its last line.
    """

    state_changed = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = "stopped"
        self.port = DEFAULT_PORT
        self.fingerprint: str | None = None
        self.lines: list[str] = []
        self.exit_code: int | None = None
        self._partial = b""
        self._process: QProcess | None = None
        self._probe = QTimer(self)
        self._probe.setInterval(PROBE_MS)
        self._probe.timeout.connect(self.on_probe_timeout)
        self._kill = QTimer(self)
        self._kill.setSingleShot(True)
        self._kill.timeout.connect(self.on_kill_timeout)
        app = QApplication.instance()
        if app is not None:  # quitting the application stops the server too
            app.aboutToQuit.connect(self.stop_now)

    @property
    def info(self) -> ServerInfo | None:
        if self.state != "running" or self.fingerprint is None:
            return None
        return ServerInfo(self.port, self.fingerprint)

    def start(self, port: int) -> None:
        if self.state != "stopped":
            return
        self.port, self.fingerprint, self.lines, self.exit_code = port, None, [], None
        self._partial = b""
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("ACCESS_DESK_DB", open_database_url())
        env.remove("ACCESS_DESK_SERVER")
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self.on_process_output)
        process.finished.connect(self.on_process_finished)
        process.errorOccurred.connect(self.on_process_error)
        self._process = process
        self._set_state("starting")
        program, args = serve_command(port)
        process.start(program, args)

    def stop(self) -> None:
        """SIGTERM (serve finishes what is in flight and exits 0); killed if it lingers."""
        if self._process is None or self.state in ("stopped", "stopping"):
            return
        self._probe.stop()
        self._set_state("stopping")
        self._process.terminate()
        self._kill.start(STOP_WAIT_MS)

    def stop_now(self) -> None:
        """Stop and wait (the application is quitting: nothing runs after this)."""
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        self.stop()
        if not process.waitForFinished(STOP_WAIT_MS):
            process.kill()
            process.waitForFinished(2000)

    # --- the child's output and end ------------------------------------------------------------

    def on_process_output(self) -> None:
        if self._process is None:
            return
        data = self._partial + bytes(self._process.readAllStandardOutput().data())
        *complete, self._partial = data.split(b"\n")
        for raw in complete:
            line = raw.decode("utf-8", "replace").rstrip()
            self.lines = [*self.lines[-KEPT_LINES + 1:], line]
            if line.startswith(FINGERPRINT_LINE):
                self.fingerprint = line[len(FINGERPRINT_LINE):].strip()
                # Printed just before uvicorn binds: it is up once its port answers.
                self._probe.start()

    def on_probe_timeout(self) -> None:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
        except OSError:
            return  # not listening yet (or it failed: finished says so)
        self._probe.stop()
        if self.state == "starting":
            self._set_state("running")

    def on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._ended(f"The classroom server did not start: {self._process_error()}.")

    def on_process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self.on_process_output()
        if self._partial:
            self.lines.append(self._partial.decode("utf-8", "replace"))
        self.exit_code = code if status == QProcess.ExitStatus.NormalExit else None
        if self.state == "stopping":
            self._ended(None)
            return
        why = _last_error(self.lines) or f"it ended with code {code}"
        if "address already in use" in why:
            why = f"port {self.port} is taken by another program on this machine"
        self._ended(f"The classroom server stopped: {why}.")

    def on_kill_timeout(self) -> None:
        if self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()

    def _process_error(self) -> str:
        return self._process.errorString() if self._process is not None else "unknown error"

    def _ended(self, message: str | None) -> None:
        self._probe.stop()
        self._kill.stop()
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
        self._set_state("stopped")
        if message:
            self.failed.emit(message)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)


# --- the window -----------------------------------------------------------------------------------


def trainee_commands(url: str) -> str:
    return (f"access-desk --server {url} --as NAME@{_domain()} login\n"
            f"access-desk --server {url} gui")


def _domain() -> str:
    from desktop.demo.data import DOMAIN

    return DOMAIN


def _people_hint() -> str:
    """Whom trainees sign in as: the request journey View as shows first, when it is there."""
    lead = "NAME: a different demo person for each trainee, no password"
    try:
        from desktop.demo.scenarios import demo_upn
        from desktop.ui.viewas import JOURNEY_REQUESTER, journey_for

        panes, note = journey_for(demo_upn(JOURNEY_REQUESTER))
    except Exception:  # noqa: BLE001 - a hint only; the demo may have been changed by hand
        return f"{lead}.\nlogin shows the fingerprint: compare it with the one above."
    names = ", ".join(upn.split("@")[0] for upn, _kind in panes)
    return (f"{lead}, such as {names}.\n{note}\n"
            "login shows the fingerprint: compare it with the one above.")


def classroom_text(info: ServerInfo, addresses: list[str], people: str = "") -> str:
    """What Copy puts on the clipboard: what the window shows, the fingerprint on one line
    (as `serve` prints it and `login --fingerprint` takes it)."""
    where = addresses or [f"https://{socket.gethostname()}:{info.port}"]
    return ("Access Desk classroom server\n"
            + "\n".join(where) + "\n\n"
            + f"Certificate SHA-256 fingerprint: {info.fingerprint}\n\n"
            + "On each trainee's computer:\n" + trainee_commands(where[0]) + "\n"
            + (f"{people}\n" if people else ""))


def _mono(size: int, bold: bool = True) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(size)
    font.setBold(bold)
    return font


def _big(text: str, size: int, name: str, *, mono: bool = False) -> QLabel:
    widget = QLabel(text)
    font = _mono(size) if mono else QFont(widget.font())
    if not mono:
        font.setPointSize(size)
        font.setBold(True)
    widget.setFont(font)
    widget.setStyleSheet("color: #102027;")
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    widget.setAccessibleName(name)
    return widget


class ClassroomDialog(QDialog):
    """Starts the classroom server (choosing its port), then shows where trainees connect in
    print large enough for the back of a room, with Copy and Stop. Not modal: the trainer
    keeps working while it is on the projector."""

    def __init__(self, server: ClassroomServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self.setWindowTitle("Classroom server")
        self.setAccessibleName("Classroom server")
        # Closing the main window quits (and stops the server) even while this one is open.
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.pages = QStackedWidget()
        self.start_page, self.running_page = self._start_page(), self._running_page()
        self.pages.addWidget(self.start_page)
        self.pages.addWidget(self.running_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.addWidget(self.pages)
        self._copied = QTimer(self)  # "Copied" shows on the button for a moment
        self._copied.setSingleShot(True)
        self._copied.setInterval(2000)
        self._connect_signals()
        self.on_server_state_changed(server.state)
        dialog_keys(self, self.port, self.start_button, errors=[self.message])

    def _start_page(self) -> QWidget:
        page = transparent(QWidget())
        page.setMinimumWidth(480)
        self.port = accessible(QSpinBox(), "Port")
        self.port.setRange(1024, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setMaximumWidth(120)
        self.port.setToolTip("The port trainees' desktops connect to (8443 unless it is taken)")
        form = QFormLayout()
        form.addRow("&Port:", self.port)
        self.message = MessageLabel("error", "Classroom server message")
        self.start_button = button("&Start server", "users", kind="primary")
        self.cancel_button = button("Cancel")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start_button)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(label("Start a classroom server", "heading"))
        layout.addWidget(label("Trainees' desktops connect to this demo directory through a "
                               "server on this machine, each signed in as a different demo "
                               "person. It runs until you stop it or quit Access Desk.",
                               wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(row)
        return page

    def _running_page(self) -> QWidget:
        page = transparent(QWidget())
        self.addresses = _big("", 26, "Addresses")
        self.by_name = label("", "hint")
        self.fingerprint = _big("", 24, "Certificate fingerprint", mono=True)
        self.commands = _big("", 12, "Commands", mono=True)
        self.commands.setFont(_mono(12, bold=False))
        self.people = label("")  # lines broken by hand: the window is as wide as they are
        self.copy_button = button("&Copy", "copy",
                                  tip="Copy the addresses, the fingerprint and the commands")
        self.stop_button = button("S&top server", "cancel", kind="danger")
        self.close_button = button("Close", kind="primary")
        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(self.stop_button)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(label("Trainees connect to", "question"))
        layout.addWidget(self.addresses)
        layout.addWidget(self.by_name)
        layout.addSpacing(14)
        layout.addWidget(label("Certificate fingerprint (SHA-256)", "question"))
        layout.addWidget(self.fingerprint)
        layout.addSpacing(14)
        layout.addWidget(label("On each trainee's computer", "question"))
        layout.addWidget(self.commands)
        layout.addWidget(self.people)
        layout.addStretch(1)
        layout.addSpacing(10)
        layout.addLayout(row)
        return page

    def _connect_signals(self) -> None:
        self.start_button.clicked.connect(self.on_start_button_clicked)
        self.cancel_button.clicked.connect(self.close)
        self.copy_button.clicked.connect(self.on_copy_button_clicked)
        self.stop_button.clicked.connect(self.server.stop)
        self.close_button.clicked.connect(self.close)
        self.server.state_changed.connect(self.on_server_state_changed)
        self.server.failed.connect(self.on_server_failed)
        self._copied.timeout.connect(lambda: self.copy_button.setText("&Copy"))

    # --- showing -----------------------------------------------------------------------------

    def open_here(self) -> None:
        """Show it in front, on the page the server's state calls for."""
        if self.server.state == "stopped":
            self.check_port()
        self.on_server_state_changed(self.server.state)
        self.show()
        self.raise_()
        self.activateWindow()

    def check_port(self) -> bool:
        """Whether the chosen port is free; if not, say so and put a free one in the field."""
        port = self.port.value()
        if not port_taken(port):
            return True
        self._offer_another(port)
        return False

    def _offer_another(self, port: int, lead: str | None = None) -> None:
        other = free_port_after(port)
        text = lead or f"Port {port} is taken by another program on this machine."
        if other is not None:
            self.port.setValue(other)
            text += f" Port {other} is free: press Start server to use it."
        else:
            text += " Choose another port."
        self.message.show_message(text)

    def on_start_button_clicked(self) -> None:
        self.message.clear_message()
        if not self.check_port():
            return
        self.server.start(self.port.value())

    def on_server_state_changed(self, state: str) -> None:
        info = self.server.info
        if state == "running" and info is not None:
            self._show_running(info)
            return
        self._show_page(0)
        self.start_button.setEnabled(state == "stopped")
        self.port.setEnabled(state == "stopped")
        self.start_button.setText({"starting": "Starting…", "stopping": "Stopping…"}.get(
            state, "&Start server"))
        if state == "stopped":
            open_at(self.port, self.start_button)

    def on_server_failed(self, message: str) -> None:
        self._show_page(0)
        if f"port {self.server.port} is taken" in message:
            self._offer_another(self.server.port, message)
        else:
            self.message.show_message(message)
        self.open_here()

    def _show_running(self, info: ServerInfo) -> None:
        addresses = classroom_addresses(info.port)
        name_url = f"https://{socket.gethostname()}:{info.port}"
        if addresses:
            self.addresses.setText("\n".join(addresses))
            self.by_name.setText(f"or by this computer's name, where the network knows it: "
                                 f"{name_url}")
        else:
            self.addresses.setText(name_url)
            self.by_name.setText("This computer has no network address yet: connect it to the "
                                 "classroom's network,\nthen open this window again.")
        self.fingerprint.setText(grouped_fingerprint(info.fingerprint))
        self.fingerprint.setAccessibleDescription(info.fingerprint)
        self.commands.setText(trainee_commands((addresses or [name_url])[0]))
        self.people.setText(_people_hint())
        self._show_page(1)
        open_at(self.close_button, self.close_button)

    def _show_page(self, index: int) -> None:
        """Show a page, the window sized to it alone (a stack is as big as its biggest)."""
        if self.pages.currentIndex() == index and self.isVisible():
            return
        for i, page in enumerate((self.start_page, self.running_page)):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)
        self.adjustSize()

    def shown_fingerprint(self) -> str:
        """The fingerprint on screen, as one line (the form `serve` prints)."""
        return self.fingerprint.text().replace("\n", ":")

    def on_copy_button_clicked(self) -> None:
        info = self.server.info
        if info is None:
            return
        QGuiApplication.clipboard().setText(classroom_text(info, classroom_addresses(info.port),
                                                           self.people.text()))
        self.copy_button.setText("Copied")
        self._copied.start()
