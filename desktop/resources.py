"""Find Access Desk's icons and stylesheets, also inside a PyInstaller bundle."""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

ENV_VAR = "ACCESS_DESK_RESOURCES"

# Toolbar icons are drawn with fixed stroke colours; on a dark palette these are swapped for
# lighter tints. Filled shapes (the logo, the tray mark, origin badges) keep their colours.
_DARK_STROKES = {
    "#37474f": "#cfd8dc",  # neutral grey
    "#1565c0": "#64b5f6",  # accent blue
    "#2e7d32": "#81c784",  # approve green
    "#c62828": "#ef9a9a",  # deny red
    "#ef6c00": "#ffb74d",  # warning amber
}
_STROKE_RE = re.compile(r'stroke="(#[0-9a-fA-F]{6})"')
_DARK_ICON_SIZES = (16, 20, 22, 24, 32, 40, 48, 64, 96, 128, 256)

_icon_cache: dict[tuple[str, bool], QIcon] = {}
_theme_dark: bool | None = None  # set_theme; None: ask is_dark_palette


def resources_root() -> Path:
    """The folder holding ``icons/`` and ``style/``.

    Order: ``$ACCESS_DESK_RESOURCES``; a PyInstaller bundle (``sys._MEIPASS/resources``, then
    ``resources`` next to the frozen executable); the ``resources`` folder of the source tree.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass) / "resources"
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a resource file, e.g. ``resource_path("icons", "save.svg")``."""
    return resources_root().joinpath(*parts)


def user_guide() -> Path | None:
    """The user guide's first page, ``docs/index.md``, beside the resources folder (the source
    tree, or a bundle that ships ``docs``); None when this copy was installed without it."""
    path = resources_root().parent / "docs" / "index.md"
    return path if path.is_file() else None


def icon_path(name: str) -> Path:
    """Path of the SVG for icon ``name`` (with or without the ``.svg`` suffix)."""
    filename = name if name.endswith(".svg") else f"{name}.svg"
    return resource_path("icons", filename)


def icon(name: str, dark: bool | None = None) -> QIcon:
    """A cached QIcon for ``resources/icons/<name>.svg``.

    ``dark=None`` follows :func:`is_dark_palette` of the running application; on a dark palette
    the stroke colours are lightened so toolbar icons stay legible. A missing icon yields a null
    QIcon rather than an exception, so a typo never takes a window down.
    """
    from PySide6.QtGui import QGuiApplication, QIcon

    if dark is None:
        dark = _theme_dark
    if dark is None:
        app = QGuiApplication.instance()
        dark = bool(app is not None and is_dark_palette(app))
    key = (name, dark)
    cached = _icon_cache.get(key)
    if cached is not None:
        return cached
    path = icon_path(name)
    if not path.is_file():
        result = QIcon()
    elif dark:
        result = _recoloured_icon(path.read_text(encoding="utf-8"))
    else:
        result = QIcon(str(path))
    _icon_cache[key] = result
    return result


def clear_icon_cache() -> None:
    """Forget cached icons (after changing ``ACCESS_DESK_RESOURCES`` or the theme)."""
    global _theme_dark
    _icon_cache.clear()
    _theme_dark = None


def set_theme(dark: bool) -> None:
    """The look the application was styled with (``ui.app.apply_style``): icons follow it
    without asking the platform again for every icon (lists ask for one per row)."""
    global _theme_dark
    _theme_dark = dark


def _recoloured_icon(svg: str) -> QIcon:
    from PySide6.QtCore import QByteArray, QRectF, Qt
    from PySide6.QtGui import QIcon, QPainter, QPixmap
    from PySide6.QtSvg import QSvgRenderer

    data = _STROKE_RE.sub(
        lambda m: f'stroke="{_DARK_STROKES.get(m.group(1).lower(), m.group(1))}"', svg
    )
    renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
    result = QIcon()
    for size in _DARK_ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


@lru_cache(maxsize=4)
def _read_stylesheet(path: Path, root: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # QSS url() paths are resolved against the working directory, so make them absolute.
    return text.replace("@RESOURCES@", root.as_posix())


def stylesheet(dark: bool) -> str:
    """The application stylesheet, ``resources/style/dark.qss`` or ``light.qss``."""
    root = resources_root()
    path = root / "style" / ("dark.qss" if dark else "light.qss")
    return _read_stylesheet(path, root)


def is_dark_palette(app: Any = None) -> bool:
    """Whether the platform asks for a dark look.

    Uses ``QGuiApplication.styleHints().colorScheme()`` where Qt knows it, otherwise the
    lightness of the palette's window colour.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QPalette

    if app is None:
        app = QGuiApplication.instance()
    if app is None:
        return False
    hints = app.styleHints()
    scheme_getter = getattr(hints, "colorScheme", None)
    if scheme_getter is not None:
        scheme = scheme_getter()
        if scheme == Qt.ColorScheme.Dark:
            return True
        if scheme == Qt.ColorScheme.Light:
            return False
    window = app.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128
