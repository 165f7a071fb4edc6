"""Column widths of a paged table, from its ``Column`` declarations (``ui.tablemodel``).

``fit_columns(view)`` (``setup_table`` calls it for every ``PagedTableModel``) sizes the
view's columns and keeps them sized as the view is resized:

* a column is as wide as its header and the texts of its first page (at most
  ``MEASURED_ROWS`` rows: a list is paged from SQL and is never scanned whole), and at least
  as wide as each of the column's ``samples`` (the labels of a fixed set, a formatted time),
  between its ``min_width`` and ``max_width``;
* ``stretch`` columns (free text: a description, a reason) share the width the others leave
  (the last column takes it when no free-text column is shown);
* when the view is too narrow, the stretch columns shrink first (to ``FREE_TEXT_MIN``), then
  the columns sized from their rows (user names, departments; the widest first, to
  ``READABLE_MIN``), then those sized from samples, never below their header, and last the
  ``primary`` column (what the row is: the application, the person); only then does a
  horizontal scroll bar appear. Every cell's tool tip holds its
  whole text (``PagedTableModel.data``), so an elided cell can still be read;
* a column the person drags keeps that width, as does one a caller made ``Fixed``.

Texts are measured once per model reset when no search is typed (opening the page, another
application's list, clearing the search) and when the first rows arrive: never at each
keystroke of a search, and never at a paint. Resizing the view only redistributes the widths
already measured.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QTreeView,
)
from shiboken6 import isValid

from desktop.ui.tablemodel import PagedTableModel

MEASURED_ROWS = 100  # one page: what the view shows first
FREE_TEXT_MIN = 120  # a free-text column shrinks to this before the others give up any width
READABLE_MIN = 120   # a column sized from its rows (names) shrinks no further than this
_SLACK = 2           # rounding between QFontMetricsF and the style's integer rects


class ColumnFitter(QObject):
    """Keeps one view's column widths fitted to its model's ``Column`` declarations."""

    def __init__(self, view: QAbstractItemView, model: PagedTableModel,
                 stretch: int | None = None) -> None:
        super().__init__(view)
        self.setObjectName("column fitter")
        self._view = view
        self._model = model
        self._header = _header(view)
        columns = model.columns
        self._flex = [i for i, c in enumerate(columns) if c.stretch]
        if not self._flex and stretch is not None and 0 <= stretch < len(columns):
            self._flex = [stretch]
        self._content = [0] * len(columns)   # measured width of texts (+ padding), per column
        self._from_rows = [not c.samples for c in columns]
        self._user: dict[int, int] = {}      # columns the person resized
        self._dragging = False
        self._applying = False
        self._stale = True                   # measure at the next load
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.fit)
        header = self._header
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self.on_header_section_resized)
        # Compared by identity in eventFilter, which also sees the widgets being destroyed.
        self._header_viewport = header.viewport()
        self._viewport = view.viewport()
        self._header_viewport.installEventFilter(self)
        self._viewport.installEventFilter(self)
        view.installEventFilter(self)
        model.modelReset.connect(self.on_model_reset)
        model.loaded.connect(self.on_model_loaded)
        self.measure()
        self.fit()

    # --- what callers use ------------------------------------------------------------------

    def measure(self) -> None:
        """Width of each column's header, samples and first-page texts (cached cells)."""
        model, view = self._model, self._view
        view.ensurePolished()  # the stylesheet's item padding and font
        font = view.font()
        metrics = QFontMetricsF(font)
        plain, iconed = self._paddings()
        rows = min(model.rowCount(), MEASURED_ROWS)
        # A subclass may answer a FontRole (My requests' unseen rows are bold): measured bold.
        if type(model).data is not PagedTableModel.data:
            bold = QFont(font)
            bold.setBold(True)
            metrics = QFontMetricsF(bold)
        for number, column in enumerate(model.columns):
            widest = max((metrics.horizontalAdvance(s) for s in column.samples), default=0.0)
            seen: set[str] = set()
            for row in range(rows):
                text = model.cell(row, number)[0]
                if text not in seen:
                    seen.add(text)
                    widest = max(widest, metrics.horizontalAdvance(text))
            padding = iconed if column.icon is not None else plain
            self._content[number] = math.ceil(widest) + padding + _SLACK if widest else 0
        self._stale = rows == 0

    def fit(self) -> None:
        """Share the view's width among the columns (see the module's docstring)."""
        if self._applying:  # the view resized itself as the columns changed: once more after
            self._refit.start()
            return
        header = self._header
        columns = self._model.columns
        count = min(header.count(), len(columns))
        if count == 0:
            return
        room = self._view.viewport().width()
        floor = header.minimumSectionSize()
        ideal: list[int] = []
        lowest: list[int] = []
        for number in range(count):
            column = columns[number]
            if header.isSectionHidden(number):
                ideal.append(0)
                lowest.append(0)
                continue
            fixed = self._user.get(number)
            if fixed is None and header.sectionResizeMode(number) == QHeaderView.ResizeMode.Fixed:
                fixed = header.sectionSize(number)
            if fixed is not None:
                ideal.append(fixed)
                lowest.append(fixed)
                continue
            title = max(header.sectionSizeHint(number), floor, column.min_width)
            content = self._content[number]
            if number not in self._flex:
                content = min(content, max(column.max_width, title))
            ideal.append(max(title, content))
            if number in self._flex:
                lowest.append(max(title, min(ideal[-1], FREE_TEXT_MIN)))
            elif self._from_rows[number]:  # a name keeps a dozen letters before a scroll bar
                lowest.append(max(title, min(ideal[-1], READABLE_MIN)))
            else:
                lowest.append(title)
        flex = [n for n in self._flex if n < count and not header.isSectionHidden(n)
                and n not in self._user]
        widths = list(ideal)
        others = [n for n in range(count) if n not in flex]
        need = sum(ideal[n] for n in others) + sum(lowest[n] for n in flex)
        if need <= room:
            spare = room - sum(ideal[n] for n in others)
            if flex:
                weight = sum(ideal[n] for n in flex) or len(flex)
                given = 0
                for n in flex:
                    share = spare * (ideal[n] or 1) // weight
                    widths[n] = max(lowest[n], share)
                    given += widths[n]
                widths[flex[-1]] += spare - given
            else:  # no free text shown: the last column reaches the edge, as a header should
                last = [n for n in others if ideal[n] and n not in self._user]
                if last:
                    widths[last[-1]] += room - sum(widths)
        else:
            for n in flex:
                widths[n] = lowest[n]
            short = need - room
            # Names and user names give up width before labels and times, which elide badly;
            # the column naming the row (``primary``) gives up width last.
            primary = {n for n in others if columns[n].primary}
            for group in ([n for n in others if self._from_rows[n] and n not in primary],
                          [n for n in others if not self._from_rows[n] and n not in primary],
                          sorted(primary)):
                short -= self._shrink(widths, lowest, group, short)
                if short <= 0:
                    break
            if short < 0:  # the cap took a few pixels more than needed: give them back
                takers = flex or [n for n in others if widths[n] and n not in self._user]
                if takers:
                    widths[takers[-1]] -= short
        self._apply(widths)

    # --- slots ------------------------------------------------------------------------------

    def on_model_reset(self) -> None:
        # A search typed keeps the widths the unfiltered list gave (no work per keystroke).
        if self._model.search_text is None:
            self._stale = True

    def on_model_loaded(self) -> None:
        if self._stale:
            self.measure()
            self.fit()

    def on_header_section_resized(self, number: int, old: int, new: int) -> None:
        if self._applying:
            return
        if self._dragging:
            self._user[number] = new
        elif not old or not new:  # a column was hidden or shown: share the width again
            self._refit.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self._viewport:
            if isValid(self._header):
                self.fit()
                # The view may resize its viewport again while handling this one (a scroll
                # bar comes or goes) without a second event: look again once it settled.
                self._refit.start()
        elif watched is self._view:
            if kind in (QEvent.Type.StyleChange, QEvent.Type.FontChange) \
                    and isValid(self._header):
                self.measure()  # another stylesheet or font: other paddings and advances
                self.fit()
        elif watched is self._header_viewport:
            if kind == QEvent.Type.MouseButtonPress:
                self._dragging = True
            elif kind == QEvent.Type.MouseButtonRelease:
                self._dragging = False
            elif kind == QEvent.Type.MouseButtonDblClick:
                self._dragging = True  # a double click on a handle fits that column
        return False

    # --- internals --------------------------------------------------------------------------

    @staticmethod
    def _shrink(widths: list[int], lowest: list[int], group: list[int], short: int) -> int:
        """Take up to `short` pixels from these columns, widest first: every column wider
        than some cap is cut to it (never below its lowest), so the fewest texts are elided.
        Returns what was taken."""
        columns = [n for n in group if widths[n] > lowest[n]]

        def taken(cap: int) -> int:
            return sum(max(0, widths[n] - max(cap, lowest[n])) for n in columns)

        if not columns:
            return 0
        low, high = 0, max(widths[n] for n in columns)  # taken(high) == 0
        if taken(low) > short:
            while high - low > 1:  # the widest cap that still takes enough
                middle = (low + high) // 2
                if taken(middle) >= short:
                    low = middle
                else:
                    high = middle
        got = taken(low)
        for n in columns:
            widths[n] = min(widths[n], max(low, lowest[n]))
        return got

    def _apply(self, widths: list[int]) -> None:
        header = self._header
        self._applying = True
        try:
            for number, width in enumerate(widths):
                if width and number not in self._user and header.sectionSize(number) != width \
                        and header.sectionResizeMode(number) != QHeaderView.ResizeMode.Fixed:
                    header.resizeSection(number, width)
        finally:
            self._applying = False

    def _paddings(self) -> tuple[int, int]:
        """What the style adds round a cell's text: without and with an icon (the view's)."""
        view = self._view
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.text = "x"
        option.features = QStyleOptionViewItem.ViewItemFeature.HasDisplay
        style = view.style()
        text = QFontMetricsF(option.font).horizontalAdvance("x")
        plain = style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, option, QSize(),
                                       view).width()
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
        option.decorationSize = view.iconSize()
        iconed = style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, option, QSize(),
                                        view).width()
        return max(0, math.ceil(plain - text)), max(0, math.ceil(iconed - text))


def _header(view: QAbstractItemView) -> QHeaderView:
    if isinstance(view, QTableView):
        return view.horizontalHeader()
    if isinstance(view, QTreeView):
        return view.header()
    raise TypeError(f"{type(view).__name__} has no column header")


def fit_columns(view: QAbstractItemView, stretch: int | None = None) -> ColumnFitter | None:
    """Size `view`'s columns from its ``PagedTableModel``'s declarations and keep them so;
    `stretch` names the free-text column when no ``Column`` says ``stretch=True``.
    A view whose model is of another kind is left as it is (None)."""
    model = view.model()
    if not isinstance(model, PagedTableModel):
        return None
    old = column_fitter(view)
    if old is not None:
        old.deleteLater()
        old.setParent(None)
    return ColumnFitter(view, model, stretch)


def column_fitter(view: QAbstractItemView) -> ColumnFitter | None:
    """The fitter `fit_columns` gave this view, if any."""
    return view.findChild(ColumnFitter, "column fitter")
