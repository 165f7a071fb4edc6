"""Application icons: an image file when there is one, else a tile with the initials, drawn
at the size it is shown (crisp in a 20 px list and a 48 px tile, twice that on a HiDPI
screen), greyed in a disabled row."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

from desktop.ui.appicons import TILE_COLOURS, app_icon, initials_of, tile_colour


@pytest.fixture(autouse=True)
def _app(qapp):
    return qapp


@pytest.mark.parametrize(("name", "initials"), [
    ("Contoso Project Hub", "CP"), ("payroll", "P"), ("Wingtip-Tickets", "WT"),
    ("(beta) Notes", "N"), ("", "?"),
])
def test_initials_are_the_first_letters_of_the_first_two_words(name, initials):
    assert initials_of(name) == initials


def test_a_name_always_gets_the_same_colour_and_look_alikes_share_one_icon():
    assert tile_colour("Fabrikam CRM") == tile_colour("Fabrikam CRM") in TILE_COLOURS
    first = app_icon("Fabrikam CRM")
    assert app_icon("Fabrikam CRM").cacheKey() == first.cacheKey()
    colours = {tile_colour(f"App {i}") for i in range(200)}
    assert len(colours) == len(TILE_COLOURS)  # the names spread over every colour


@pytest.mark.parametrize("side", [16, 20, 40, 48, 64])
def test_a_tile_is_drawn_at_the_size_asked_in_its_colour(side):
    pixmap = app_icon("Northwind Expenses").pixmap(QSize(side, side))
    image = pixmap.toImage()
    assert (image.width(), image.height()) == (side, side)
    middle_of_left_edge = QColor(image.pixel(1, side // 2))
    assert middle_of_left_edge.name() == tile_colour("Northwind Expenses")
    corner = QColor.fromRgba(image.pixel(0, 0))
    assert corner.alpha() < 255  # rounded corners
    whites = sum(QColor(image.pixel(x, side // 2)).lightness() > 200 for x in range(side))
    assert whites >= 1  # the initials cross the middle line


def test_a_disabled_tile_is_grey():
    icon = app_icon("Litware Wiki")
    normal = QColor(icon.pixmap(QSize(20, 20)).toImage().pixel(1, 10))
    disabled = QColor(icon.pixmap(QSize(20, 20), QIcon.Mode.Disabled).toImage().pixel(1, 10))
    assert normal.saturation() > 100
    assert disabled.saturation() < 30


def test_a_tile_painted_on_a_hidpi_surface_uses_a_pixmap_of_that_density():
    image = QImage(80, 80, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(2.0)
    image.fill(0)
    painter = QPainter(image)
    app_icon("Alpine Ski House").paint(painter, QRect(0, 0, 20, 20))
    painter.end()
    # 20 logical pixels are 40 device pixels, all of them the tile (no scaled-up blur).
    assert QColor(image.pixel(1, 20)).name() == tile_colour("Alpine Ski House")
    assert QColor(image.pixel(38, 20)).name() == tile_colour("Alpine Ski House")
    assert QColor.fromRgba(image.pixel(45, 20)).alpha() == 0


def test_an_application_with_its_own_image_shows_it(tmp_path: Path):
    path = tmp_path / "logo.png"
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor("#ff8800"))
    pixmap.save(str(path))
    shown = app_icon("Fabrikam CRM", str(path)).pixmap(QSize(32, 32)).toImage()
    assert QColor(shown.pixel(16, 16)).name() == "#ff8800"
    missing = app_icon("Fabrikam CRM", str(tmp_path / "gone.png"))
    assert missing.cacheKey() == app_icon("Fabrikam CRM").cacheKey()  # falls back to the tile
