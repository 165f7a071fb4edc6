"""Requesting one application: what it needs (approval, who approves) and a justification."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import AccessDeskError, for_people
from desktop.services import validators
from desktop.ui.common import Banner, ErrorLabel, app_icon, button, label, repolish
from desktop.ui.keys import dialog_keys


def approval_statement(preview: dict[str, Any]) -> str:
    """Whether approval is needed and who may give it, in a sentence (and, where access
    ends, how long it lasts: rule 18)."""
    lasts = f" Access lasts {preview['access_lasts']}." if preview.get("access_lasts") else ""
    return _approval(preview) + lasts


def _approval(preview: dict[str, Any]) -> str:
    if not preview["requires_approval"]:
        return (f"No approval is needed: {preview['app']} is added to your apps as soon as you "
                "submit.")
    names = [a["name"] for a in preview["approvers"]]
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} or {names[1]}"
    else:
        who = ", ".join(names[:-1]) + f" or {names[-1]}"
    one = "" if len(names) == 1 else " Any one of them can decide."
    return f"Approval is needed. {who} will be asked to approve your request.{one}"


class RequestDialog(QDialog):
    """Shows what a request for one application means, takes a justification, submits it.

    Signals:
        submitted(dict): the request the service created (status "approved" when no approval
            was needed, else "pending").
    """

    submitted = Signal(dict)

    def __init__(self, actor: Any, app_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor  # the person's row, or a backend (desktop/api/backend.py)
        self.backend = as_backend(actor)
        self.app_name = app_name
        self.setWindowTitle(f"Request {app_name}")
        self.setAccessibleName(f"Request {app_name}")
        self.setMinimumWidth(500)

        self.preview = self.backend.call("me.request_preview", app=app_name)

        heading_icon = QLabel()
        heading_icon.setPixmap(app_icon(app_name).pixmap(40, 40))
        heading_icon.setAccessibleName(f"{app_name} icon")
        title = label(app_name, "heading")
        publisher = label(f"by {self.preview['publisher']}" if self.preview["publisher"] else "",
                          "hint")
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(heading_icon, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(title)
        names.addWidget(publisher)
        top.addLayout(names, 1)

        description = label(self.preview["description"] or "", wrap=True)
        description.setVisible(bool(self.preview["description"]))

        self.approval = Banner("info", name="Approval")
        self.approval.show_text(approval_statement(self.preview),
                                "warning" if self.preview["requires_approval"] else "info")
        role = label(f"You will get the role {self.preview['role']}." if self.preview["role"]
                     else "", "hint", wrap=True)
        role.setVisible(bool(self.preview["role"]))

        self.justification = QPlainTextEdit()
        self.justification.setAccessibleName("Business justification")
        self.justification.setAccessibleDescription(
            f"Optional, at most {validators.MAX_JUSTIFICATION} characters")
        self.justification.setPlaceholderText(
            "Why do you need it? (optional; approvers read this)")
        self.justification.setFixedHeight(96)
        self.justification.setTabChangesFocus(True)
        self.counter = label(f"0 / {validators.MAX_JUSTIFICATION}", "hint")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.counter.setAccessibleName("Characters used")
        self.error = ErrorLabel(name="Request error")

        self.submit_button = button("Submit request", kind="primary",
                                    name="Submit request", tip="Submit request (Ctrl+Enter)")
        self.cancel_button = button("Cancel", name="Cancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(description)
        layout.addWidget(self.approval)
        layout.addWidget(role)
        justification_label = label("Business justification (optional)", "question")
        justification_label.setBuddy(self.justification)
        layout.addSpacing(4)
        layout.addWidget(justification_label)
        layout.addWidget(self.justification)
        layout.addWidget(self.counter)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._connect_signals()
        # Enter starts a new line of the justification; Ctrl+Enter submits.
        dialog_keys(self, self.justification, self.submit_button, errors=[self.error])

    def _connect_signals(self) -> None:
        self.justification.textChanged.connect(self.on_justification_text_changed)
        self.submit_button.clicked.connect(self.on_submit_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def on_justification_text_changed(self) -> None:
        length = len(self.justification.toPlainText().strip())
        self.counter.setText(f"{length} / {validators.MAX_JUSTIFICATION}")
        too_long = length > validators.MAX_JUSTIFICATION
        self.counter.setProperty("role", "error" if too_long else "hint")
        repolish(self.counter)
        self.submit_button.setEnabled(not too_long)

    def on_submit_button_clicked(self) -> None:
        try:
            view = self.backend.call("request.create", app_name=self.app_name,
                                     justification=self.justification.toPlainText())
        except AccessDeskError as exc:
            self.error.show_message(for_people(exc))
            return
        self.submitted.emit(view)
        self.accept()
