"""The Apps tab's tiles: a paged model of the user's applications and a card delegate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui.common import app_icon
from desktop.ui.tablemodel import ROW_ROLE, Column, PagedTableModel

TILE = QSize(148, 124)
Index = QModelIndex | QPersistentModelIndex


def credential_line(row: dict[str, Any]) -> str:
    """What a tile says under the name: only password-SSO applications have sign-in details."""
    if not row.get("password_sso"):  # rule 12, as the service says
        return ""
    return "Sign-in details set" if row.get("has_credentials") else "No sign-in details yet"


def until_line(row: dict[str, Any]) -> str:
    """Rule 18: when access to it ends ("until 12 Mar 2027"), or nothing."""
    from .parts import until

    return f"until {until(row['until'])}" if row.get("until") else ""


def small_line(row: dict[str, Any]) -> str:
    """The tile's one small line: the end of access first (it matters more), else sign-in
    details; the tooltip and the details panel say both."""
    return until_line(row) or credential_line(row)


# Tiles read at a time: a tall window shows fifty or so; more come as the list scrolls.
TILES_PAGE = 200


def tile_tooltip(row: dict[str, Any]) -> str:
    parts = [row["name"]]
    if row.get("publisher"):
        parts.append(f"by {row['publisher']}")
    if until_line(row):
        parts.append(f"Your access lasts {until_line(row)}")
    if credential_line(row):
        parts.append(credential_line(row))
    return "\n".join(parts)


class AppTilesModel(PagedTableModel):
    """The applications a person has, by name, a page at a time as the tiles scroll (a
    member of a large group may have thousands): a paged model of one column, whose rows the
    delegate paints as tiles. `fetch(offset, limit, search)` reads a page."""

    def __init__(self, fetch: Callable[[int, int, str | None], list[dict[str, Any]]],
                 parent: QObject | None = None) -> None:
        super().__init__([Column("name", "Application", icon=lambda row: app_icon(row["name"]))],
                         lambda offset, limit, search, _sort: fetch(offset, limit, search),
                         parent, page_size=TILES_PAGE, row_tooltip=tile_tooltip)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.AccessibleTextRole and index.isValid():
            row = self.row_data(index.row())
            extra = ", ".join(x for x in (until_line(row), credential_line(row)) if x)
            return f"{row['name']}{', ' + extra if extra else ''}"
        return super().data(index, role)


class TileDelegate(QStyledItemDelegate):
    """A card: the icon on top, the name (two lines at most), a small sign-in details line."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return TILE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        if row is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        rect = option.rect.adjusted(6, 6, -6, -6)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        base = palette.color(QPalette.ColorRole.Base)
        border = palette.color(QPalette.ColorRole.Mid)
        if selected:
            fill = palette.color(QPalette.ColorRole.Highlight)
            fill.setAlpha(40)
            border = palette.color(QPalette.ColorRole.Highlight)
        elif hovered:
            fill = palette.color(QPalette.ColorRole.AlternateBase)
        else:
            fill = base
        painter.setPen(QPen(border, 2 if selected else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 8, 8)

        icon_size = 40
        icon_rect = QRect(rect.center().x() - icon_size // 2, rect.top() + 12, icon_size, icon_size)
        app_icon(row["name"]).paint(painter, icon_rect)

        text_color = palette.color(QPalette.ColorRole.Text)
        font = option.font
        painter.setFont(font)
        painter.setPen(text_color)
        metrics = QFontMetrics(font)
        name_rect = QRect(rect.left() + 8, icon_rect.bottom() + 8, rect.width() - 16,
                          metrics.lineSpacing() * 2)
        # The name through the display role: the model then knows the row was on screen
        # (a refresh re-reads down to the rows seen).
        name = _elide_two_lines(str(index.data()), metrics, name_rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, name)

        line = small_line(row)
        if line:
            small = QFont(option.font)
            small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
            painter.setFont(small)
            muted = QColor(text_color)
            muted.setAlpha(150)
            green = row.get("has_credentials") and not row.get("until")
            painter.setPen(QColor("#2e7d32") if green else muted)
            small_metrics = QFontMetrics(small)
            line_rect = QRect(rect.left() + 4, rect.bottom() - small_metrics.lineSpacing() - 6,
                              rect.width() - 8, small_metrics.lineSpacing())
            painter.drawText(line_rect, Qt.AlignmentFlag.AlignHCenter,
                             small_metrics.elidedText(line, Qt.TextElideMode.ElideRight,
                                                      line_rect.width()))
        painter.restore()


def _elide_two_lines(text: str, metrics: QFontMetrics, width: int) -> str:
    """Break at a space where the first line fills up, and elide what is left of the second."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words, first = text.split(" "), ""
    while words and metrics.horizontalAdvance((first + " " + words[0]).strip()) <= width:
        first = (first + " " + words.pop(0)).strip()
    if not first:
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    rest = metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)
    return f"{first}\n{rest}"
