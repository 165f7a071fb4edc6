"""The keyboard every dialog shares: where the focus opens, what Enter does, when errors go."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTextEdit,
    QWidget,
)

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class Clearable(Protocol):
    def clear_message(self) -> None: ...


def open_at(first: QWidget | None, default: QPushButton | None) -> None:
    """Focus `first` (now, or when its window opens) and make `default` the button Enter presses.

    Call it again when a dialog shows another page or step."""
    if default is not None:
        # Unset first: a button marked default before it was inside the dialog never became
        # the dialog's own default, and setDefault(True) again would change nothing.
        default.setDefault(False)
        default.setDefault(True)
    if first is not None:
        first.setFocus(Qt.FocusReason.OtherFocusReason)


def press_default(dialog: QDialog) -> None:
    """What Enter does in a one-line field: press the dialog's default button (the focused
    button, when a button has the focus), if it is shown and enabled."""
    for candidate in dialog.findChildren(QPushButton):
        if candidate.isDefault() and candidate.isVisible():
            if candidate.isEnabled():
                candidate.click()
            return


def accept_button(buttons: QDialogButtonBox) -> QPushButton | None:
    """The button box's button that accepts (Save, Add, Select…)."""
    for candidate in buttons.buttons():
        if (buttons.buttonRole(candidate) == QDialogButtonBox.ButtonRole.AcceptRole
                and isinstance(candidate, QPushButton)):
            return candidate
    return None


def dialog_keys(dialog: QDialog, first: QWidget | None,
                default: QPushButton | QDialogButtonBox | None, *,
                errors: Iterable[Clearable] = ()) -> None:
    """Give a dialog the keyboard every dialog has: it opens with the focus in `first`; Enter
    presses `default` (a button, or a button box's accept button; from a multi-line field,
    where Enter starts a new line, Ctrl+Enter does, and Ctrl+Enter works everywhere); each of
    `errors` clears as soon as the person changes one of the dialog's inputs, since it spoke
    of what was there before.

    Call it at the end of the constructor, once every widget is inside the dialog."""
    if isinstance(default, QDialogButtonBox):
        default = accept_button(default)
    open_at(first, default)
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        shortcut = QShortcut(QKeySequence(keys), dialog)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(lambda: press_default(dialog))
    messages = list(errors)
    if messages:
        clear_on_edit(dialog, messages)


def clear_on_edit(container: QWidget, messages: list[Clearable]) -> None:
    """Clear `messages` whenever the person (not the program) changes an input of `container`."""

    def clear(*_args: object) -> None:
        for message in messages:
            message.clear_message()

    for edit in container.findChildren(QLineEdit):  # combo boxes' and date edits' too
        edit.textEdited.connect(clear)
    texts: list[QPlainTextEdit | QTextEdit] = [*container.findChildren(QPlainTextEdit),
                                               *container.findChildren(QTextEdit)]
    for text in texts:
        if not text.isReadOnly():
            text.textChanged.connect(clear)
    for combo in container.findChildren(QComboBox):
        combo.activated.connect(clear)
    for box in (*container.findChildren(QCheckBox), *container.findChildren(QRadioButton)):
        box.clicked.connect(clear)


class SearchListKeys(QObject):
    """A search box over a list, as the pickers have: Down (or Page Down) in the box moves into
    the list, Up from its first row back; Enter in the box or the list picks the current row
    or, with none, the only match.

    `pick(row)` gets the row, or -1 when nothing can be picked (no match, or several and none
    chosen) so the dialog can say what to do."""

    def __init__(self, search: QLineEdit, view: QAbstractItemView,
                 pick: Callable[[int], object]) -> None:
        super().__init__(search)
        self._search = search
        self._view = view
        self._pick = pick
        search.installEventFilter(self)
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()  # type: ignore[attr-defined]
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,  # type: ignore[attr-defined]
                                      Qt.KeyboardModifier.KeypadModifier)
        if not plain:
            return False
        if watched is self._search and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.enter_list()
            return True
        if (watched is self._view and key == Qt.Key.Key_Up
                and self._view.currentIndex().row() <= 0):
            self._search.setFocus(Qt.FocusReason.BacktabFocusReason)
            return True
        if key in ENTER_KEYS:
            self._apply_search()
            self._pick(self.row_to_pick())
            return True
        return False

    def _apply_search(self) -> None:
        # What was typed counts at once, not after the search's pause.
        apply = getattr(self._view.model(), "apply_search_now", None)
        if apply is not None:
            apply()

    def row_to_pick(self) -> int:
        model = self._view.model()
        current = self._view.currentIndex()
        if current.isValid():
            return current.row()
        return 0 if model.rowCount() == 1 else -1

    def enter_list(self) -> None:
        """Focus the list on its current row, or its first row that can be chosen."""
        self._apply_search()
        model = self._view.model()
        current = self._view.currentIndex()
        if not current.isValid():
            for row in range(model.rowCount()):
                index = model.index(row, 0)
                if model.flags(index) & Qt.ItemFlag.ItemIsEnabled:
                    self._view.setCurrentIndex(index)
                    break
        if model.rowCount():
            self._view.setFocus(Qt.FocusReason.TabFocusReason)
