"""Pieces the Admin console's pages share: the application list, a picker table, the boxed
form frame, the pages' splitter, a busy bar and the right alignment of number columns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.backend import as_backend
from desktop.errors import for_people
from desktop.resources import icon
from desktop.ui.common import (
    ORIGIN_LABELS,
    SSO_LABELS,
    EmptyState,
    ErrorLabel,
    SearchBox,
    app_icon,
    button,
    label,
    setup_table,
)
from desktop.ui.keys import SearchListKeys
from desktop.ui.tablemodel import Column, PagedTableModel

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
FORM_STYLE = ("QFrame#form { background-color: palette(base); border: 1px solid palette(mid); "
              "border-radius: 8px; }")


def busy_bar(name: str) -> QProgressBar:
    """A small indeterminate bar: something runs in the background."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setFixedSize(90, 8)
    bar.setAccessibleName(name)
    bar.hide()
    return bar


def form_frame() -> QFrame:
    """The white, rounded box a settings form sits in (self-service, properties, e-mail)."""
    frame = QFrame()
    frame.setObjectName("form")
    frame.setStyleSheet(FORM_STYLE)
    return frame


class ResponsiveSplitter(QSplitter):
    """Panes side by side while the splitter is at least `stack_below` pixels wide, one above
    the other when narrower: a narrow window stacks them instead of cramping both. Its
    minimum width is the widest pane's, so the window may be made that narrow."""

    def __init__(self, stack_below: int, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.stack_below = stack_below
        self.stretch: tuple[int, ...] = ()  # side by side, the panes' share of the width

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        panes = [w for i in range(self.count()) if (w := self.widget(i)) is not None]
        widest = max((w.minimumSizeHint().expandedTo(w.minimumSize()).width()
                      for w in panes if not w.isHidden()), default=hint.width())
        return QSize(min(hint.width(), widest), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        wanted = (Qt.Orientation.Vertical if event.size().width() < self.stack_below
                  else Qt.Orientation.Horizontal)
        if wanted != self.orientation():
            self.setOrientation(wanted)
            # The sizes were widths: shared out along the new direction instead (stacked
            # panes get equal heights; side by side, the widths the stretch factors give),
            # or the first pane keeps a width as its height (one row of a list).
            vertical = wanted == Qt.Orientation.Vertical
            total = event.size().height() if vertical else event.size().width()
            weights = [1 if vertical or i >= len(self.stretch) else max(1, self.stretch[i])
                       for i in range(self.count())]
            self.setSizes([total * w // sum(weights) for w in weights])
        super().resizeEvent(event)


def page_splitter(orientation: Qt.Orientation, *panes: QWidget, stretch: tuple[int, ...] = (),
                  sizes: tuple[int, ...] = (), stack_below: int | None = None) -> QSplitter:
    """Panes side by side (or stacked) that never collapse, split by an invisible handle.
    With `stack_below`, side-by-side panes stack when the page is narrower than that."""
    splitter = (ResponsiveSplitter(stack_below) if stack_below is not None
                and orientation == Qt.Orientation.Horizontal else QSplitter(orientation))
    splitter.setChildrenCollapsible(False)
    for pane in panes:
        splitter.addWidget(pane)
    for index, factor in enumerate(stretch):
        splitter.setStretchFactor(index, factor)
    if isinstance(splitter, ResponsiveSplitter):
        splitter.stretch = stretch
    if sizes:
        splitter.setSizes(list(sizes))
    splitter.setHandleWidth(9)
    splitter.setStyleSheet("QSplitter::handle { background-color: transparent; }")
    return splitter


class PickerTable(QTableView):
    """A table whose disabled rows still answer a click, so a picker can say why not.

    Signals:
      disabled_clicked(QModelIndex): a row that cannot be chosen was clicked.
    """

    disabled_clicked = Signal(QModelIndex)

    def mousePressEvent(self, event):  # noqa: N802 - Qt override
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and not index.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.disabled_clicked.emit(index)
        super().mousePressEvent(event)


SELF_SERVICE_STATES = {"on": "On", "off": "Off", "not_available": "Not available"}


def self_service_tooltip(row: dict[str, Any]) -> str | None:
    """Why an application cannot have self-service (rules 1-2, decided by the services)."""
    if row.get("self_service_state") != "not_available":
        return None
    return f"Self-service isn't available. {for_people(row.get('unavailable_reason'))}"


def application_columns(compact: bool = False) -> list[Column]:
    name = Column("name", "Name", icon=lambda row: app_icon(row["name"], row.get("icon")),
                  stretch=True, min_width=120 if compact else 160)
    if compact:
        return [name, Column("pending", "Pending", align=RIGHT,
                             tooltip="Requests waiting for a decision",
                             formatter=lambda v: str(v) if v else "")]
    return [
        name,
        Column("publisher", "Publisher"),
        Column("origin", "Origin", formatter=lambda v: ORIGIN_LABELS.get(v, v or ""),
               icon=lambda row: icon(f"origin-{row['origin']}"),
               samples=tuple(ORIGIN_LABELS.values()),
               tooltip="How the application was added to the directory"),
        Column("sso", "SSO mode", formatter=lambda v: SSO_LABELS.get(v, v or ""),
               samples=tuple(SSO_LABELS.values()), tooltip="Single sign-on mode"),
        Column("self_service_state", "Self-service", sort_key="self_service",
               formatter=lambda v: SELF_SERVICE_STATES.get(v, ""),
               samples=tuple(SELF_SERVICE_STATES.values()),
               cell_tooltip=self_service_tooltip,
               tooltip="Whether users may request this application from My Apps"),
        Column("pending", "Pending", align=RIGHT, tooltip="Requests waiting for a decision",
               formatter=lambda v: str(v) if v else "–"),
    ]


class ApplicationList(QWidget):
    """A searchable list of applications, paged from the services.

    Signals:
      application_selected(object): the selected row (a dict) or None.
      application_opened(object): Enter on a row (or on the only match of a search).
    """

    application_selected = Signal(object)
    application_opened = Signal(object)

    def __init__(self, actor: Any, parent: QWidget | None = None, *, compact: bool = False,
                 self_service_only: bool = False, name: str = "Applications") -> None:
        super().__init__(parent)
        self.actor = actor
        self.backend = as_backend(actor)
        self._self_service_only = self_service_only
        self.search = SearchBox("Search applications by name or publisher",
                                f"Search {name.lower()}")
        self.error = ErrorLabel(name=f"{name} error")
        self.model = PagedTableModel(application_columns(compact), self._fetch, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        setup_table(self.view, name)  # widths: application_columns' declarations
        self.empty = EmptyState("No application matches this search.")
        self.empty.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        self._connect_signals()
        self._update_empty()

    def _connect_signals(self) -> None:
        self.model.follow_search(self.search)
        self.model.loaded.connect(self.on_model_loaded)
        self.model.error_raised.connect(self.error.show_message)
        self.view.selectionModel().currentRowChanged.connect(self.on_view_current_changed)
        # Down from the search box into the list; Enter opens the current row or the only match.
        SearchListKeys(self.search, self.view, self.on_row_picked)

    def _fetch(self, offset: int, limit: int, search: str | None,
               sort: str | None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.backend.call(
            "admin.apps", search=search, limit=limit, offset=offset, sort=sort,
            self_service_only=self._self_service_only)
        return rows

    def current(self) -> dict[str, Any] | None:
        return self.model.row_at(self.view.currentIndex())

    def select_id(self, app_id: int) -> bool:
        row = self.model.row_of(app_id)
        while row < 0 and self.model.canFetchMore():
            self.model.fetchMore()
            row = self.model.row_of(app_id)
        if row < 0:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def select_name(self, name: str) -> bool:
        """Select an application by name, searching for it in SQL when it is not loaded."""
        if self._select_loaded(name):
            return True
        self.search.setText(name)
        self.model.apply_search_now()
        return self._select_loaded(name)

    def _select_loaded(self, name: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_data(row)["name"] == name:
                self.view.selectRow(row)
                return True
        return False

    def refresh(self) -> None:
        self.model.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def on_model_loaded(self) -> None:
        if self.model.last_error is None:
            self.error.clear_message()
        self._update_empty()
        if not self.view.currentIndex().isValid():
            self.application_selected.emit(None)

    def on_row_picked(self, row: int) -> None:
        if row < 0:
            return
        self.view.selectRow(row)
        self.application_opened.emit(self.model.row_data(row))

    def on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.application_selected.emit(
            self.model.row_data(current.row()) if current.isValid() else None)

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0 and self.model.last_error is None
        self.empty.setVisible(empty)
        if empty and self._self_service_only and not self.model.search_text:
            self.empty.setText("No application has self-service set up yet.")
        elif empty:
            self.empty.setText("No application matches this search.")


def form_dialog(dialog: QDialog, title: str, confirm: str) -> tuple[QFormLayout, ErrorLabel,
                                                                     QDialogButtonBox]:
    """A dialog's shell: its title as a question, a form to fill, an error line and its
    buttons (confirm, Cancel). Used by every add/change dialog of the Admin console."""
    dialog.setWindowTitle(title)
    dialog.setAccessibleName(title)
    dialog.setMinimumWidth(480)
    form = QFormLayout()
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(10)
    error = ErrorLabel(name=f"{title} error")
    buttons = QDialogButtonBox()
    buttons.addButton(button(confirm, kind="primary"), QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(button("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(20, 18, 20, 16)
    layout.setSpacing(12)
    layout.addWidget(label(title, "question"))
    layout.addLayout(form)
    layout.addWidget(error)
    layout.addWidget(buttons)
    return form, error, buttons
