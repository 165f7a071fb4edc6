"""The sign-in window: a person picker on a demo database, user name and password elsewhere."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import AccessDeskError, for_people
from desktop.models import User
from desktop.resources import icon
from desktop.services import auth, core
from desktop.ui.common import ROLE_LABELS, DemoBanner, ErrorLabel, accessible, button, label
from desktop.ui.keys import dialog_keys
from desktop.ui.settings import settings

LAST_UPN = "signin/last_upn"


def last_upn() -> str:
    """Who signed in last (or the administrator a new directory was made for)."""
    return str(settings().value(LAST_UPN, "") or "")


def remember_upn(upn: str) -> None:
    """The sign-in window opens with this user name filled in next time."""
    settings().setValue(LAST_UPN, upn)


class SignInDialog(QDialog):
    """Signs a person in through services.auth.sign_in; `user` holds him afterwards."""

    def __init__(self, parent: QWidget | None = None, database: str = "") -> None:
        super().__init__(parent)
        self.user: User | None = None
        self.demo = core.is_demo()
        self.setWindowTitle("Sign in to Access Desk")
        self.setWindowIcon(icon("access-desk"))
        self.setAccessibleName("Sign in")
        self.setMinimumWidth(500)
        last = last_upn()

        logo = QLabel()
        logo.setPixmap(icon("access-desk").pixmap(QSize(48, 48)))
        logo.setAccessibleName("Access Desk logo")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(label("Access Desk", "heading"))
        tenant = core.get_setting("tenant_name")
        titles.addWidget(label(f"Sign in to {tenant}" if tenant else "Sign in", "hint"))
        header = QHBoxLayout()
        header.setSpacing(14)
        header.addWidget(logo)
        header.addLayout(titles, 1)

        self.error = ErrorLabel(name="Sign-in error")
        self.sign_in_button = button("Sign in", kind="primary")
        self.sign_in_button.setDefault(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(14)
        layout.addLayout(header)
        self.person: QComboBox | None = None
        self.upn: QLineEdit | None = None
        self.password: QLineEdit | None = None
        if self.demo:
            layout.addWidget(DemoBanner())
            self.person = accessible(QComboBox(), "Sign in as",
                                     "Any enabled demo person; no password is asked")
            self.person.setEditable(True)
            self.person.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.person.setMinimumWidth(340)
            self.person.setMaxVisibleItems(14)
            self._fill_people(last)
            form.addRow(label("Sign in as", "question"), self.person)
            hint = label("A demo database asks for no password: pick anyone to see Access "
                         "Desk through their eyes.", "hint", wrap=True)
            layout.addLayout(form)
            layout.addWidget(hint)
        else:
            self.upn = accessible(QLineEdit(last), "User name")
            self.upn.setPlaceholderText("name@example.com")
            self.password = accessible(QLineEdit(), "Password")
            self.password.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(label("User name", "question"), self.upn)
            form.addRow(label("Password", "question"), self.password)
            layout.addLayout(form)
        if database:
            db = label(f"Database: {database}", "hint", wrap=True)
            db.setAccessibleName("Database")
            db.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(db)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        first = self.person or (self.password if last else self.upn)
        dialog_keys(self, first, self.sign_in_button, errors=[self.error])

    def _fill_people(self, last: str) -> None:
        assert self.person is not None
        try:
            people = auth.demo_people()
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        selected = 0
        for i, p in enumerate(people):
            roles = cast("list[str]", p["roles"])  # see auth.demo_people
            name = str(p["name"])
            what = ", ".join(ROLE_LABELS[r] for r in roles) or p["department"] or ""
            self.person.addItem(icon("users"), f"{name}  ·  {what}" if what else name,
                                p["upn"])
            self.person.setItemData(i, p["upn"], Qt.ItemDataRole.ToolTipRole)
            if p["upn"] == last or (not last and not selected and "global_admin" in roles):
                selected = i
        self.person.setCurrentIndex(selected)
        completer = self.person.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def chosen_upn(self) -> str:
        if self.person is not None:
            index = self.person.findText(self.person.currentText())
            data: Any = self.person.itemData(index) if index >= 0 else None
            return str(data or self.person.currentText())
        assert self.upn is not None
        return self.upn.text()

    def choose(self, upn: str) -> None:
        """Pick a person (demo) or type a user name, as a person would."""
        if self.person is not None:
            self.person.setCurrentIndex(max(0, self.person.findData(upn.lower())))
        elif self.upn is not None:
            self.upn.setText(upn)

    def on_buttons_accepted(self) -> None:
        upn = self.chosen_upn().strip()
        if not upn:
            self.error.show_message("Enter your user name.")
            return
        password = self.password.text() if self.password is not None else None
        try:
            self.user = auth.sign_in(upn, password)
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            if self.password is not None:
                self.password.clear()
                self.password.setFocus()
            return
        remember_upn(self.user.upn)
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None, database: str = "") -> User | None:
        dialog = cls(parent, database)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.user
