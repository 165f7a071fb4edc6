"""An application's icon: its own image file, or a coloured tile with its initials.

Tiles are drawn by a small icon engine, one pixmap per size actually shown (a list shows
20 px, My Apps 48, a details pane 40), when first shown, and kept. Drawing every size up
front cost a third of a millisecond per tile: typing in a search of 100,000 applications
meets a dozen new tiles at some keystrokes, and that was most of those keystrokes' time.
Tiles that look the same (same initials, same colour) are one icon.
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyleOption

TILE_COLOURS = ("#1565c0", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#ef6c00",
                "#4527a0", "#ad1457", "#283593", "#00695c", "#5d4037", "#37474f")

_tiles: dict[tuple[str, int], QIcon] = {}
_files: dict[str, QIcon] = {}


def initials_of(name: str) -> str:
    """The first letters of an application's first two words ("Contoso Project Hub": CP)."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def tile_colour(name: str) -> str:
    """The tile's colour: the same name always gets the same one of TILE_COLOURS."""
    return TILE_COLOURS[int(hashlib.md5(name.encode()).hexdigest(), 16) % len(TILE_COLOURS)]


def app_icon(name: str, path: str | None = None) -> QIcon:
    """An application's icon: its own file when it has one, else a tile with its initials."""
    if path:
        own = _files.get(path)
        if own is None:  # read once: lists ask at every row they show
            own = _files[path] = QIcon(path)
        if not own.isNull():
            return own
    initials, colour = initials_of(name), tile_colour(name)
    key = (initials, TILE_COLOURS.index(colour))
    tile = _tiles.get(key)
    if tile is None:
        tile = _tiles[key] = QIcon(TileEngine(initials, colour))
    return tile


class TileEngine(QIconEngine):
    """Draws a rounded tile with white initials at whatever size it is asked for."""

    def __init__(self, initials: str, colour: str) -> None:
        super().__init__()
        self._initials = initials
        self._colour = colour
        self._pixmaps: dict[tuple[int, QIcon.Mode], QPixmap] = {}

    def clone(self) -> QIconEngine:
        return TileEngine(self._initials, self._colour)

    def key(self) -> str:
        return "access-desk-tile"

    def actualSize(self, size: QSize, _mode: QIcon.Mode, _state: QIcon.State) -> QSize:  # noqa: N802
        side = min(size.width(), size.height())
        return QSize(side, side)

    def pixmap(self, size: QSize, mode: QIcon.Mode, _state: QIcon.State) -> QPixmap:
        return self._pixmap(min(size.width(), size.height()), mode)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, _state: QIcon.State,  # noqa: N802
                     scale: float) -> QPixmap:
        side = round(min(size.width(), size.height()) * scale)
        pixmap = QPixmap(self._pixmap(side, mode))
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              _state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        side = min(rect.width(), rect.height())
        pixmap = self._pixmap(round(side * ratio), mode)
        left = rect.x() + (rect.width() - side) // 2
        top = rect.y() + (rect.height() - side) // 2
        painter.drawPixmap(QRect(left, top, side, side), pixmap)

    def _pixmap(self, side: int, mode: QIcon.Mode) -> QPixmap:
        side = max(1, side)
        # Active looks as Normal; Disabled and Selected as the style makes them from Normal,
        # as Qt does for an icon made of pixmaps.
        if mode == QIcon.Mode.Active:
            mode = QIcon.Mode.Normal
        key = (side, mode)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            if mode != QIcon.Mode.Normal:
                normal = self._pixmap(side, QIcon.Mode.Normal)
                pixmap = QApplication.style().generatedIconPixmap(mode, normal, QStyleOption())
            else:
                pixmap = self._draw(side)
            self._pixmaps[key] = pixmap
        return pixmap

    def _draw(self, side: int) -> QPixmap:
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self._colour))
        painter.drawRoundedRect(QRectF(0, 0, side, side), side * 0.22, side * 0.22)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(7, int(side * (0.42 if len(self._initials) > 1 else 0.5))))
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(0, 0, side, side), Qt.AlignmentFlag.AlignCenter, self._initials)
        painter.end()
        return pixmap
