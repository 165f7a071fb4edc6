"""One paged, SQL-backed table model for every list in Access Desk that can grow.

A ``PagedTableModel`` holds only the rows a view has asked for. It never filters or sorts
in Python: it calls a *fetch* function (a thin wrapper round one of the services' ``list_*``
functions) with an offset, a limit, the search text and a sort key, and the service turns
those into SQL (``WHERE``, ``ORDER BY``, ``LIMIT``/``OFFSET``), applying the reader's rights.

Usage::

    from desktop.services import applications
    from desktop.ui.tablemodel import Column, PagedTableModel

    def fetch(offset, limit, search, sort):
        return applications.list_applications(actor, search, limit=limit, offset=offset,
                                              sort=sort)

    model = PagedTableModel(
        [Column("name", "Name", icon=lambda row: icon("application")),
         Column("publisher", "Publisher"),
         Column("self_service", "Self-service", formatter=lambda v: "On" if v else "Off")],
        fetch, parent=view)
    view.setModel(model)              # QTableView/QListView/QTreeView
    model.follow_search(search_box)    # a QLineEdit: debounced 150 ms, Enter at once
    feed.requests_changed.connect(model.refresh)       # re-query, selection kept by "id"

Contract of ``fetch(offset, limit, search, sort) -> list[dict]``:
  * ``search`` is ``None`` or a non-empty stripped string;
  * ``sort`` is ``None`` (the service's own order) or a column's ``sort_key`` (its ``key``
    unless given), prefixed with ``-`` for descending;
  * it returns at most ``limit`` dicts; fewer than ``limit`` means "no more rows";
  * an ``AccessDeskError`` it raises is caught: the model keeps what it had, stores the
    message in ``last_error`` and emits ``error_raised(str)`` for the window to show inline.

Rows are dicts; ``id_key`` (default ``"id"``) identifies a row across re-queries, so a
``refresh()`` keeps the view's selection and current row on the same objects. ``row_data(row)``
gives the dict back, ``row_at(index)`` the dict at a view's index (None if invalid),
``id_at(row)`` its id, ``row_of(id)`` the reverse. ``Qt.UserRole``
(``ROW_ROLE``) returns the whole dict for delegates; ``VALUE_ROLE`` the raw value of a cell.

What a cell shows is made once per loaded row and kept: ``cell(row, column)`` gives its
``(text, icon)``, ``alignment(column)`` its text alignment and ``is_row_enabled(row)`` whether
the row can be chosen. ``data()`` answers from the same cache, and ``FastCellDelegate``
(``desktop.ui.celldelegate``) paints from it without a round trip through ``data()``.

Signals:
  loaded(): after the first page was (re)loaded: a search, a sort or a refresh finished.
  error_raised(str): a fetch was refused; the message is the service's own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon

from desktop.errors import AccessDeskError, for_people
from desktop.ui import staleness
from desktop.ui.workers import run_task

# A page fills a tall window twice over; more rows come as the view scrolls (fetchMore).
PAGE_SIZE = 100
SEARCH_DEBOUNCE_MS = 150
ROW_ROLE = Qt.ItemDataRole.UserRole
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ANSWERED = frozenset({_DISPLAY, _ACCESSIBLE_TEXT, _DECORATION, _ALIGNMENT, _TOOLTIP,
                       int(ROW_ROLE), int(VALUE_ROLE)})
# GatedTableModel.flags() runs for every visible cell at each paint: its answers made once.
_CHOOSABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NOT_CHOOSABLE = Qt.ItemFlag.NoItemFlags

Row = dict[str, Any]
Fetch = Callable[[int, int, "str | None", "str | None"], list[Row]]
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column: which dict key it shows, its header, and how a cell looks.

    ``formatter(value) -> str`` turns the raw value into text (default: ``None`` -> "",
    ``bool`` -> "Yes"/"No", anything else ``str``); ``icon(row) -> QIcon | None`` decorates
    the cell; ``align`` is a ``Qt.AlignmentFlag``; ``tooltip`` is the header's tool tip;
    ``sort_key`` is what ``fetch`` receives when sorting by this column (default ``key``);
    ``cell_tooltip(row) -> str | None`` is a cell's own tool tip (e.g. why it says "Not
    available"), shown instead of its text.

    Width (``desktop.ui.columnfit``, installed by ``setup_table``): a column is as wide as
    its header and its texts on the first page, and at least as wide as each of ``samples``
    (the labels of a fixed set, a formatted time: what may come on a later page), between
    ``min_width`` and ``max_width`` pixels. A ``stretch`` column holds free text
    (a description, a reason): it takes the width the others leave, and gives it up first;
    the ``primary`` column (what the row is: the application, the person) gives it up last.
    """

    key: str
    title: str
    tooltip: str | None = None
    sortable: bool = True
    align: Qt.AlignmentFlag | None = None
    formatter: Callable[[Any], str] | None = None
    icon: Callable[[Row], QIcon | None] | None = None
    sort_key: str | None = None
    cell_tooltip: Callable[[Row], str | None] | None = None
    stretch: bool = False
    primary: bool = False
    samples: tuple[str, ...] = ()
    min_width: int = 0
    max_width: int = 320

    def text(self, row: Row) -> str:
        value = row.get(self.key)
        if self.formatter is not None:
            return self.formatter(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


class PagedTableModel(QAbstractTableModel):
    """Rows fetched a page at a time from a service; filtering and sorting happen in SQL.

    Signals:
      loaded(): the first page was (re)loaded after a search, sort or refresh.
      error_raised(str): the service refused a fetch; ``last_error`` holds the message.
    """

    loaded = Signal()
    error_raised = Signal(str)

    def __init__(
        self,
        columns: Sequence[Column],
        fetch: Fetch,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
        id_key: str = "id",
        debounce_ms: int = SEARCH_DEBOUNCE_MS,
        sort: str | None = None,
        row_enabled: Callable[[Row], bool] | None = None,
        row_tooltip: Callable[[Row], str | None] | None = None,
        autoload: bool = True,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fetch = fetch
        self._page_size = max(1, page_size)
        self._id_key = id_key
        if row_enabled is not None and not isinstance(self, GatedTableModel):
            raise TypeError("a model whose rows may be disabled is a GatedTableModel")
        self._row_enabled = row_enabled
        self._row_tooltip = row_tooltip
        self._alignments = [int(c.align) if c.align is not None else None for c in self._columns]
        self._rows: list[Row] = []
        self._cells: dict[int, list[tuple[str, QIcon | None]]] = {}
        self._exhausted = False
        self._search: str | None = None
        self._pending_search: str | None = None
        self._sort = sort
        self.last_error: str | None = None
        # Rows painted since the last refresh (cell() is asked for what is on screen), and
        # what that refresh re-read: a refresh re-reads no further.
        self._seen_end = 0
        self._last_end = 0
        # Bumped by every refresh and reload: a background read answering an older one is
        # dropped. `background_reads` counts the reads sent to the pool (tests, bench/).
        self._generation = 0
        self._pending: tuple[int, int] | None = None
        self.background_reads = 0
        self._replacing = False
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(debounce_ms)
        self._search_timer.timeout.connect(self.on_search_timer_timeout)
        if autoload:
            self.reload()

    # --- what callers use ------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def search_text(self) -> str | None:
        return self._search

    @property
    def sort_key(self) -> str | None:
        return self._sort

    @property
    def exhausted(self) -> bool:
        """True once the service returned a short page: every row is loaded."""
        return self._exhausted

    def column_index(self, key: str) -> int:
        for i, column in enumerate(self._columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def row_data(self, row: int) -> Row:
        return self._rows[row]

    def row_at(self, index: Index) -> Row | None:
        """The dict of the row an index points at (a view's ``currentIndex()``), or None."""
        return self._rows[index.row()] if index.isValid() else None

    def id_at(self, row: int) -> Any:
        return self._rows[row].get(self._id_key)

    def row_of(self, row_id: Any) -> int:
        """The row holding the object with this id among the loaded rows, or -1."""
        for i, row in enumerate(self._rows):
            if row.get(self._id_key) == row_id:
                return i
        return -1

    def rows(self) -> list[Row]:
        """The loaded rows (a copy of the list; the dicts are the model's own)."""
        return list(self._rows)

    def cell(self, row: int, column: int) -> tuple[str, QIcon | None]:
        """The text and icon (or None) a cell shows: what ``data()`` answers for the display
        and decoration roles, made once per loaded row and kept until rows are replaced."""
        data = self._rows[row]
        if row >= self._seen_end:
            self._seen_end = row + 1
        # Keyed by the dict itself: a fetchMore or a layout change moves rows, not their cells.
        cells = self._cells.get(id(data))
        if cells is None:
            cells = self._cells[id(data)] = [
                (c.text(data), c.icon(data) if c.icon is not None else None)
                for c in self._columns
            ]
        return cells[column]

    def alignment(self, column: int) -> int | None:
        """The column's text alignment (``Qt.AlignmentFlag`` as an int), or None for the
        view's default (left, vertically centred)."""
        return self._alignments[column]

    def is_row_enabled(self, row: int) -> bool:
        """Whether the row can be chosen (``row_enabled``); a disabled row is drawn greyed."""
        return self._row_enabled is None or bool(self._row_enabled(self._rows[row]))

    def set_fetch(self, fetch: Fetch, *, reload: bool = True) -> None:
        """Point the model at another query (e.g. another application's access list)."""
        self._fetch = fetch
        if reload:
            self.reload()

    def set_search(self, text: str | None) -> None:
        """Search as the user types: applied 150 ms after the last keystroke, then reset."""
        self._pending_search = (text or "").strip() or None
        self._search_timer.start()

    def follow_search(self, box: Any) -> None:
        """Filter as `box` (a QLineEdit) is typed in, debounced; Enter searches at once."""
        box.textChanged.connect(self.set_search)
        box.returnPressed.connect(self.apply_search_now)

    def apply_search_now(self) -> None:
        """Apply a pending search at once (Enter in the search box; tests)."""
        if self._search_timer.isActive():
            self._search_timer.stop()
            self.on_search_timer_timeout()

    def set_sort(self, sort: str | None) -> None:
        """Sort by a service sort key ('-' prefix for descending), keeping the selection."""
        if sort != self._sort:
            self._sort = sort
            self.refresh()

    def reload(self) -> None:
        """Forget every row and load the first page (a model reset: selections are cleared)."""
        self._generation += 1
        self._seen_end = self._last_end = 0
        rows, error = self._query(0, self._page_size)
        self.beginResetModel()
        self._rows = rows if error is None else []
        self._cells.clear()
        self._exhausted = error is not None or len(rows) < self._page_size
        self.endResetModel()
        self.loaded.emit()

    def refresh(self) -> None:
        """Re-query the rows from the top down to the last one on screen or selected (whole
        pages); the view's selection stays on the same ids and its scroll position holds. Rows
        loaded below them are dropped: the view fetches them again when scrolled to.

        In a refresh the live feed triggered for a page on screen (``desktop.ui.staleness``),
        the query runs on the worker pool and the rows are swapped in on the GUI thread."""
        limit = self._refresh_limit()
        self._generation += 1
        if staleness.in_background() and self._can_read_in_background():
            generation, search, sort = self._generation, self._search, self._sort
            self.background_reads += 1
            run_task(lambda: list(self._fetch(0, limit, search, sort)),
                     succeeded=self._on_background_succeeded,
                     failed=self._on_background_failed)
            self._pending = (generation, limit)
            return
        new_rows, error = self._query(0, limit)
        if error is not None:
            return
        self._apply_refresh(new_rows, limit)

    def _refresh_limit(self) -> int:
        """How many rows a refresh re-reads: those painted since the last refresh (or, none
        painted yet, as many as that one read) and the selected ones, in whole pages."""
        end = self._seen_end or self._last_end
        for index in self.persistentIndexList():
            end = max(end, index.row() + 1)
        end = min(end, len(self._rows))
        self._last_end, self._seen_end = end, 0
        pages = max(1, -(-end // self._page_size))
        return pages * self._page_size

    def _apply_refresh(self, new_rows: list[Row], limit: int) -> None:
        self._replacing = True
        try:
            self._replace(new_rows)
        finally:
            self._replacing = False
        self._exhausted = len(new_rows) < limit
        self.loaded.emit()

    def _can_read_in_background(self) -> bool:
        # An in-memory database is seen by one connection only: a worker's would be empty.
        # Without a database in this process (a remote desktop) the server is read.
        models = sys.modules.get("desktop.models")
        if models is None:
            return True
        db = models.database_proxy.obj
        return db is not None and db.database not in ("", ":memory:")

    def _on_background_succeeded(self, rows: object) -> None:
        pending, self._pending = self._pending, None
        # A later refresh, reload, search or sort made this answer stale: it is dropped.
        if pending is None or pending[0] != self._generation:
            return
        self.last_error = None
        self._apply_refresh(list(rows), pending[1])  # type: ignore[call-overload]

    def _on_background_failed(self, message: str) -> None:
        pending, self._pending = self._pending, None
        if pending is None or pending[0] != self._generation:
            return
        self.last_error = for_people(message)
        self.error_raised.emit(self.last_error)

    # --- Qt's model interface ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Not while rows are being swapped: a view (or the model tester) asking between the
        # layout change and the removal of the rows cut off would append after placeholders.
        return not parent.isValid() and not self._exhausted and not self._replacing

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self._replacing:
            return
        rows, error = self._query(len(self._rows), self._page_size)
        if error is not None:
            self._exhausted = True
            return
        self._exhausted = len(rows) < self._page_size
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every role of every visible cell at each paint: the roles it never
        # answers leave first, and Qt's enums are read once (module constants), not per call.
        if role not in _ANSWERED:
            return None
        number = index.row()
        if number < 0 or number >= len(self._rows):
            return None
        column_number = index.column()
        if role == _DISPLAY or role == _ACCESSIBLE_TEXT or role == _DECORATION:
            # Text and icon are made once per row, not at every paint (the list repaints at
            # each keystroke of a search); the cache is dropped whenever rows are replaced.
            text, decoration = self.cell(number, column_number)
            return decoration if role == _DECORATION else text
        if role == _ALIGNMENT:
            return self._alignments[column_number]
        column = self._columns[column_number]
        row = self._rows[number]
        if role == _TOOLTIP:
            if column.cell_tooltip is not None:
                own = column.cell_tooltip(row)
                if own:
                    return own
            # The cell's whole text (a narrow column elides it), then the row's own tip.
            text = self.cell(number, column_number)[0]
            if self._row_tooltip is not None:
                tip = self._row_tooltip(row)
                if tip:
                    return tip if not text or text in tip else f"{text}\n\n{tip}"
            return text or None
        if role == ROW_ROLE:
            return row
        if role == VALUE_ROLE:
            return row.get(column.key)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(section + 1)
            return None
        if not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return int(column.align)
        return None


    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query in SQL order; column -1 (or one that does not sort) restores the default."""
        if not 0 <= column < len(self._columns) or not self._columns[column].sortable:
            self.set_sort(None)
            return
        col = self._columns[column]
        key = col.sort_key or col.key
        self.set_sort(f"-{key}" if order == Qt.SortOrder.DescendingOrder else key)

    # --- slots and internals ----------------------------------------------------------------

    def on_search_timer_timeout(self) -> None:
        if self._pending_search != self._search:
            self._search = self._pending_search
            self.reload()

    def _query(self, offset: int, limit: int) -> tuple[list[Row], str | None]:
        try:
            rows = list(self._fetch(offset, limit, self._search, self._sort))
        except AccessDeskError as exc:
            self.last_error = for_people(exc)
            self.error_raised.emit(self.last_error)
            return [], self.last_error
        self.last_error = None
        return rows, None

    def _replace(self, new_rows: list[Row]) -> None:
        """Swap in re-queried rows and move persistent indexes (selections) by id.

        The row count never changes inside the layout change: rows are appended before it
        or cut off after it, with plain insert/remove signals, as Qt's model contract wants.
        """
        old_count, new_count = len(self._rows), len(new_rows)
        if new_count > old_count:
            self.beginInsertRows(QModelIndex(), old_count, new_count - 1)
            self._rows.extend(new_rows[old_count:])
            self.endInsertRows()
        width = max(new_count, old_count)
        position: dict[object, int] = {}
        for i, row in enumerate(new_rows):
            position.setdefault(row.get(self._id_key), i)
        self.layoutAboutToBeChanged.emit()
        olds = self.persistentIndexList()
        news = []
        for index in olds:
            old_id = self._rows[index.row()].get(self._id_key) if index.row() < len(
                self._rows) else None
            target = position.get(old_id) if old_id is not None else None
            if target is None:
                news.append(QModelIndex())
            else:
                news.append(self.createIndex(target, index.column()))
        # Rows past the new end are placeholders for one moment: they are removed just below.
        self._rows = list(new_rows) + self._rows[new_count:width]
        self._cells.clear()
        self.changePersistentIndexList(olds, news)
        self.layoutChanged.emit()
        if new_count < old_count:
            self.beginRemoveRows(QModelIndex(), new_count, old_count - 1)
            del self._rows[new_count:]
            self.endRemoveRows()


class GatedTableModel(PagedTableModel):
    """A PagedTableModel some of whose rows cannot be chosen (``row_enabled``): Qt asks it
    whether a cell is enabled. The plain model leaves ``flags`` to Qt's C++ (every cell
    selectable and enabled): Qt asks it for every selected cell at some paints (6,000 calls
    with 1,000 rows selected), and each call from the GUI thread into Python takes the
    interpreter from a worker deciding those rows meanwhile."""

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not self.is_row_enabled(index.row()):
            return _NOT_CHOOSABLE
        return _CHOOSABLE
