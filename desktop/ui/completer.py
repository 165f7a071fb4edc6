"""Suggestions for a line edit, asked from the database as the user types.

A list that can grow (applications, people) is never loaded whole into a ``QCompleter``: a
``SearchCompleter`` asks a *suggest* function for the text typed so far, a short while after
the last keystroke, and shows what it answers. The suggest function wraps one of the services'
``list_*`` calls, which match word prefixes in SQL and read at most ``MAX_SUGGESTIONS`` rows.

Usage::

    from desktop.services import applications
    from desktop.ui.completer import MAX_SUGGESTIONS, SearchCompleter

    def suggest(text):
        rows = applications.list_applications(actor, text, limit=MAX_SUGGESTIONS)
        return [row["name"] for row in rows]

    SearchCompleter(edit, suggest)          # edit: a QLineEdit; the completer is its child
    edit.editingFinished.connect(apply)     # typing + Enter, or choosing a suggestion

Behaviour:
  * only typing asks (``textEdited``), never a programmatic ``setText``; an empty text (or
    blanks) hides the popup and asks nothing;
  * keystrokes closer than ``SUGGEST_DELAY_MS`` apart are one question; ``suggest_now()``
    asks at once (tests);
  * the popup shows the answers as given (``UnfilteredPopupCompletion``): the database already
    filtered and ordered them; duplicates are dropped, at most ``MAX_SUGGESTIONS`` are kept;
  * an ``AccessDeskError`` from the suggest function hides the popup and is otherwise ignored:
    the field still works by typing the whole text;
  * choosing a suggestion (Down + Enter, or a click) puts it in the field and finishes the edit
    as Enter does: the line edit emits ``returnPressed`` then ``editingFinished``, and the
    completer ``chosen(text)``, once per choice. Enter while the popup is open but nothing is
    highlighted closes the popup and finishes the edit with the typed text, as Enter without
    the popup (Qt alone might take the first suggestion that starts with the typed text).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit

from desktop.errors import AccessDeskError

SUGGEST_DELAY_MS = 120  # after the last keystroke; a query costs a few milliseconds
MAX_SUGGESTIONS = 20  # rows asked for and shown
VISIBLE_SUGGESTIONS = 10  # rows the popup shows before it scrolls
POPUP_MAX_WIDTH = 560  # the popup may be wider than a narrow field, up to this
POPUP_PADDING = 2  # with the theme's 1-pixel border: the 3 pixels QCompleter leaves a side

Suggest = Callable[[str], list[str]]


class SearchCompleter(QCompleter):
    """A completer for `edit` whose suggestions come from `suggest(text)` as the user types."""

    chosen = Signal(str)  # a suggestion was picked and put in the field

    def __init__(self, edit: QLineEdit, suggest: Suggest, *,
                 name: str | None = None, delay_ms: int = SUGGEST_DELAY_MS) -> None:
        super().__init__(edit)
        self._edit = edit
        self._suggest = suggest
        self._model = QStringListModel(self)
        self.setModel(self._model)
        self.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setMaxVisibleItems(VISIBLE_SUGGESTIONS)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.suggest_now)
        self._popup().setAccessibleName(name or "Suggestions")
        # QCompleter sizes the popup for rows plus a 3-pixel frame; the theme's list padding
        # would take more and show a scroll bar over a short list.
        self._popup().setStyleSheet(f"QListView {{ padding: {POPUP_PADDING}px; }}")
        edit.setCompleter(self)
        self._in_enter = False  # an Enter key on the popup is being handled
        self._finished_with: str | None = None  # the text of the last editingFinished
        edit.textEdited.connect(self.on_edit_text_edited)
        edit.editingFinished.connect(self.on_edit_editing_finished)
        # the stubs declare one Signal for both overloads; [str] picks activated(QString)
        self.activated[str].connect(self.on_activated)  # type: ignore[index]

    def _popup(self) -> QAbstractItemView:
        popup = self.popup()
        assert popup is not None  # QCompleter makes its default list on first call
        return popup

    # --- what callers use ------------------------------------------------------------------

    def suggestions(self) -> list[str]:
        """What the popup offers now (the last answer of the suggest function)."""
        return self._model.stringList()

    def is_pending(self) -> bool:
        """True while a question waits for the typing to pause."""
        return self._timer.isActive()

    def suggest_now(self) -> None:
        """Ask for the field's current text at once and show the answers (or hide the popup)."""
        self._timer.stop()
        text = self._edit.text().strip()
        answers: list[str] = []
        if text:
            try:
                answers = list(dict.fromkeys(self._suggest(text)))[:MAX_SUGGESTIONS]
            except AccessDeskError:
                answers = []  # quietly: typing the whole text still works
        self._model.setStringList(answers)
        if not answers or not self._edit.hasFocus():
            self._popup().hide()
            return
        self.setCompletionPrefix(self._edit.text())
        self._fit_popup_width(answers)
        self.complete()

    # --- reactions -------------------------------------------------------------------------

    def on_edit_text_edited(self, text: str) -> None:
        if not text.strip():
            self._timer.stop()
            self._model.setStringList([])
            self._popup().hide()
            return
        self._timer.start()

    def on_activated(self, text: str) -> None:
        self._timer.stop()
        self._popup().hide()
        if self._edit.text() != text:
            self._edit.setText(text)
        if not self._in_enter:  # a click; Enter is finished in eventFilter
            self._finish_edit()
        self.chosen.emit(text)

    def on_edit_editing_finished(self) -> None:
        self._finished_with = self._edit.text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        popup = self.popup()
        if not (watched is popup and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and popup.isVisible()):
            return super().eventFilter(watched, event)
        self._timer.stop()
        if not popup.selectionModel().selectedIndexes():
            # Qt makes the first suggestion that starts with the typed text current without
            # highlighting it, and Enter would put it in the field: only a suggestion the
            # user highlighted is chosen, else Enter takes the typed text.
            popup.selectionModel().setCurrentIndex(
                QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
        # Qt's line edit finishes the edit itself on Enter with the popup open (Qt 6.11), or
        # leaves it to the completer, which only closes the popup (older Qt): finish it once,
        # with what the field holds after the popup is done.
        self._finished_with = None
        self._in_enter = True
        try:
            handled = super().eventFilter(watched, event)
        finally:
            self._in_enter = False
        popup.hide()
        if self._finished_with != self._edit.text():
            self._finish_edit()
        return handled

    # --- inside ----------------------------------------------------------------------------

    def _finish_edit(self) -> None:
        """What Enter in the line edit does: returnPressed, then editingFinished."""
        if self._edit.hasAcceptableInput():
            self._edit.returnPressed.emit()
            self._edit.editingFinished.emit()

    def _fit_popup_width(self, answers: list[str]) -> None:
        """As wide as the field, or as the longest suggestion: up to POPUP_MAX_WIDTH and the
        screen's right edge (QCompleter keeps only a popup as wide as the field on screen)."""
        popup = self._popup()
        widest = max(popup.fontMetrics().horizontalAdvance(a) for a in answers)
        extra = 48 + popup.verticalScrollBar().sizeHint().width()  # padding, frame, scroll bar
        width = min(widest + extra, POPUP_MAX_WIDTH)
        screen = self._edit.screen()
        if screen is not None:
            left = self._edit.mapToGlobal(QPoint(0, 0)).x()
            width = min(width, screen.availableGeometry().right() + 1 - left)
        popup.setMinimumWidth(max(self._edit.width(), width))
