"""Icons, stylesheets and desktop metadata under resources/ and packaging/."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import resources

ROOT = Path(__file__).resolve().parent.parent
ICONS = sorted((ROOT / "resources" / "icons").glob("*.svg"))
ALL_SVGS = sorted((ROOT / "resources").rglob("*.svg"))
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.accessdesk.AccessDesk"

REQUIRED_ICONS = {
    "access-desk", "tray", "search", "save", "discard", "add", "remove", "approve", "deny",
    "cancel", "request", "refresh", "audit", "verify", "user", "users", "group", "application",
    "key", "copy", "settings", "export", "import", "warning", "info", "lock", "role", "mail",
    "demo",
    "origin-gallery", "origin-app_proxy", "origin-consent", "origin-custom",
}  # fmt: skip

REQUIRED_SELECTORS = [
    "QMainWindow", "QToolBar", "QTabWidget::pane", "QTabBar::tab", "QTableView",
    "QHeaderView::section", "QLineEdit", 'QLineEdit[role="search"]', "QPushButton",
    'QPushButton[kind="primary"]', 'QPushButton[kind="danger"]', "QPushButton:disabled",
    "QComboBox", "QCheckBox", "QRadioButton", "QGroupBox", "QListView", "QStatusBar",
    'QLabel[role="hint"]', 'QLabel[role="error"]', 'QLabel[role="banner-demo"]',
    'QLabel[role="badge"]', 'QLabel[role="heading"]', 'QLabel[role="question"]',
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_caches():
    resources.clear_icon_cache()
    yield
    resources.clear_icon_cache()


def _opaque_pixels(image) -> int:
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 0
    )


def test_required_icons_present():
    assert REQUIRED_ICONS <= {p.stem for p in ICONS}


@pytest.mark.parametrize("path", ALL_SVGS, ids=lambda p: str(p.relative_to(ROOT / "resources")))
def test_svg_is_valid_for_qt(qapp, path):
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    assert not renderer.defaultSize().isEmpty()
    assert "currentColor" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("path", ICONS, ids=lambda p: p.stem)
def test_icon_renders(qapp, path, dark):
    qicon = resources.icon(path.stem, dark=dark)
    assert not qicon.isNull()
    for size in (16, 24, 64):
        pixmap = qicon.pixmap(size, size)
        assert not pixmap.isNull()
        assert pixmap.width() == size
        assert _opaque_pixels(pixmap.toImage()) > size  # drew something, not a blank square


def test_icon_is_cached_and_missing_icon_is_null(qapp):
    assert resources.icon("save", dark=False) is resources.icon("save", dark=False)
    assert resources.icon("no-such-icon").isNull()


def test_dark_icons_use_light_strokes(qapp):
    light = resources.icon("search", dark=False).pixmap(48, 48).toImage()
    dark = resources.icon("search", dark=True).pixmap(48, 48).toImage()

    def mean_lightness(image):
        colours = [
            image.pixelColor(x, y)
            for y in range(image.height())
            for x in range(image.width())
            if image.pixelColor(x, y).alpha() == 255
        ]
        return sum(c.lightness() for c in colours) / len(colours)

    assert mean_lightness(dark) > mean_lightness(light) + 60


def _styled_widgets():
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import (
        QCheckBox,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QListWidget,
        QMainWindow,
        QPushButton,
        QRadioButton,
        QStatusBar,
        QTableView,
        QTabWidget,
        QToolBar,
        QVBoxLayout,
        QWidget,
    )

    window = QMainWindow()
    toolbar = QToolBar()
    toolbar.addAction(resources.icon("refresh"), "Refresh")
    window.addToolBar(toolbar)
    central = QWidget()
    layout = QVBoxLayout(central)
    for role in ("hint", "error", "banner-demo", "badge", "heading", "question"):
        label = QLabel(role)
        label.setProperty("role", role)
        layout.addWidget(label)
    search = QLineEdit()
    search.setProperty("role", "search")
    layout.addWidget(search)
    for kind in (None, "primary", "danger"):
        for enabled in (True, False):
            button = QPushButton(kind or "plain")
            if kind:
                button.setProperty("kind", kind)
            button.setEnabled(enabled)
            layout.addWidget(button)
    tabs = QTabWidget()
    table = QTableView()
    model = QStandardItemModel(3, 3, table)
    table.setModel(model)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    tabs.addTab(table, "Table")
    tabs.addTab(QListWidget(), "List")
    layout.addWidget(tabs)
    group = QGroupBox("Group")
    group_layout = QVBoxLayout(group)
    combo = QComboBox()
    combo.addItems(["one", "two"])
    group_layout.addWidget(combo)
    check = QCheckBox("check")
    check.setChecked(True)
    group_layout.addWidget(check)
    group_layout.addWidget(QRadioButton("radio"))
    layout.addWidget(group)
    window.setCentralWidget(central)
    window.setStatusBar(QStatusBar())
    return window


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_stylesheet_applies_without_warnings(qapp, qtbot, dark):
    # Any Qt warning (a parse error, a missing font, a bad qproperty) fails the test through
    # pytest-qt's qt_log_level_fail = WARNING.
    text = resources.stylesheet(dark)
    assert "@RESOURCES@" not in text
    qapp.setStyleSheet(text)
    try:
        window = _styled_widgets()
        qtbot.addWidget(window)
        window.resize(640, 720)
        window.show()
        qapp.processEvents()
        assert not window.grab().isNull()
    finally:
        qapp.setStyleSheet("")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_stylesheet_contents(dark):
    text = resources.stylesheet(dark)
    for selector in REQUIRED_SELECTORS:
        assert f"{selector} {{" in text or f"{selector}," in text, selector
    assert "#1565c0" in text.lower()
    # Only DejaVu Sans may be named: a missing family makes Qt warn.
    for family in re.findall(r"font-family\s*:\s*([^;]+);", text):
        assert family.strip().strip("\"'") == "DejaVu Sans"
    for url in re.findall(r'url\("?([^")]+)"?\)', text):
        assert Path(url).is_file(), url


def test_light_and_dark_share_selectors():
    def selectors(text: str) -> list[str]:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        return [s.strip() for s in re.findall(r"([^{}]+)\{", text)]

    assert selectors(resources.stylesheet(False)) == selectors(resources.stylesheet(True))


def test_resource_path_defaults_to_source_tree(monkeypatch):
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resources.resource_path("icons", "save.svg") == ROOT / "resources" / "icons" / "save.svg"
    assert resources.icon_path("save").is_file()


def test_resource_path_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert resources.resource_path("style", "light.qss") == tmp_path / "style" / "light.qss"


def test_resource_path_inside_pyinstaller_bundle(monkeypatch, tmp_path):
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert (
        resources.resource_path("icons", "tray.svg")
        == tmp_path / "resources" / "icons" / "tray.svg"
    )


def test_override_folder_is_used_for_stylesheets_and_icons(qapp, monkeypatch, tmp_path):
    (tmp_path / "style").mkdir()
    (tmp_path / "style" / "light.qss").write_text('QLabel { image: url("@RESOURCES@/x.svg"); }')
    (tmp_path / "icons").mkdir()
    shutil.copy(ROOT / "resources" / "icons" / "key.svg", tmp_path / "icons" / "only.svg")
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    assert resources.stylesheet(False) == f'QLabel {{ image: url("{tmp_path.as_posix()}/x.svg"); }}'
    assert not resources.icon("only", dark=False).isNull()
    assert resources.icon("save", dark=False).isNull()


def test_import_does_not_load_qt():
    code = (
        "import sys, desktop.resources as r; r.resource_path('icons'); "
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_is_dark_palette(qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPalette

    assert isinstance(resources.is_dark_palette(qapp), bool)

    class Hints:
        def __init__(self, scheme):
            self.scheme = scheme

        def colorScheme(self):
            return self.scheme

    class FakeApp:
        def __init__(self, scheme, window):
            self.hints = Hints(scheme)
            self.pal = QPalette()
            self.pal.setColor(QPalette.ColorRole.Window, QColor(window))

        def styleHints(self):
            return self.hints

        def palette(self):
            return self.pal

    assert resources.is_dark_palette(FakeApp(Qt.ColorScheme.Dark, "#ffffff"))
    assert not resources.is_dark_palette(FakeApp(Qt.ColorScheme.Light, "#000000"))
    assert resources.is_dark_palette(FakeApp(Qt.ColorScheme.Unknown, "#202020"))
    assert not resources.is_dark_palette(FakeApp(Qt.ColorScheme.Unknown, "#f0f0f0"))


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils missing")
def test_desktop_file_validates():
    path = PACKAGING / f"{APP_ID}.desktop"
    result = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error:" not in result.stdout


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream missing")
def test_metainfo_validates():
    path = PACKAGING / f"{APP_ID}.metainfo.xml"
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text
