"""Packaging checks that need no bundle: the spec, the desktop files, the icons, the menu entry."""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.accessdesk.AccessDesk"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"


def test_the_spec_parses_and_bundles_the_resources_and_the_launcher():
    spec = (PACKAGING / "access-desk.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name)}
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    assert '"resources"' in spec
    assert 'name="access-desk"' in spec
    assert "exclude_binaries=True" in spec  # one folder, not one file
    launcher = PACKAGING / "launcher.py"
    assert "from desktop.cli import main" in launcher.read_text(encoding="utf-8")


def test_the_spec_names_the_modules_that_are_imported_lazily():
    # Windows and services are imported inside functions; the bundle must still have them.
    spec = (PACKAGING / "access-desk.spec").read_text(encoding="utf-8")
    assert 'collect_submodules("desktop")' in spec
    assert "PySide6.QtSvg" in spec  # SVG icons


def test_the_desktop_entry_launches_the_gui_with_the_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    group = entry["Desktop Entry"]
    assert group["Exec"].startswith("access-desk gui")
    assert group["Icon"] == "access-desk"
    assert group["Type"] == "Application"
    assert METAINFO.read_text(encoding="utf-8").count(f"{APP_ID}.desktop") == 1


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed (desktop-file-utils)")
def test_desktop_file_validate_passes():
    done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout.lower()


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli is not installed (appstream)")
def test_appstreamcli_validate_passes():
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_icons_generate_at_the_usual_sizes_from_the_one_svg(tmp_path, qapp):
    sys.path.insert(0, str(PACKAGING))
    try:
        import make_icons
    finally:
        sys.path.remove(str(PACKAGING))
    from PySide6.QtGui import QImage

    written = make_icons.render(tmp_path)
    for size in make_icons.SIZES:
        path = tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "access-desk.png"
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size)
        centre = image.pixelColor(size // 2, size // 2)
        corner_alpha = image.pixelColor(0, 0).alpha()
        assert centre.alpha() > corner_alpha or centre.alpha() == 255  # something was drawn
    assert (tmp_path / "hicolor" / "scalable" / "apps" / "access-desk.svg").exists()
    assert len(written) == len(make_icons.SIZES) + 1


@pytest.mark.skipif(not (ROOT / ".venv/bin/python").exists(), reason="needs the venv")
def test_install_desktop_puts_the_entry_and_icons_in_the_users_menu(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(["bash", str(PACKAGING / "install-desktop.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    data = tmp_path / "data"
    entry = (data / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" gui")
    assert Path(exec_line[len("Exec="):].rsplit(" ", 1)[0].strip('"')).is_absolute()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").exists()
    assert (data / "icons/hicolor/48x48/apps/access-desk.png").exists()
    assert (data / "icons/hicolor/scalable/apps/access-desk.svg").exists()
    undo = subprocess.run(["bash", str(PACKAGING / "install-desktop.sh"), "--uninstall"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert undo.returncode == 0
    assert not (data / "applications" / f"{APP_ID}.desktop").exists()
