"""Paint the cells of a ``PagedTableModel`` straight from its cache: text, icon, selection.

``QStyledItemDelegate`` asks the model for about eight roles per cell at every paint (each
a Python call, its answer wrapped in a QVariant) and lays the text out with a new
QTextLayout each time. ``FastCellDelegate`` asks the model once per cell
(``PagedTableModel.cell``) and draws with a few QPainter calls, from caches:

* what the style decides (the stylesheet's ``QTableView::item`` padding, where the icon and
  the text go, the background and text colour of a selected, an inactive-selected or a
  disabled item) is asked of the style once, by laying out and drawing a sample item, and
  kept until the view's palette changes (a new stylesheet or theme brings a new palette);
* each text's width and its shaped glyphs (``QStaticText``) and its elided form per width
  are made once and kept (a bounded number) until the font changes. Icons are drawn by
  ``QIcon.paint``, which keeps its own pixmap per size, mode and screen.

So the cells look exactly as the style draws them, light or dark: the row's alternate
background is the view's (painted before the delegate is called), the icon has the view's
``iconSize`` and is vertically centred, the text is elided on the right and follows the
column's alignment, a selected row has the selection colours of an active or inactive
window, and a row the model does not enable is drawn in the disabled colours.

Everything else goes to ``QStyledItemDelegate``: another model, a ``PagedTableModel``
subclass that overrides ``data()`` (it may answer roles this delegate does not read, such
as a bold ``FontRole``), a right-to-left layout, and a cell narrower than its padding.
``sizeHint`` is the inherited one.
"""

from __future__ import annotations

from collections import Counter
from typing import cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QStaticText,
)
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.ui.tablemodel import PagedTableModel

Index = QModelIndex | QPersistentModelIndex

_SELECTED = QStyle.StateFlag.State_Selected.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_HOVER = QStyle.StateFlag.State_MouseOver.value
_FOCUS = QStyle.StateFlag.State_HasFocus.value
# The states that change an item's colours; focus adds the style's focus frame.
_LOOK = _SELECTED | _ENABLED | _ACTIVE | _HOVER
_RIGHT = int(Qt.AlignmentFlag.AlignRight)
_HCENTER = int(Qt.AlignmentFlag.AlignHCenter)
_TOP = int(Qt.AlignmentFlag.AlignTop)
_BOTTOM = int(Qt.AlignmentFlag.AlignBottom)
_LEFT_VCENTER = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_SAMPLE_WIDTH = 1000

# Texts and elided texts kept per delegate; past this many they are made afresh (scrolling
# through a 100 000-row list must not keep every name it showed).
_CACHE_LIMIT = 4096

# (icon left, icon top, text left, text right inset, text top when centred, text top,
#  text height, focus frame insets, selection insets or None for the whole cell), from the
#  cell's corners; insets are (left, top, right, bottom).
Insets = tuple[int, int, int, int]
Geometry = tuple[int, int, int, int, int, int, int, Insets, "Insets | None"]
# (background or None, text colour, icon mode or None for Normal, has focus)
Look = tuple["QColor | None", QColor, "QIcon.Mode | None", bool]
Shaped = tuple[QStaticText, float]


