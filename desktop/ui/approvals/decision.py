"""The decision bar under a list an approver or reviewer decides from (Pending requests,
a review's people): what is selected, a reason, the two answers, the error; with the same
keys everywhere: Ctrl+Enter for the first answer, Del for the second."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.common import ErrorLabel, shortcut


def decision_bar(name: str, detail: QLabel, reason: QLineEdit, yes: QPushButton,
                 no: QPushButton, error: ErrorLabel) -> QFrame:
    actions = QHBoxLayout()
    actions.addWidget(reason, 1)
    actions.addWidget(yes)
    actions.addWidget(no)
    bar = QFrame()
    bar.setAccessibleName(name)
    box = QVBoxLayout(bar)
    box.setContentsMargins(0, 4, 0, 0)
    box.setSpacing(8)
    box.addWidget(detail)
    box.addLayout(actions)
    box.addWidget(error)
    return bar


def decision_keys(page: QWidget, yes: Callable[[], Any], no: Callable[[], Any]) -> list[Any]:
    """The shortcuts (keep them: a collected QShortcut stops working)."""
    return [shortcut(page, "Ctrl+Return", yes), shortcut(page, "Ctrl+Enter", yes),
            shortcut(page, QKeySequence.StandardKey.Delete, no)]
