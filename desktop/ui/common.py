"""Small shared widgets: search box, inline messages, yes/no switch, dialogs, table setup."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.resources import icon
from desktop.ui.appicons import app_icon  # noqa: F401 - where the windows import it from
from desktop.ui.celldelegate import FastCellDelegate
from desktop.ui.columnfit import fit_columns
from desktop.ui.keys import dialog_keys
from desktop.ui.tablemodel import Column, PagedTableModel

W = TypeVar("W", bound=QWidget)


def accessible(widget: W, name: str, description: str | None = None) -> W:
    """Give a control the name a screen reader says (and a description where it helps)."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def label(text: str, role: str | None = None, *, wrap: bool = False) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setAccessibleName(text)
    return widget


def button(text: str, icon_name: str | None = None, *, kind: str | None = None,
           name: str | None = None, tip: str | None = None) -> QPushButton:
    widget = QPushButton(text)
    if icon_name:
        widget.setIcon(icon(icon_name))
    if kind:
        widget.setProperty("kind", kind)
    widget.setAccessibleName(name or text.replace("&", "").rstrip("…."))
    if tip:
        widget.setToolTip(tip)
    return widget


def transparent(widget: W) -> W:
    """A layout-only container: let its parent's background show (the stylesheet paints all
    QWidgets, which puts grey bands inside white forms)."""
    widget.setObjectName("plain")
    widget.setStyleSheet("QWidget#plain { background-color: transparent; }")
    return widget


def name_clear_button(edit: QLineEdit) -> None:
    """setClearButtonEnabled adds an unnamed tool button; screen readers should say what it does."""
    from PySide6.QtWidgets import QToolButton

    for child in edit.findChildren(QToolButton):
        if not child.accessibleName():
            child.setAccessibleName(f"Clear {edit.accessibleName() or 'the field'}".strip())


def repolish(widget: QWidget) -> None:
    """Apply a changed dynamic property's style rules at once."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class SearchBox(QLineEdit):
    """A search field (stylesheet role "search"); Esc clears it."""

    def __init__(self, placeholder: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "search")
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setAccessibleName(name)
        name_clear_button(self)
        self.setToolTip(f"{placeholder} (Ctrl+F)")
        self.setMinimumWidth(180)

    def event(self, event):
        # Esc clears a search before it reaches the window's Esc (discard) shortcut.
        if (event.type() == QEvent.Type.ShortcutOverride
                and event.key() == Qt.Key.Key_Escape and self.text()):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event):  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class MessageLabel(QLabel):
    """An inline message (error or hint) that hides itself while empty."""

    def __init__(self, role: str = "error", name: str = "Message",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", role)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(name)
        self.hide()

    def show_message(self, text: str | None, role: str | None = None) -> None:
        if role and role != self.property("role"):
            self.setProperty("role", role)
            repolish(self)
        window = self.window()
        if (text and self.isHidden() and isinstance(window, QDialog) and window.isVisible()
                and window.property(HEIGHT_BEFORE_MESSAGE) is None):
            window.setProperty(HEIGHT_BEFORE_MESSAGE, window.height())
        self.setText(text or "")
        self.setAccessibleDescription(text or "")
        self.setVisible(bool(text))
        fit_dialog_height(window)

    def clear_message(self) -> None:
        self.show_message(None)


HEIGHT_BEFORE_MESSAGE = "height_before_message"


def fit_dialog_height(window: QWidget) -> None:
    """Grow a dialog to the height its content needs at its width, and give the height back
    once its message is gone. A top-level window sizes itself without asking wrapped labels
    how tall they get, so a long message would otherwise squeeze the fields above it."""
    layout = window.layout()
    if not isinstance(window, QDialog) or layout is None or not window.isVisible():
        return
    layout.activate()
    needed = max(window.heightForWidth(window.width()), layout.minimumSize().height())
    before = window.property(HEIGHT_BEFORE_MESSAGE)
    if needed > window.height():
        window.resize(window.width(), needed)
    elif before is not None and window.height() > max(needed, before):
        window.resize(window.width(), max(needed, before))
    if before is not None and needed <= before:
        window.setProperty(HEIGHT_BEFORE_MESSAGE, None)


class ErrorLabel(MessageLabel):
    """The service's own message, shown where the action was tried."""

    def __init__(self, parent: QWidget | None = None, name: str = "Error") -> None:
        super().__init__("error", name, parent)