class FastCellDelegate(QStyledItemDelegate):
    """Paints a ``PagedTableModel``'s cells from its cache with a handful of QPainter calls,
    looking as the style would; any other model is painted by ``QStyledItemDelegate``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._own_paint: dict[type, bool] = {}
        self._palette_key: int | None = None
        self._right_to_left = False
        self._looks: dict[object, Look] = {}
        self._icon_size = QSize()
        self._plain: dict[int, Geometry] = {}    # row height -> geometry, cells without icon
        self._iconed: dict[int, Geometry] = {}   # row height -> geometry, cells with an icon
        self._texts: dict[str, Shaped] = {}
        self._elided: dict[tuple[str, int], Shaped] = {}
        self._font = QFont()
        self._line_height = 0.0
        self._forget_text(self._font)

    # --- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Runs for every visible cell at each paint: each line here is a Python call or a
        # few; what can be worked out once is looked up in a dict instead.
        model = index.model()
        own = self._own_paint.get(type(model))
        if own is None:
            own = self._paints_model(model)
        if not own:
            super().paint(painter, option, index)
            return
        if option.palette.cacheKey() != self._palette_key:
            self._forget_look(option)
        if self._right_to_left:
            super().paint(painter, option, index)
            return
        if option.font != self._font:
            self._forget_text(option.font)
        # the stubs give getRect() as object; the model is a PagedTableModel (own is true)
        x, y, width, height = cast("tuple[int, int, int, int]", option.rect.getRect())
        column = index.column()
        text, icon = cast(PagedTableModel, model).cell(index.row(), column)
        if icon is None:
            geometry = self._plain.get(height)
        else:
            if option.decorationSize != self._icon_size:
                self._forget_icon_size(option.decorationSize)
            geometry = self._iconed.get(height)
        if geometry is None:
            geometry = self._geometry(option, height, icon is not None)
        icon_left, icon_top, text_left, text_right, centred, text_top, text_height, focus, \
            fill = geometry
        if width < text_left + text_right:
            super().paint(painter, option, index)
            return
        look = self._looks.get(option.state)
        if look is None:
            look = self._look(option)
        background, pen, icon_mode, has_focus = look
        if background is not None:
            if fill is None:
                painter.fillRect(x, y, width, height, background)
            else:
                painter.fillRect(x + fill[0], y + fill[1], width - fill[0] - fill[2],
                                 height - fill[1] - fill[3], background)
        if icon is not None:
            left, top = x + icon_left, y + icon_top
            size = self._icon_size
            if icon_mode is None:
                icon.paint(painter, left, top, size.width(), size.height())
            else:
                icon.paint(painter, left, top, size.width(), size.height(), _CENTER, icon_mode)
        if text:
            shaped = self._texts.get(text)
            if shaped is None:
                shaped = self._shape(text)
            static, advance = shaped
            room = width - text_left - text_right
            if advance > room:
                elided = self._elided.get((text, room))
                static, advance = elided if elided is not None else self._elide(text, room)
            painter.setPen(pen)
            painter.setFont(self._font)  # QStaticText draws in the painter's font
            alignment = cast(PagedTableModel, model).alignment(column)
            if alignment is None:
                painter.drawStaticText(x + text_left, y + centred, static)
            else:
                painter.drawStaticText(self._aligned(alignment, x + text_left, y, room, advance,
                                                     centred, text_top, text_height), static)
        if has_focus:
            self._draw_focus(painter, option, focus)

    def _aligned(self, alignment: int, left: int, y: int, room: int, advance: float,
                 centred: int, text_top: int, text_height: int) -> QPointF:
        """Where a text with the column's own alignment starts (QTextLayout's arithmetic)."""
        where = float(left)
        if alignment & _RIGHT:
            where += room - advance
        elif alignment & _HCENTER:
            where += (room - advance) / 2
        if alignment & _TOP:
            top = y + text_top
        elif alignment & _BOTTOM:
            top = y + text_top + int(text_height - self._line_height)
        else:
            top = y + centred
        return QPointF(where, top)

    # --- what the style decides, asked once -------------------------------------------------

    def _paints_model(self, model: object) -> bool:
        """A PagedTableModel whose data() is the class's own shows only what cell() gives."""
        kind = type(model)
        own = self._own_paint[kind] = (
            issubclass(kind, PagedTableModel) and kind.data is PagedTableModel.data)
        return own

    def _forget_look(self, option: QStyleOptionViewItem) -> None:
        """A new palette (stylesheet, theme, style): ask the style again. The layout
        direction is read here too (Access Desk is left-to-right only)."""
        self._palette_key = option.palette.cacheKey()
        self._right_to_left = option.direction == Qt.LayoutDirection.RightToLeft
        self._looks.clear()
        self._plain.clear()
        self._iconed.clear()

    def _forget_text(self, font: QFont) -> None:
        self._font = QFont(font)
        self._line_height = QFontMetricsF(font).height()
        self._texts.clear()
        self._elided.clear()
        self._plain.clear()
        self._iconed.clear()

    def _forget_icon_size(self, size: QSize) -> None:
        self._icon_size = QSize(size)
        self._iconed.clear()

    @staticmethod
    def _style(option: QStyleOptionViewItem) -> QStyle:
        widget = option.widget
        return widget.style() if widget is not None else QApplication.style()

    def _geometry(self, option: QStyleOptionViewItem, height: int, has_icon: bool) -> Geometry:
        """Where the style puts the icon, the text, the focus frame and the selection in a
        cell of this height (the stylesheet's item padding included). The text's are those
        of the text itself: the style's text rect less its text margin, as QCommonStyle draws
        it. The selection covers the cell, or only the text rect in a style that does not
        show the decoration selected (QCommonStyle's PE_PanelItemViewItem)."""
        sample = QStyleOptionViewItem(option)
        sample.rect = QRect(0, 0, _SAMPLE_WIDTH, height)
        sample.text = "x"
        sample.features = QStyleOptionViewItem.ViewItemFeature.HasDisplay
        if has_icon:
            sample.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
            sample.decorationSize = self._icon_size
        sample.displayAlignment = _LEFT_VCENTER
        sample.decorationAlignment = _CENTER
        sample.decorationPosition = QStyleOptionViewItem.Position.Left
        style = self._style(option)
        widget = option.widget
        icon = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, sample, widget)
        text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, sample, widget)
        focus = style.subElementRect(QStyle.SubElement.SE_ItemViewItemFocusRect, sample, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        centred = text.y() + int(text.height() - self._line_height) // 2
        geometry = (icon.x(), icon.y(), text.x() + margin,
                    _SAMPLE_WIDTH - text.x() - text.width() + margin,
                    centred, text.y(), text.height(), self._insets(focus, height),
                    None if option.showDecorationSelected else self._insets(text, height))
        (self._iconed if has_icon else self._plain)[height] = geometry
        return geometry

    @staticmethod
    def _insets(rect: QRect, height: int) -> Insets:
        return (rect.x(), rect.y(), _SAMPLE_WIDTH - rect.x() - rect.width(),
                height - rect.y() - rect.height())

    def _look(self, option: QStyleOptionViewItem) -> Look:
        """The background (None: the style paints none) and text colour the style gives an
        item in this state, read off a sample item it draws: a stylesheet's
        ``::item:selected:!active`` colours cannot be asked for any other way."""
        state = option.state
        bits = state.value & _LOOK
        sample = QStyleOptionViewItem(option)
        sample.state = QStyle.StateFlag(bits)
        sample.rect = QRect(0, 0, 96, 48)
        sample.features = QStyleOptionViewItem.ViewItemFeature.HasDisplay
        sample.displayAlignment = _LEFT_VCENTER
        sample.text = "\u2588" * 6  # full blocks: the text colour, solid, across the middle
        font = QFont(option.font)
        font.setPixelSize(24)
        sample.font = font
        group = (QPalette.ColorGroup.Disabled if not bits & _ENABLED
                 else QPalette.ColorGroup.Active if bits & _ACTIVE
                 else QPalette.ColorGroup.Inactive)
        image = QImage(96, 48, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        self._style(option).drawControl(QStyle.ControlElement.CE_ItemViewItem, sample, painter,
                                        option.widget)
        painter.end()
        edge = image.pixel(0, 24)
        background = QColor.fromRgba(edge) if QColor.fromRgba(edge).alpha() == 255 else None
        role = QPalette.ColorRole.HighlightedText if bits & _SELECTED else QPalette.ColorRole.Text
        pen = option.palette.color(group, role)
        seen = Counter(image.pixel(x, 24) for x in range(96))
        seen.pop(edge, None)
        if seen:
            colour, count = seen.most_common(1)[0]
            sampled = QColor.fromRgba(colour)
            if count >= 8 and sampled.alpha() == 255:
                pen = sampled
        mode = (None if not bits & _SELECTED else QIcon.Mode.Selected) if bits & _ENABLED \
            else QIcon.Mode.Disabled
        look = (background, pen, mode, bool(state.value & _FOCUS))
        self._looks[state] = look
        return look

    # --- texts, shaped once -----------------------------------------------------------------

    def _shape(self, text: str) -> Shaped:
        if len(self._texts) >= _CACHE_LIMIT:
            self._texts.clear()
        shaped = self._texts[text] = self._static(text)
        return shaped

    def _elide(self, text: str, room: int) -> Shaped:
        if len(self._elided) >= _CACHE_LIMIT:
            self._elided.clear()
        short = QFontMetricsF(self._font).elidedText(text, _ELIDE_RIGHT, room)
        shaped = self._elided[(text, room)] = self._static(short)
        return shaped

    def _static(self, text: str) -> Shaped:
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(font=self._font)
        return static, QFontMetricsF(self._font).horizontalAdvance(text)

    def _draw_focus(self, painter: QPainter, option: QStyleOptionViewItem,
                    insets: Insets) -> None:
        """The style's focus frame in the current cell (Access Desk's stylesheet has none)."""
        focus = QStyleOptionFocusRect()
        left, top, right, bottom = insets
        focus.rect = option.rect.adjusted(left, top, -right, -bottom)
        focus.direction = option.direction
        focus.fontMetrics = option.fontMetrics
        focus.palette = option.palette
        focus.state = option.state | QStyle.StateFlag.State_KeyboardFocusChange \
            | QStyle.StateFlag.State_Item
        group = QPalette.ColorGroup.Normal if option.state & QStyle.StateFlag.State_Enabled \
            else QPalette.ColorGroup.Disabled
        role = QPalette.ColorRole.Highlight if option.state & QStyle.StateFlag.State_Selected \
            else QPalette.ColorRole.Window
        focus.backgroundColor = option.palette.color(group, role)
        self._style(option).drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus,
                                          painter, option.widget)
