"""First run: open the demo directory, create a new directory, connect to PostgreSQL, or
connect to an Access Desk server (team mode: no database on this computer)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, UsageError, for_people
from desktop.resources import icon
from desktop.ui.common import Banner, ErrorLabel, accessible, busy, button, label, transparent
from desktop.ui.keys import dialog_keys, open_at
from desktop.ui.settings import forget_server, last_server, remember_server  # noqa: F401

if TYPE_CHECKING:
    from desktop.remote.client import RemoteBackend
    from desktop.services import setup

# The database choices load the database layer when used; the server choice never does (a
# desktop of a team holds no database).

# --- what each choice does (no widgets) -----------------------------------------------------


def remember(url: str, choice: str) -> None:
    """The next `access-desk gui` opens this database without asking (run_gui keeps it too)."""
    from desktop.ui.settings import settings

    store = settings()
    store.setValue("database/last", url)
    store.setValue("welcome/choice", choice)
    forget_server()  # a database was chosen last: the next start opens it, not a server


def open_demo() -> str:
    """Open the demo directory, building it on first use; returns its path."""
    from desktop.demo.build import open_demo as open_demo_directory
    from desktop.paths import demo_db_path

    path = str(demo_db_path())
    open_demo_directory(path)
    remember(path, "demo")
    return path


def create_directory(path: str, upn: str, password: str, confirm: str) -> str:
    """A new SQLite directory with its first Global Administrator (services.setup, as
    `access-desk init --admin`); returns its path, remembered for the next start."""
    from desktop.services import setup
    from desktop.ui.signin import remember_upn

    admin = setup.create_directory(path, upn, password, confirm)
    remember_upn(str(admin["upn"]))  # the sign-in window that follows asks for his password
    target = str(Path(path.strip()).expanduser())
    remember(target, "new")
    return target


def first_admin(upn: str, password: str) -> None:
    """The first Global Administrator of a new shared directory (services.setup)."""
    from desktop.services import setup
    from desktop.ui.signin import remember_upn

    admin = setup.first_admin(upn, password)
    remember_upn(str(admin["upn"]))


def __getattr__(name: str) -> Any:
    if name == "Probe":  # services.setup.Probe, loaded with the database layer when asked for
        from desktop.services import setup

        return setup.Probe
    raise AttributeError(name)


def probe_postgres(url: str) -> setup.Probe:
    """What a test connection finds (services.setup.probe); changes nothing."""
    from desktop.services import setup

    return setup.probe(url)


def connect_postgres(url: str, *, init: bool) -> str:
    """Open the shared database (init creates or upgrades its schema); returns its display."""
    from desktop.services import setup

    display = setup.open_directory(url, init=init)
    remember(display, "postgresql")
    return display


# Team mode: the same steps as `access-desk --server URL login` (desktop/cli/remote.py).


@dataclass
class ServerCheck:
    """What "Check server" found. `version` is the server's GET /version, None while its
    certificate (`fingerprint`, `pem`) is not trusted yet: nothing was sent to it but that."""

    url: str
    version: dict[str, Any] | None
    fingerprint: str | None = None
    pem: str | None = None

    @property
    def demo(self) -> bool:
        return bool(self.version and self.version.get("demo"))

    def explain(self) -> str:
        version = self.version or {}
        where = f"Access Desk {version.get('version', '')} at {self.url}".replace("  ", " ")
        if self.demo:
            return (f"{where}: a demo directory. Anyone in it signs in with his user name, "
                    "without a password.")
        return f"{where}. Sign in with your user name and password."


def check_server(url: str) -> ServerCheck:
    """Read the server's GET /version, as `login` does: an https:// server not pinned yet
    only shows its certificate (a probe that trusts nothing) until its person compared it."""
    from desktop.errors import CertificateMismatch, ServerUnreachable
    from desktop.remote.client import check_url

    url = check_url(url.strip())
    try:
        return _check_server(url)
    except ServerUnreachable as exc:
        if not for_people(exc).lower().startswith("cannot reach"):
            raise  # the server's own words (an older or newer version)
        raise ServerUnreachable(
            f"cannot reach an Access Desk server at {url}: check the address, and ask your "
            "administrator whether the server runs") from None
    except CertificateMismatch:
        from desktop.paths import data_dir

        raise CertificateMismatch(
            f"the server's certificate is not the one trusted for {url} on this computer: "
            "someone may be in between. If your administrator gave the server a new "
            f"certificate, remove its line from {data_dir() / 'known_servers.json'} and "
            "check again") from None


def _check_server(url: str) -> ServerCheck:
    from desktop.errors import CertificateMismatch
    from desktop.remote import trust
    from desktop.remote.client import RemoteBackend

    if url.startswith("https://") and not trust.pinned(url):
        probe = RemoteBackend(url, pin="")
        try:
            probe.version()
        except CertificateMismatch:
            pass  # "not trusted yet": its fingerprint is recorded
        finally:
            probe.close()
        if probe.fingerprint is not None:
            return ServerCheck(url, None, probe.fingerprint, probe.certificate)
    backend = RemoteBackend(url)
    try:
        return ServerCheck(url, backend.version(), backend.fingerprint)
    finally:
        backend.close()


def trust_server(check: ServerCheck) -> None:
    """Pin the certificate its person compared with the one his administrator gave him."""
    from desktop.remote import trust

    assert check.fingerprint is not None
    trust.pin(check.url, check.fingerprint, check.pem)


def sign_in_server(url: str, upn: str, password: str | None) -> RemoteBackend:
    """Sign in to the server and keep the token (owner-only file, as `login` keeps it);
    returns the backend the windows run on. `password` None on a demo server."""
    from desktop.remote import trust
    from desktop.remote.client import RemoteBackend

    if not upn.strip():
        raise UsageError("type your user name, like you@example.com")
    backend = RemoteBackend(url)
    try:
        view = backend.sign_in(upn.strip(), password, client="gui")
        trust.keep_token(backend.url, view["upn"], view["token"])
        backend.desk()  # read here, off the GUI thread: the first window needs it at once
    except BaseException:
        backend.close()
        raise
    return backend


LABEL_WIDTH = 190  # one label column for every form of the window, so the fields line up


def field_label(text: str) -> QLabel:
    widget = label(text, "question")
    widget.setMinimumWidth(LABEL_WIDTH)
    return widget


# --- the window ----------------------------------------------------------------------------


class ChoiceCard(QPushButton):
    """A large button: an icon, a title and one sentence of what it does."""

    def __init__(self, icon_name: str, title: str, text: str, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(84)
        self.setStyleSheet(
            f"QPushButton#{name} {{ text-align: left; padding: 12px 16px; border-radius: 8px; }}")
        picture = QLabel()
        picture.setPixmap(icon(icon_name).pixmap(QSize(32, 32)))
        picture.setFixedWidth(40)
        picture.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        heading = label(title, "question")
        body = label(text, "hint", wrap=True)
        for widget in (heading, body):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            widget.setStyleSheet("background-color: transparent;")
        words = QVBoxLayout()
        words.setSpacing(3)
        words.addWidget(heading)
        words.addWidget(body)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(14)
        layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(words, 1)

    def sizeHint(self) -> QSize:  # the layout, not the (empty) button text, decides
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()


class FirstAdminForm(QWidget):
    """The first Global Administrator: user name, password twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        transparent(self)
        self.upn = accessible(QLineEdit(), "First Global Administrator",
                              "His user name; he adds everyone else")
        self.upn.setPlaceholderText("you@example.com")
        self.password = accessible(QLineEdit(), "Password", "At least 12 characters")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("at least 12 characters")
        self.confirm = accessible(QLineEdit(), "Password again")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.addRow(field_label("Global Administrator"), self.upn)
        form.addRow(field_label("Password"), self.password)
        form.addRow(field_label("Password again"), self.confirm)