class Banner(QFrame):
    """A boxed notice with an icon: an explanation that stays (a disabled page, a conflict)."""

    def __init__(self, icon_name: str = "info", parent: QWidget | None = None,
                 name: str = "Notice") -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._icon = QLabel()
        self._icon.setPixmap(icon(icon_name).pixmap(QSize(22, 22)))
        self._icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._icon.setAccessibleName(f"{name} icon")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addWidget(self._icon)
        layout.addWidget(self.text, 1)
        self.setAccessibleName(name)
        self.set_tone("info")

    def set_tone(self, tone: str) -> None:
        """'info' (blue), 'warning' (amber) or 'error' (red)."""
        if self.property("tone") == tone:
            return  # a style sheet set again re-lays the whole window out and repaints it
        colours = {"info": ("#e8f1fb", "#90b4e0", "info"),
                   "success": ("#e8f5e9", "#81c784", "verify"),
                   "warning": ("#fff4d6", "#f0b429", "warning"),
                   "error": ("#fdecea", "#e57373", "warning")}
        back, border, icon_name = colours.get(tone, colours["info"])
        self.setProperty("tone", tone)
        self.setStyleSheet(
            f"QFrame#banner {{ background-color: {back}; border: 1px solid {border}; "
            f"border-left: 4px solid {border}; border-radius: 6px; }}"
            "QFrame#banner QLabel { background-color: transparent; color: #263238; }")
        self._icon.setPixmap(icon(icon_name, dark=False).pixmap(QSize(22, 22)))

    def show_text(self, text: str | None, tone: str = "info") -> None:
        self.set_tone(tone)
        self.text.setText(text or "")
        self.setAccessibleDescription(text or "")
        self.setVisible(bool(text))


class DemoBanner(QLabel):
    """The "Demo directory" marker every window shows on a demo database."""

    TEXT = "Demo directory: sample people and applications; nothing here is real."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.TEXT, parent)
        self.setProperty("role", "banner-demo")
        self.setWordWrap(True)
        self.setAccessibleName("Demo directory")
        self.setAccessibleDescription(self.TEXT)


class EmptyState(QLabel):
    """What a list says when it has nothing to show, centred and calm: `text`, or `no_match`
    while a search finds nothing."""

    def __init__(self, text: str, parent: QWidget | None = None, *,
                 no_match: str | None = None) -> None:
        super().__init__(text, parent)
        self.nothing_text = text
        self.no_match_text = no_match
        self.setProperty("role", "hint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAccessibleName(text)

    def say(self, searching: bool) -> None:
        self.setText(self.no_match_text if searching and self.no_match_text
                     else self.nothing_text)

    def stand_in_for(self, view: QWidget, model: PagedTableModel) -> None:
        """Shown instead of `view` while `model` has no rows (call it on `loaded`)."""
        nothing = model.rowCount() == 0
        view.setVisible(not nothing)
        self.say(bool(model.search_text))
        self.setVisible(nothing)


class YesNo(QWidget):
    """Entra's Yes/No switch: two checkable buttons side by side.

    Signals:
      toggled(bool): the value changed (by the user or by set_value).
    """

    toggled = Signal(bool)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.yes = QPushButton("Yes")
        self.no = QPushButton("No")
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for b, text in ((self.yes, "Yes"), (self.no, "No")):
            b.setCheckable(True)
            b.setObjectName(text.lower())
            b.setMinimumWidth(64)
            b.setAccessibleName(f"{name}: {text}")
            self._group.addButton(b)
        self.no.setChecked(True)
        self.yes.setFixedWidth(84)
        self.no.setFixedWidth(84)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.yes)
        layout.addWidget(self.no)
        layout.addStretch(1)
        self.setAccessibleName(name)
        self.setObjectName("plain")
        self.setStyleSheet(
            "QWidget#plain { background-color: transparent; }"
            "QPushButton { border-radius: 0px; padding: 5px 14px; }"
            "QPushButton#yes { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }"
            "QPushButton#no { border-top-right-radius: 6px; "
            "border-bottom-right-radius: 6px; border-left: none; }"
            "QPushButton:checked { background-color: #1565c0; color: #ffffff; "
            "border-color: #1565c0; font-weight: bold; }"
            "QPushButton:checked:disabled { background-color: #a9c3e3; color: #eef4fb; "
            "border-color: #a9c3e3; }")
        self.yes.toggled.connect(self.on_yes_toggled)

    def value(self) -> bool:
        return self.yes.isChecked()

    def set_value(self, value: bool) -> None:
        (self.yes if value else self.no).setChecked(True)

    def on_yes_toggled(self, checked: bool) -> None:
        self.toggled.emit(checked)


