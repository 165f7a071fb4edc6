"""First run: open the demo directory, create a new directory, or connect to PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
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

from desktop.errors import AccessDeskError, for_people
from desktop.resources import icon
from desktop.services import setup
from desktop.ui.common import Banner, ErrorLabel, accessible, busy, button, label, transparent
from desktop.ui.keys import dialog_keys, open_at

# --- what each choice does (no widgets) -----------------------------------------------------


def remember(url: str, choice: str) -> None:
    """The next `access-desk gui` opens this database without asking (run_gui keeps it too)."""
    from desktop.ui.settings import settings

    store = settings()
    store.setValue("database/last", url)
    store.setValue("welcome/choice", choice)


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
    from desktop.ui.signin import remember_upn

    admin = setup.create_directory(path, upn, password, confirm)
    remember_upn(str(admin["upn"]))  # the sign-in window that follows asks for his password
    target = str(Path(path.strip()).expanduser())
    remember(target, "new")
    return target


def first_admin(upn: str, password: str) -> None:
    """The first Global Administrator of a new shared directory (services.setup)."""
    from desktop.ui.signin import remember_upn

    admin = setup.first_admin(upn, password)
    remember_upn(str(admin["upn"]))


Probe = setup.Probe


def probe_postgres(url: str) -> setup.Probe:
    """What a test connection finds (services.setup.probe); changes nothing."""
    return setup.probe(url)


def connect_postgres(url: str, *, init: bool) -> str:
    """Open the shared database (init creates or upgrades its schema); returns its display."""
    display = setup.open_directory(url, init=init)
    remember(display, "postgresql")
    return display


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

    PAGES = ("choices", "new", "postgresql")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url: str | None = None
        self.probe: Probe | None = None
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(16)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        self._connect_signals()
        dialog_keys(self, self.demo_card, None,
                    errors=[self.choices_error, self.new_error, self.pg_error])

    def show_problem(self, problem: str) -> None:
        """The database used last time could not be opened (moved, its password changed, its
        team moved to an Access Desk server): say so above the choices."""
        from desktop.errors import for_people

        self.subtitle.setText("The database used last time cannot be opened. How would you "
                              "like to go on?")
        banner = Banner("warning", name="Last database")
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
        self.choices_error = ErrorLabel(name="Welcome error")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        for card in (self.demo_card, self.new_card, self.pg_card):
            layout.addWidget(card)
        layout.addWidget(self.choices_error)
        layout.addWidget(label("Access Desk remembers your choice. To use another database "
                               "later, start it with --db URL.", "hint", wrap=True))
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
        self.quit_button.clicked.connect(self.reject)
        self.new_back.clicked.connect(lambda: self.show_page("choices"))
        self.pg_back.clicked.connect(lambda: self.show_page("choices"))
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
                     "postgresql": "A database your team shares."}
        self.subtitle.setText(subtitles[name])
        # The database file is filled in already: the administrator is what to type first.
        focus, default = {"choices": (self.demo_card, None),
                          "new": (self.new_admin.upn, self.create_button),
                          "postgresql": (self.pg_url, self._pg_default())}[name]
        open_at(focus, default)

    def _pg_default(self) -> QPushButton:
        """Enter tests the connection until a test succeeded, then connects."""
        return self.connect_button if self.connect_button.isEnabled() else self.test_button

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

    @classmethod
    def ask(cls, parent: QWidget | None = None, problem: str | None = None) -> str | None:
        """Show the welcome window; the database chosen is open afterwards. None: closed.
        `problem`: why the database used last time could not be opened (said at the top)."""
        from desktop.ui.style import styled_application

        styled_application()
        dialog = cls(parent)
        if problem:
            dialog.show_problem(problem)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.url