class WelcomeWindow(QDialog):
    """Shown when Access Desk starts with no database at all; `url` holds the one opened.

    Each choice opens (or creates) the database and remembers it, so the next start goes
    straight to the sign-in window.
    """

    PAGES = ("choices", "new", "postgresql", "server")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url: str | None = None
        self.backend: RemoteBackend | None = None  # signed in to a server instead
        self.server_check: ServerCheck | None = None
        self._server_busy = False
        self.probe: setup.Probe | None = None
        self.setWindowTitle("Welcome to Access Desk")
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("Welcome")
        self.setMinimumWidth(600)

        logo = QLabel()
        logo.setPixmap(icon("access-desk").pixmap(QSize(48, 48)))
        logo.setAccessibleName("Access Desk logo")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(label("Welcome to Access Desk", "heading"))
        self.subtitle = label("There is no database yet. How would you like to start?", "hint")
        titles.addWidget(self.subtitle)
        header = QHBoxLayout()
        header.setSpacing(14)
        header.addWidget(logo)
        header.addLayout(titles, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._choices_page())
        self.pages.addWidget(self._new_page())
        self.pages.addWidget(self._postgres_page())
        self.pages.addWidget(self._server_page())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(16)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        self._connect_signals()
        dialog_keys(self, self.demo_card, None,
                    errors=[self.choices_error, self.new_error, self.pg_error,
                            self.server_error])

    def show_problem(self, problem: str, server: bool = False) -> None:
        """The database used last time could not be opened (moved, its password changed, its
        team moved to an Access Desk server), or the server used last time cannot be used
        (its session ended, it cannot be reached): say so at the top."""
        self.subtitle.setText(
            "The server used last time cannot be used now. Sign in again, or go back for the "
            "other ways in." if server else
            "The database used last time cannot be opened. How would you like to go on?")
        banner = Banner("warning", name="Last server" if server else "Last database")
        banner.show_text(for_people(problem), "warning")
        banner.setToolTip(problem)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, banner)

    # pages

    def _choices_page(self) -> QWidget:
        page = transparent(QWidget())
        self.demo_card = ChoiceCard(
            "demo", "Open the demo directory",
            "A fictional company with people, applications and requests to try everything. "
            "Anyone signs in without a password.", "demoCard")
        self.new_card = ChoiceCard(
            "users", "Create a new directory",
            "An empty directory on this computer. You choose its first Global Administrator "
            "and his password; he adds everyone else.", "newCard")
        self.pg_card = ChoiceCard(
            "import", "Connect to a shared PostgreSQL database",
            "For a team: every desktop uses the same database, and decisions show everywhere "
            "within a second.", "pgCard")
        self.server_card = ChoiceCard(
            "device", "Connect to an Access Desk server",
            "For a team whose administrator runs a server: you sign in to it, and nothing of "
            "the directory is kept on this computer.", "serverCard")
        self.choices_error = ErrorLabel(name="Welcome error")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        for card in (self.demo_card, self.new_card, self.pg_card, self.server_card):
            layout.addWidget(card)
        layout.addWidget(self.choices_error)
        layout.addWidget(label("Access Desk remembers your choice. To use another database "
                               "or server later, start it with --db URL or --server URL.",
                               "hint", wrap=True))
        layout.addStretch(1)
        self.quit_button = button("Quit")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.quit_button)
        layout.addLayout(row)
        return page

    def _new_page(self) -> QWidget:
        page = transparent(QWidget())
        from desktop.paths import default_db_url

        default = default_db_url()
        self.new_path = accessible(QLineEdit(default if "://" not in default else ""),
                                   "Database file")
        self.browse_button = button("Browse…", name="Choose the database file")
        where = QHBoxLayout()
        where.setSpacing(6)
        where.addWidget(self.new_path, 1)
        where.addWidget(self.browse_button)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.addRow(field_label("Database file"), where)
        self.new_admin = FirstAdminForm()
        self.new_error = ErrorLabel(name="New directory error")
        self.new_back = button("Back")
        self.create_button = button("Create directory", kind="primary")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(label("Create a new directory", "question"))
        layout.addWidget(label(
            "A SQLite file on this computer. The first Global Administrator signs in with "
            "this password, then adds people, groups and applications (or imports them from "
            "Microsoft Graph).", "hint", wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.new_admin)
        layout.addWidget(self.new_error)
        layout.addStretch(1)
        layout.addLayout(self._buttons(self.new_back, self.create_button))
        return page

    def _postgres_page(self) -> QWidget:
        page = transparent(QWidget())
        self.pg_url = accessible(QLineEdit(), "PostgreSQL URL")
        self.pg_url.setPlaceholderText("postgresql://you@db.example.com:5432/accessdesk")
        self.pg_password = accessible(QLineEdit(), "Database password",
                                      "Not remembered; ~/.pgpass or PGPASSWORD can hold it")
        self.pg_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.pg_password.setPlaceholderText("optional: ~/.pgpass or PGPASSWORD also work")
        self.test_button = button("Test connection", "verify")
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.addRow(field_label("URL"), self.pg_url)
        form.addRow(field_label("Password"), self.pg_password)
        test_row = QHBoxLayout()
        test_row.addStretch(1)
        test_row.addWidget(self.test_button)
        self.pg_status = Banner("info", name="Connection")
        self.pg_status.hide()
        self.pg_admin = FirstAdminForm()
        self.pg_admin_hint = label(
            "The directory is empty: choose its first Global Administrator.", "hint", wrap=True)
        self.pg_admin.hide()
        self.pg_admin_hint.hide()
        self.pg_error = ErrorLabel(name="PostgreSQL error")
        self.pg_back = button("Back")
        self.connect_button = button("Connect", kind="primary")
        self.connect_button.setEnabled(False)
        self.connect_button.setToolTip("Test the connection first")
        line = QFrame()
        line.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(label("Connect to a shared PostgreSQL database", "question"))
        layout.addWidget(label(
            "Ask your database administrator for an empty database and a user who may create "
            "tables in it. Test the connection: Access Desk tells you what it found and, when "
            "the schema is missing, creates it once for the whole team.", "hint", wrap=True))
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.pg_status)
        layout.addWidget(self.pg_admin_hint)
        layout.addWidget(self.pg_admin)
        layout.addWidget(self.pg_error)
        layout.addStretch(1)
        layout.addLayout(self._buttons(self.pg_back, self.connect_button))
        return page

    def _server_page(self) -> QWidget:
        page = transparent(QWidget())
        self.server_url = accessible(QLineEdit(), "Server address",
                                     "https:// and the port the server listens on")
        self.server_url.setPlaceholderText("https://accessdesk.example.com:8443")
        self.check_button = button("Check server", "verify")
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.addRow(field_label("Server address"), self.server_url)
        check_row = QHBoxLayout()
        check_row.addStretch(1)
        check_row.addWidget(self.check_button)
        self.server_status = Banner("info", name="Server")
        self.server_status.hide()

        # The certificate, shown once for a server not known yet, as SSH shows a host key.
        self.trust_box = transparent(QWidget())
        self.fingerprint = QLabel()
        self.fingerprint.setAccessibleName("Certificate fingerprint")
        self.fingerprint.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.fingerprint.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.fingerprint.setFont(mono)
        self.fingerprint.setObjectName("fingerprint")
        self.fingerprint.setStyleSheet(
            "QLabel#fingerprint { padding: 8px 10px; border: 1px solid #b0bec5; "
            "border-radius: 4px; }")
        self.trust_check = QCheckBox("I compared it: trust this server")
        self.trust_check.setAccessibleName("I compared it: trust this server")
        trust_layout = QVBoxLayout(self.trust_box)
        trust_layout.setContentsMargins(0, 0, 0, 0)
        trust_layout.setSpacing(8)
        trust_layout.addWidget(label(
            "This server is not known on this computer yet. Its certificate's SHA-256 "
            "fingerprint is:", wrap=True))
        trust_layout.addWidget(self.fingerprint)
        trust_layout.addWidget(label(
            "Compare it with the one your administrator gave you (the server prints it at "
            "start). If they differ, do not go on: someone may be in between.", "hint",
            wrap=True))
        trust_layout.addWidget(self.trust_check)
        self.trust_box.hide()

        # Who signs in, once the server is checked (and trusted).
        self.sign_in_box = transparent(QWidget())
        self.server_upn = accessible(QLineEdit(), "User name", "Your user name on the server")
        self.server_upn.setPlaceholderText("you@example.com")
        from desktop.ui.settings import settings

        self.server_upn.setText(str(settings().value("server/upn") or ""))  # who signed in last
        self.server_password = accessible(QLineEdit(), "Password")
        self.server_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_password_label = field_label("Password")
        sign_in_form = QFormLayout(self.sign_in_box)
        sign_in_form.setContentsMargins(0, 0, 0, 0)
        sign_in_form.setHorizontalSpacing(16)
        sign_in_form.setVerticalSpacing(10)
        sign_in_form.addRow(field_label("User name"), self.server_upn)
        sign_in_form.addRow(self.server_password_label, self.server_password)
        self.sign_in_box.hide()

        self.server_error = ErrorLabel(name="Server error")
        self.server_back = button("Back")
        self.sign_in_button = button("Sign in", kind="primary")
        self.sign_in_button.setEnabled(False)
        self.sign_in_button.setToolTip("Check the server first")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(label("Connect to an Access Desk server", "question"))
        layout.addWidget(label(
            "Ask your administrator for the server's address and its certificate's "
            "fingerprint. Check the server: the first time, Access Desk shows the fingerprint "
            "for you to compare; then sign in. Only your sign-in is kept on this computer.",
            "hint", wrap=True))
        layout.addLayout(form)
        layout.addLayout(check_row)
        layout.addWidget(self.server_status)
        layout.addWidget(self.trust_box)
        layout.addWidget(self.sign_in_box)
        layout.addWidget(self.server_error)
        layout.addStretch(1)
        layout.addLayout(self._buttons(self.server_back, self.sign_in_button))
        return page

    @staticmethod
    def _buttons(back: QPushButton, action: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(action)
        return row

    def _connect_signals(self) -> None:
        self.demo_card.clicked.connect(self.on_demo_card_clicked)
        self.new_card.clicked.connect(lambda: self.show_page("new"))
        self.pg_card.clicked.connect(lambda: self.show_page("postgresql"))
        self.server_card.clicked.connect(lambda: self.show_page("server"))
        self.quit_button.clicked.connect(self.reject)
        self.new_back.clicked.connect(lambda: self.show_page("choices"))
        self.pg_back.clicked.connect(lambda: self.show_page("choices"))
        self.server_back.clicked.connect(lambda: self.show_page("choices"))
        self.check_button.clicked.connect(self.on_check_button_clicked)
        self.trust_check.toggled.connect(self.on_trust_check_toggled)
        self.sign_in_button.clicked.connect(self.on_sign_in_button_clicked)
        self.server_url.textEdited.connect(self.on_server_url_edited)
        self.browse_button.clicked.connect(self.on_browse_button_clicked)
        self.create_button.clicked.connect(self.on_create_button_clicked)
        self.test_button.clicked.connect(self.on_test_button_clicked)
        self.connect_button.clicked.connect(self.on_connect_button_clicked)
        self.pg_url.textEdited.connect(self.on_pg_url_edited)
        self.pg_password.textEdited.connect(self.on_pg_url_edited)

    def show_page(self, name: str) -> None:
        self.pages.setCurrentIndex(self.PAGES.index(name))
        subtitles = {"choices": "There is no database yet. How would you like to start?",
                     "new": "A new directory of your own.",
                     "postgresql": "A database your team shares.",
                     "server": "The server your team's administrator runs."}
        self.subtitle.setText(subtitles[name])
        # The database file is filled in already: the administrator is what to type first.
        focus, default = {"choices": (self.demo_card, None),
                          "new": (self.new_admin.upn, self.create_button),
                          "postgresql": (self.pg_url, self._pg_default()),
                          "server": self._server_focus()}[name]
        open_at(focus, default)

    def _pg_default(self) -> QPushButton:
        """Enter tests the connection until a test succeeded, then connects."""
        return self.connect_button if self.connect_button.isEnabled() else self.test_button

    def _server_focus(self) -> tuple[QWidget, QPushButton]:
        """Enter checks the server until it is checked and trusted, then signs in."""
        if not self.sign_in_button.isEnabled():
            waiting = self.trust_box.isVisible() and not self.trust_check.isChecked()
            return (self.trust_check if waiting else self.server_url), self.check_button
        empty = self.server_upn if not self.server_upn.text() else self.server_password
        if not self.server_password.isVisibleTo(self):
            empty = self.server_upn
        return empty, self.sign_in_button

    def open_server(self, url: str, upn: str | None = None) -> None:
        """The server page with its address (and who signed in there) filled in, checked at
        once: the next start's way back to the server used last time."""
        self.server_url.setText(url)
        if upn:
            self.server_upn.setText(upn)
        self.show_page("server")
        QTimer.singleShot(0, self.on_check_button_clicked)

    # slots

    def on_demo_card_clicked(self) -> None:
        try:
            self.url = busy(open_demo)
        except AccessDeskError as exc:
            self.choices_error.show_message(for_people(exc))
            return
        self.accept()

    def on_browse_button_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Where the directory's database goes", self.new_path.text(),
            "Access Desk database (*.db)")
        if path:
            self.new_path.setText(path)

    def on_create_button_clicked(self) -> None:
        form = self.new_admin
        try:
            self.url = busy(lambda: create_directory(
                self.new_path.text(), form.upn.text(), form.password.text(),
                form.confirm.text()))
        except AccessDeskError as exc:
            self.new_error.show_message(for_people(exc))
            return
        self.accept()

    def on_pg_url_edited(self, _text: str) -> None:
        self.probe = None
        self.connect_button.setEnabled(False)
        self.connect_button.setText("Connect")
        self.pg_status.hide()
        self.pg_admin.hide()
        self.pg_admin_hint.hide()
        open_at(None, self.test_button)

    def _pg_full_url(self) -> str:
        from desktop.services import setup

        return setup.postgres_url(self.pg_url.text(), self.pg_password.text())

    def on_test_button_clicked(self) -> None:
        self.pg_error.clear_message()
        try:
            self.probe = busy(lambda: probe_postgres(self._pg_full_url()))
        except AccessDeskError as exc:
            self.probe = None
            self.pg_status.show_text(for_people(exc), "error")
            self.connect_button.setEnabled(False)
            return
        probe = self.probe
        tone = "warning" if probe.needs_init else "success"
        self.pg_status.show_text(probe.explain(), tone)
        empty = probe.people == 0
        self.pg_admin.setVisible(empty)
        self.pg_admin_hint.setVisible(empty)
        if probe.version is None:
            self.connect_button.setText("Create and connect")
        elif probe.needs_init:
            self.connect_button.setText("Upgrade and connect")
        else:
            self.connect_button.setText("Connect")
        self.connect_button.setEnabled(True)
        self.connect_button.setToolTip("")
        open_at(self.pg_admin.upn if empty else None, self.connect_button)

    def on_connect_button_clicked(self) -> None:
        probe = self.probe
        if probe is None:
            self.pg_error.show_message("Test the connection first.")
            return
        form = self.pg_admin
        from desktop.services import setup

        def work() -> str:
            if probe.people == 0:  # check what the form says before anything is created
                setup.check_first_admin(form.upn.text(), form.password.text(),
                                        form.confirm.text())
            display = connect_postgres(self._pg_full_url(), init=probe.needs_init)
            if probe.people == 0 and not setup.has_people():
                first_admin(form.upn.text().strip(), form.password.text())
            return display

        try:
            self.url = busy(work)
        except AccessDeskError as exc:
            self.pg_error.show_message(for_people(exc))
            return
        self.accept()

    # the server page

    def on_server_url_edited(self, _text: str) -> None:
        """Another address: whatever was checked is for the old one."""
        self.server_check = None
        self.server_status.hide()
        self.trust_box.hide()
        self.sign_in_box.hide()
        self.sign_in_button.setEnabled(False)
        self.sign_in_button.setToolTip("Check the server first")
        self.trust_check.setEnabled(True)
        open_at(None, self.check_button)

    def _set_server_busy(self, doing: str | None) -> None:
        """While the network works: the page's inputs wait, the button says what happens."""
        self._server_busy = doing is not None
        for widget in (self.server_url, self.check_button, self.trust_check, self.server_upn,
                       self.server_password, self.server_back):
            widget.setEnabled(doing is None)
        self.sign_in_button.setEnabled(doing is None and self._ready_to_sign_in())
        self.check_button.setText(doing if doing and doing.startswith("Check")
                                  else "Check server")
        self.sign_in_button.setText(doing if doing and doing.startswith("Sign")
                                    else "Sign in")
        if doing is None:
            self.unsetCursor()
        else:
            self.setCursor(Qt.CursorShape.BusyCursor)

    def _ready_to_sign_in(self) -> bool:
        return self.server_check is not None and self.server_check.version is not None

    def on_check_button_clicked(self) -> None:
        if self._server_busy:
            return
        self.server_error.clear_message()
        from desktop.remote.client import check_url

        try:
            check_url(self.server_url.text().strip())
        except AccessDeskError as exc:
            self.server_error.show_message(for_people(exc))
            open_at(self.server_url, self.check_button)
            return
        from desktop.ui.workers import run_task

        address = self.server_url.text()
        self._set_server_busy("Checking…")
        run_task(lambda: check_server(address), succeeded=self.on_server_checked,
                 failed=self.on_server_failed, finished=self.on_server_work_finished)

    def on_server_work_finished(self) -> None:
        self._set_server_busy(None)
        open_at(*self._server_focus())

    def on_server_failed(self, message: str) -> None:
        self.server_check = None
        self.server_status.hide()
        self.trust_box.hide()
        self.sign_in_box.hide()
        self.server_error.show_message(for_people(message))

    def on_server_checked(self, check: ServerCheck) -> None:
        if check.url != self.server_url.text().strip().rstrip("/"):
            return  # the address changed while it was checked
        self.server_check = check
        if check.version is None:  # a certificate to compare first
            self.server_status.hide()
            pairs = (check.fingerprint or "").split(":")
            half = (len(pairs) + 1) // 2
            self.fingerprint.setText(":".join(pairs[:half]) + "\n" + ":".join(pairs[half:]))
            self.fingerprint.setToolTip(check.fingerprint or "")
            self.fingerprint.setAccessibleDescription(check.fingerprint or "")
            self.trust_check.blockSignals(True)
            self.trust_check.setChecked(False)
            self.trust_check.blockSignals(False)
            self.trust_box.show()
            self.sign_in_box.hide()
            return
        trusted_now = self.trust_box.isVisible() and self.trust_check.isChecked()
        self.trust_box.hide()
        self.server_status.show_text(check.explain() + (
            " Its certificate is trusted on this computer from now on." if trusted_now
            else ""), "success")
        self.server_password.setVisible(not check.demo)
        self.server_password_label.setVisible(not check.demo)
        self.sign_in_box.show()
        self.sign_in_button.setToolTip("")

    def on_trust_check_toggled(self, checked: bool) -> None:
        check = self.server_check
        if not checked or check is None or check.fingerprint is None:
            return
        trust_server(check)
        self.trust_check.setEnabled(False)
        self.on_check_button_clicked()  # again, now over the pinned certificate

    def on_sign_in_button_clicked(self) -> None:
        check = self.server_check
        if self._server_busy or check is None or check.version is None:
            return
        self.server_error.clear_message()
        upn, password = self.server_upn.text(), self.server_password.text()
        if not upn.strip():
            self.server_error.show_message("Type your user name.")
            open_at(self.server_upn, self.sign_in_button)
            return
        if not check.demo and not password:
            self.server_error.show_message("Type your password.")
            open_at(self.server_password, self.sign_in_button)
            return
        from desktop.ui.workers import run_task

        url = check.url
        self._set_server_busy("Signing in…")
        run_task(lambda: sign_in_server(url, upn, None if check.demo else password),
                 succeeded=self.on_server_signed_in, failed=self.on_sign_in_failed,
                 finished=self.on_server_work_finished)

    def on_sign_in_failed(self, message: str) -> None:
        self.server_password.clear()
        self.server_error.show_message(for_people(message))

    def on_server_signed_in(self, backend: RemoteBackend) -> None:
        upn = str(backend.desk().get("upn") or self.server_upn.text().strip())
        remember_server(backend.url, upn)
        self.backend = backend
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None, problem: str | None = None,
            server: tuple[str, str | None] | None = None) -> str | RemoteBackend | None:
        """Show the welcome window. Returns the database chosen (its URL, open afterwards), or
        the server signed in to (a RemoteBackend, its token kept); None: closed.
        `problem`: why the database or server used last time cannot be used (said at the
        top); `server`: (url, upn) of that server, whose page opens filled in."""
        from desktop.ui.style import styled_application

        styled_application()
        dialog = cls(parent)
        if server is not None:
            dialog.open_server(*server)
        if problem:
            dialog.show_problem(problem, server=server is not None)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.backend or dialog.url

