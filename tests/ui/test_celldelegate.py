"""FastCellDelegate: paged tables look as Qt's own delegate draws them, for less work.

Each test paints a real table (offscreen) and reads the pixels a user would see: the
selection colour, the elided name, the greyed row, the icon, the right-aligned count.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QImage,
    QPalette,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleFactory,
    QTableView,
    QWidget,
)

from desktop.resources import resource_path, stylesheet
from desktop.ui.celldelegate import FastCellDelegate
from desktop.ui.common import setup_table
from desktop.ui.tablemodel import Column, GatedTableModel, PagedTableModel

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
RED = QColor("#ff0000")
LONG = "Contoso Expenses and Travel Booking Portal for the Whole Northwind Group"
WIDTHS = (220, 150, 90)
NAME, PUBLISHER, PENDING = 0, 1, 2
SELECTED_ROW, LONG_ROW, DISABLED_ROW = 1, 2, 4


def red_icon() -> QIcon:
    pixmap = QPixmap(64, 64)
    pixmap.fill(RED)
    return QIcon(pixmap)


def make_rows() -> list[dict]:
    rows = [{"id": i, "name": f"App {i}", "publisher": "Contoso", "pending": i * 3,
             "usable": i != DISABLED_ROW} for i in range(8)]
    rows[LONG_ROW]["name"] = LONG
    return rows


def columns() -> list[Column]:
    icon = red_icon()
    return [Column("name", "Name", icon=lambda row: icon),
            Column("publisher", "Publisher"),
            Column("pending", "Pending", align=RIGHT, formatter=lambda v: str(v) if v else "–")]


def make_model(model_class: type[PagedTableModel] = GatedTableModel,
               rows: list[dict] | None = None) -> PagedTableModel:
    rows = make_rows() if rows is None else rows
    return model_class(columns(), lambda offset, limit, _s, _o: rows[offset:offset + limit],
                       row_enabled=lambda row: row["usable"])


def inactive_colour(dark: bool) -> QColor:
    """What the stylesheet gives a selected item of an inactive window."""
    name = "dark.qss" if dark else "light.qss"
    text = resource_path("style", name).read_text(encoding="utf-8")
    found = re.search(r"QTableView::item:selected:!active[^{]*\{[^}]*?background-color:\s*"
                      r"(#[0-9a-fA-F]{6})", text)
    assert found is not None
    return QColor(found.group(1))


@pytest.fixture
def table(qtbot) -> QTableView:
    """A paged table set up as every Access Desk table, styled light, active, row 1 chosen."""
    view = QTableView()
    view.setModel(make_model())
    setup_table(view, "Applications")
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    for column, width in enumerate(WIDTHS):
        header.setSectionResizeMode(column, header.ResizeMode.Fixed)
        view.setColumnWidth(column, width)
    view.setStyleSheet(stylesheet(False))
    qtbot.addWidget(view)
    view.resize(sum(WIDTHS) + 40, 320)
    view.show()
    activate(qtbot, view)
    view.selectRow(SELECTED_ROW)
    return view


def activate(qtbot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def deactivate(qtbot, view: QTableView) -> QWidget:
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    activate(qtbot, other)
    qtbot.waitUntil(lambda: not view.isActiveWindow())
    return other


def grab(view: QAbstractItemView) -> QImage:
    QApplication.processEvents()
    return view.viewport().grab().toImage()


def grab_with(view: QAbstractItemView, delegate: QStyledItemDelegate) -> QImage:
    old = view.itemDelegate()
    view.setItemDelegate(delegate)
    try:
        return grab(view)
    finally:
        view.setItemDelegate(old)


def cell_rect(view: QTableView, row: int, column: int) -> QRect:
    return view.visualRect(view.model().index(row, column))


def pixel(image: QImage, x: int, y: int) -> QColor:
    return QColor(image.pixel(x, y))


def ink(image: QImage, rect: QRect, background: QColor) -> list[tuple[int, int, QColor]]:
    """The pixels of a cell that are not its background: text and icon."""
    found = []
    for y in range(rect.top(), rect.bottom() + 1):
        for x in range(rect.left(), rect.right() + 1):
            colour = pixel(image, x, y)
            if colour != background:
                found.append((x, y, colour))
    return found


def is_red(colour: QColor) -> bool:
    return colour.red() > 200 and colour.green() < 60 and colour.blue() < 60


# --- installed once, for paged models only ----------------------------------------------------


def test_setup_table_installs_the_delegate_and_it_paints_from_the_cache(table, monkeypatch):
    assert isinstance(table.itemDelegate(), FastCellDelegate)
    model = table.model()
    asked: list[tuple[int, int]] = []
    cell = model.cell
    monkeypatch.setattr(model, "cell", lambda row, column: asked.append((row, column))
                        or cell(row, column))
    QApplication.processEvents()
    asked.clear()
    table.viewport().grab()
    visible = model.rowCount() * model.columnCount()
    assert len(asked) == visible  # one look-up per painted cell, no QStyledItemDelegate


def test_a_delegate_set_before_setup_table_is_kept(qtbot):
    class Mine(QStyledItemDelegate):
        pass

    view = QTableView()
    qtbot.addWidget(view)
    mine = Mine(view)
    view.setItemDelegate(mine)
    view.setModel(make_model())
    setup_table(view, "Applications")
    assert view.itemDelegate() is mine


class UnselectedDecoration(QProxyStyle):
    """Fusion, saying that a selected item's icon is not shown selected (as Windows styles
    do): a list view then highlights only the text, and nothing behind its items first."""

    def styleHint(self, hint, option=None, widget=None, data=None):  # noqa: N802 - Qt's
        if hint == QStyle.StyleHint.SH_ItemView_ShowDecorationSelected:
            return 0
        return super().styleHint(hint, option, widget, data)


def unselected_decoration(view: QWidget) -> None:
    view.setStyleSheet("")
    style = UnselectedDecoration(QStyleFactory.create("Fusion"))
    style.setParent(view)
    view.setStyle(style)


@pytest.mark.parametrize("look", ["light", "dark", "no stylesheet", "unselected decoration"])
@pytest.mark.parametrize("active", [True, False], ids=["active", "inactive"])
def test_cells_look_exactly_as_qt_draws_them(table, qtbot, look, active):
    if look in ("light", "dark"):
        table.setStyleSheet(stylesheet(look == "dark"))
    elif look == "no stylesheet":
        table.setStyleSheet("")
    else:
        unselected_decoration(table)
    if not active:
        deactivate(qtbot, table)
    fast = grab(table)
    qt = grab_with(table, QStyledItemDelegate(table))
    assert fast.size() == qt.size()
    assert fast == qt


def test_a_model_without_paging_is_painted_by_qt(qtbot):
    model = QStandardItemModel(3, 2)
    for row in range(3):
        item = QStandardItem(red_icon(), f"Item {row} with a longer text that needs eliding")
        item.setEnabled(row != 1)
        model.setItem(row, 0, item)
        model.setItem(row, 1, QStandardItem(str(row)))
    view = QTableView()
    view.setModel(model)
    setup_table(view, "Items")
    view.setStyleSheet(stylesheet(False))
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    view.selectRow(2)
    assert grab(view) == grab_with(view, QStyledItemDelegate(view))


def test_a_model_answering_more_roles_is_painted_by_qt(table):
    class BoldModel(GatedTableModel):
        """Like My requests: some rows bold (FontRole), which cell() knows nothing about."""

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.FontRole and index.row() == 0:
                font = QFont(table.font())
                font.setBold(True)
                return font
            return super().data(index, role)

    plain = grab(table)
    table.setModel(make_model(BoldModel))
    table.selectRow(SELECTED_ROW)
    bold = grab(table)
    assert bold != plain  # the first row is bold, as the model asked
    assert bold == grab_with(table, QStyledItemDelegate(table))


# --- what a user sees -------------------------------------------------------------------------


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_selected_row_has_the_selection_colour_active_and_inactive(table, qtbot, dark):
    table.setStyleSheet(stylesheet(dark))
    highlight = table.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    image = grab(table)
    for column in range(3):
        rect = cell_rect(table, SELECTED_ROW, column)
        # the cell's corners and its padding: no text or icon there
        assert pixel(image, rect.left() + 2, rect.top() + 1) == highlight
        assert pixel(image, rect.right() - 2, rect.bottom() - 1) == highlight
    other = cell_rect(table, 3, PUBLISHER)  # an alternate row keeps the view's own colour
    base = table.palette().color(QPalette.ColorRole.AlternateBase)
    assert pixel(image, other.right() - 2, other.center().y()) == base

    deactivate(qtbot, table)
    image = grab(table)
    rect = cell_rect(table, SELECTED_ROW, PUBLISHER)
    assert pixel(image, rect.right() - 2, rect.center().y()) == inactive_colour(dark)
    assert inactive_colour(dark) != highlight


def test_a_list_view_is_highlighted_behind_the_text_where_the_style_says_so(qtbot):
    # A table view paints the selection behind the whole row before its delegate; a list
    # view in such a style leaves it to the delegate, which must paint it where Qt would.
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(make_model())
    view.setItemDelegate(FastCellDelegate(view))
    view.setIconSize(QSize(20, 20))
    unselected_decoration(view)
    view.resize(260, 300)
    view.show()
    activate(qtbot, view)
    view.selectionModel().select(view.model().index(SELECTED_ROW, 0),
                                 QItemSelectionModel.SelectionFlag.Select)
    image = grab(view)
    assert image == grab_with(view, QStyledItemDelegate(view))
    rect = view.visualRect(view.model().index(SELECTED_ROW, 0))
    highlight = view.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    assert pixel(image, rect.left() + 150, rect.center().y()) == highlight  # after the text
    assert pixel(image, rect.left() + 1, rect.center().y()) != highlight  # beside the icon


def test_selected_text_is_in_the_highlighted_text_colour(table):
    image = grab(table)
    rect = cell_rect(table, SELECTED_ROW, PUBLISHER)
    highlight = table.palette().color(QPalette.ColorRole.Highlight)
    colours = {c.name() for _x, _y, c in ink(image, rect, highlight)}
    assert table.palette().color(QPalette.ColorRole.HighlightedText).name() in colours
    assert table.palette().color(QPalette.ColorRole.Text).name() not in colours


def test_a_long_name_is_elided_inside_its_cell(table):
    image = grab(table)
    rect = cell_rect(table, LONG_ROW, NAME)
    background = pixel(image, rect.right() - 1, rect.top() + 1)
    text = [(x, y) for x, y, c in ink(image, rect, background) if not is_red(c)]
    right = max(x for x, _y in text)
    assert table.fontMetrics().horizontalAdvance(LONG) > rect.width()  # it cannot fit
    assert right <= rect.right() - 8  # stops before the item's padding...
    assert right >= rect.right() - 30  # ...having used the room it had
    assert max(y for _x, y in text) - min(y for _x, y in text) < table.fontMetrics().height()
    assert grab(table) == grab_with(table, QStyledItemDelegate(table))  # "…" as Qt's


def test_a_disabled_row_is_drawn_in_the_disabled_colour(table):
    image = grab(table)
    palette = table.palette()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text).name()
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text).name()
    for row, expected, absent in ((DISABLED_ROW, disabled, normal), (3, normal, disabled)):
        rect = cell_rect(table, row, PUBLISHER)
        background = pixel(image, rect.right() - 1, rect.center().y())
        colours = {c.name() for _x, _y, c in ink(image, rect, background)}
        assert expected in colours, row
        assert absent not in colours, row
    name = cell_rect(table, DISABLED_ROW, NAME)
    background = pixel(image, name.right() - 1, name.top() + 1)
    assert not any(is_red(c) for _x, _y, c in ink(image, name, background))  # greyed icon
    assert ink(image, name, background)


def test_icons_are_drawn_at_the_icon_size_vertically_centred(table):
    image = grab(table)
    for row in (0, 3, SELECTED_ROW):
        rect = cell_rect(table, row, NAME)
        background = pixel(image, rect.right() - 1, rect.top() + 1)
        found = [(x, y) for x, y, c in ink(image, rect, background) if is_red(c)
                 or (row == SELECTED_ROW and c.red() > 150 and c.green() < 80)]
        xs = [x for x, _y in found]
        ys = [y for _x, y in found]
        assert max(xs) - min(xs) + 1 == table.iconSize().width(), row
        assert max(ys) - min(ys) + 1 == table.iconSize().height(), row
        assert min(ys) - rect.top() == rect.bottom() - max(ys), row  # centred
        assert 8 <= min(xs) - rect.left() <= 12, row  # the stylesheet's 8 px padding


def test_the_right_aligned_column_sits_at_the_right(table):
    image = grab(table)
    for row in (0, 3, 5):
        rect = cell_rect(table, row, PENDING)
        background = pixel(image, rect.right() - 1, rect.top() + 1)
        xs = [x for x, _y, _c in ink(image, rect, background)]
        assert rect.right() - 16 <= max(xs) <= rect.right() - 8, row
        assert min(xs) > rect.center().x(), row
    name = cell_rect(table, 3, PUBLISHER)  # a left-aligned one, for contrast
    xs = [x for x, _y, _c in ink(image, name, pixel(image, name.right() - 1, name.top() + 1))]
    assert min(xs) < name.left() + 16


def test_a_new_stylesheet_brings_new_colours(table):
    rect = cell_rect(table, SELECTED_ROW, PUBLISHER)
    light = pixel(grab(table), rect.right() - 2, rect.top() + 1)
    assert light == table.palette().color(QPalette.ColorRole.Highlight)
    table.setStyleSheet(stylesheet(True))
    dark = pixel(grab(table), rect.right() - 2, rect.top() + 1)
    assert dark != light
    assert dark == table.palette().color(QPalette.ColorRole.Highlight)


def test_a_refresh_shows_the_new_text(table):
    rows = make_rows()
    table.setModel(make_model(rows=rows))
    before = grab(table)
    rows[0]["name"] = "Renamed elsewhere"
    table.model().refresh()
    after = grab(table)
    assert after != before
    assert after == grab_with(table, QStyledItemDelegate(table))


# --- the model's cache --------------------------------------------------------------------------


def test_cell_is_what_data_answers_and_made_once_per_row(qtbot):
    made: list[str] = []
    rows = make_rows()
    icon = red_icon()
    model = GatedTableModel(
        [Column("name", "Name", icon=lambda row: icon,
                formatter=lambda v: made.append(v) or str(v)),
         Column("pending", "Pending", align=RIGHT)],
        lambda offset, limit, _s, _o: rows[offset:offset + limit],
        row_enabled=lambda row: row["usable"])
    index = model.index(LONG_ROW, 0)
    assert model.cell(LONG_ROW, 0) == (LONG, icon)
    assert model.data(index) == LONG
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is model.cell(LONG_ROW, 0)[1]
    assert model.cell(LONG_ROW, 1) == ("6", None)
    assert made == [LONG]  # one cache for cell() and data()
    assert model.alignment(0) is None
    assert model.alignment(1) == int(RIGHT)
    assert model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert model.is_row_enabled(0)
    assert not model.is_row_enabled(DISABLED_ROW)
    assert not model.flags(model.index(DISABLED_ROW, 0)) & Qt.ItemFlag.ItemIsEnabled
    model.refresh()
    assert model.cell(LONG_ROW, 0) == (LONG, icon)
    assert made == [LONG, LONG]  # re-made after rows were replaced
