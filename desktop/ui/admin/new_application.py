"""New application: the Admin console's `apps add`, with the same rules (services.applications)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPlainTextEdit, QWidget

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.ui.admin.widgets import form_dialog
from desktop.ui.common import ORIGIN_LABELS, SSO_LABELS, accessible, label
from desktop.ui.keys import dialog_keys

ROLES_HINT = ("Roles users can be given, one per line: a value, then optionally a colon and "
              "a display name (Sales.Rep:Sales representative). Leave empty for none.")
ORIGIN_HINT = ("Self-service is available for applications from the gallery, an application "
               "proxy, or user or admin consent.")


class NewApplicationDialog(QDialog):
    """Add an application: name, publisher, origin, single sign-on mode and roles.

    ``added`` holds the service's view of the new application once it is saved.
    """

    def __init__(self, parent: QWidget | None, actor: Any) -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self.added: dict[str, Any] | None = None
        form, self.error, buttons = form_dialog(self, "New application", "Add application")
        self.setMinimumWidth(520)
        self.name = accessible(QLineEdit(), "Name")
        self.name.setPlaceholderText("As users know it, e.g. Fabrikam CRM")
        self.publisher = accessible(QLineEdit(), "Publisher")
        self.publisher.setPlaceholderText("Optional")
        self.origin = accessible(QComboBox(), "Origin", ORIGIN_HINT)
        for value, text in ORIGIN_LABELS.items():
            self.origin.addItem(text, value)
        self.sso = accessible(QComboBox(), "Single sign-on mode")
        for value, text in SSO_LABELS.items():
            self.sso.addItem(text, value)
        self.sso.setCurrentIndex(self.sso.findData("none"))
        self.roles = accessible(QPlainTextEdit(), "Roles", ROLES_HINT)
        self.roles.setTabChangesFocus(True)
        self.roles.setFixedHeight(78)
        self.roles.setPlaceholderText("Sales.Rep:Sales representative\nSales.Manager")
        form.addRow("Name", self.name)
        form.addRow("Publisher", self.publisher)
        form.addRow("Origin", self.origin)
        form.addRow("", self._hint(ORIGIN_HINT))
        form.addRow("Single sign-on", self.sso)
        form.addRow("Roles", self.roles)
        form.addRow("", self._hint(ROLES_HINT))
        buttons.accepted.connect(self.on_buttons_accepted)
        dialog_keys(self, self.name, buttons, errors=[self.error])

    @staticmethod
    def _hint(text: str) -> QWidget:
        hint = label(text, "hint", wrap=True)
        hint.setAccessibleName(text)
        return hint

    def role_lines(self) -> list[str]:
        return [line.strip() for line in self.roles.toPlainText().splitlines() if line.strip()]

    def on_buttons_accepted(self) -> None:
        try:
            self.added = self.backend.call(
                "apps.add", name=self.name.text(),
                publisher=self.publisher.text().strip() or None,
                origin=self.origin.currentData(), sso=self.sso.currentData(),
                roles=self.role_lines())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, actor: Any) -> dict[str, Any] | None:
        """The new application's view, or None when the person cancelled."""
        dialog = cls(parent, actor)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.added
            return None
        finally:
            dialog.deleteLater()