class ConfirmDialog(QDialog):
    """"Are you sure?" for actions that take something away. Tests replace `ask`."""

    def __init__(self, parent: QWidget | None, title: str, text: str, confirm: str,
                 danger: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(420)
        message = label(text, wrap=True)
        buttons = QDialogButtonBox()
        self.confirm_button = button(confirm, kind="danger" if danger else "primary")
        cancel = button("Cancel")
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(16)
        layout.addWidget(label(title, "question"))
        layout.addWidget(message)
        layout.addWidget(buttons)
        # Enter confirms, unless what is confirmed cannot be undone: then Enter cancels.
        default = cancel if danger else self.confirm_button
        dialog_keys(self, default, default)

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str, confirm: str,
            danger: bool = False) -> bool:
        return cls(parent, title, text, confirm, danger).exec() == QDialog.DialogCode.Accepted


def dialog_buttons(dialog: QDialog, confirm: QPushButton) -> QDialogButtonBox:
    """`confirm` (accepts) and Cancel (rejects), in the platform's order."""
    buttons = QDialogButtonBox()
    buttons.addButton(confirm, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class ReasonDialog(QDialog):
    """Asks for a reason the requester will read (closing a request). Tests replace `ask`."""

    def __init__(self, parent: QWidget | None, title: str, text: str, confirm: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(460)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("The requester sees this reason")
        self.reason.setAccessibleName("Reason")
        self.reason.setFixedHeight(90)
        self.confirm_button = button(confirm, kind="primary", tip=f"{confirm} (Ctrl+Enter)")
        buttons = dialog_buttons(self, self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(label(title, "question"))
        layout.addWidget(label(text, wrap=True))
        layout.addWidget(self.reason)
        layout.addWidget(buttons)
        # Enter starts a new line of the reason; Ctrl+Enter closes the request.
        self.reason.setTabChangesFocus(True)
        dialog_keys(self, self.reason, self.confirm_button)

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str, confirm: str) -> str | None:
        dialog = cls(parent, title, text, confirm)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason.toPlainText()


def setup_table(view: QTableView, name: str, *, stretch: int | None = 0,
                sort_column: int | None = None,
                sort_order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
    """The one look of Access Desk's tables: whole rows, one selection, sortable headers.

    Cells of a ``PagedTableModel`` are painted by ``FastCellDelegate`` straight from the
    model's cache (any other model, whenever it is set, is painted as Qt's own delegate
    does); a delegate the caller installed before is kept. Its columns are sized from their
    declarations (``desktop.ui.columnfit``); `stretch` is the free-text column that takes the
    spare width when no ``Column`` says ``stretch=True``."""
    view.setAccessibleName(name)
    if type(view.itemDelegate()) is QStyledItemDelegate:
        view.setItemDelegate(FastCellDelegate(view))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setIconSize(QSize(20, 20))
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(32)
    header = view.horizontalHeader()
    header.setAccessibleName(f"{name}: column headers (click to sort)")
    view.verticalHeader().setAccessibleName(f"{name}: row numbers")
    for corner in view.findChildren(QAbstractButton):
        corner.setAccessibleName(f"{name}: select all")
    header.setHighlightSections(False)
    if view.model() is not None:
        # The header paints each section asking whether the columns beside it are wholly
        # selected (QHeaderView::initStyleOptionForIndex), whatever setHighlightSections
        # says: a few calls into the Python model per selected row, 36,000 for a header
        # with 1,000 rows selected, each taking the interpreter from a worker (a bulk
        # decision) meanwhile. Whole rows are selected here, never columns: the header
        # asks a selection of its own, always empty. (setModel gives it the view's again.)
        header.setSelectionModel(QItemSelectionModel(view.model(), header))
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setMinimumSectionSize(60)
    # Set the indicator before enabling sorting: enabling sorts by it at once, in SQL.
    header.setSortIndicator(-1 if sort_column is None else sort_column, sort_order)
    view.setSortingEnabled(True)
    if fit_columns(view, stretch) is None and stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)


T = TypeVar("T")


def busy(work: Callable[[], T]) -> T:
    """Run `work` in the GUI thread under a wait cursor (painted before it starts)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    QApplication.processEvents()
    try:
        return work()
    finally:
        QGuiApplication.restoreOverrideCursor()


def shortcut(parent: QWidget, keys: QKeySequence | QKeySequence.StandardKey | str,
             slot: Callable[[], object], context: Qt.ShortcutContext =
             Qt.ShortcutContext.WidgetWithChildrenShortcut) -> QShortcut:
    sc = QShortcut(QKeySequence(keys), parent)
    sc.setContext(context)
    sc.activated.connect(slot)
    return sc


ORIGIN_LABELS = {"gallery": "Gallery", "app_proxy": "Application proxy",
                 "consent": "User/admin consent", "custom": "Custom"}
SSO_LABELS = {"password": "Password", "saml": "SAML", "oidc": "OpenID Connect", "none": "None"}
LICENSE_LABELS = {"none": "None", "p1": "Entra ID P1", "p2": "Entra ID P2"}
ROLE_LABELS = {"global_admin": "Global Administrator",
               "cloud_app_admin": "Cloud Application Administrator",
               "app_admin": "Application Administrator"}
STATUS_LABELS = {"pending": "Pending", "approved": "Approved", "denied": "Denied",
                 "cancelled": "Cancelled", "closed": "Closed", "expired": "Expired"}
STATUS_ICONS = {"pending": "info", "approved": "approve", "denied": "deny",
                "cancelled": "cancel", "closed": "cancel", "expired": "warning"}


def status_column() -> Column:
    """A request's status, in words and with its icon (My requests, the Approvals history)."""
    return Column("status", "Status", formatter=lambda v: STATUS_LABELS.get(v, v or ""),
                  icon=lambda row: icon(STATUS_ICONS.get(row["status"], "info")),
                  samples=tuple(STATUS_LABELS.values()))


def when(iso_text: str | None) -> str:
    """'2026-10-14T06:00:02Z' -> '2026-10-14 06:00 UTC' for tables."""
    if not iso_text:
        return ""
    return iso_text.replace("T", " ")[:16] + " UTC"


def scrolling_column(widgets: list[QWidget], name: str) -> QScrollArea:
    """Widgets stacked top-down in a frameless scroll area (a long form on a short screen)."""
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.setContentsMargins(0, 0, 4, 0)
    layout.setSpacing(10)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(body)
    scroll.setAccessibleName(name)
    return scroll
