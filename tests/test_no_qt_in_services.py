"""The service and model layers never import Qt (ARCHITECTURE.md: layers point down only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import importlib, pkgutil, sys
    import desktop.models
    import desktop.services
    names = ["desktop.models", "desktop.services"]
    for package in (desktop.models, desktop.services):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
            names.append(info.name)
    print(len(names))
    print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] == "PySide6")))
""")


def test_services_and_models_import_no_qt():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    count, qt = (result.stdout.splitlines() + [""])[:2]
    assert int(count) >= 15  # every services module and every models module was imported
    assert qt.strip() == "", f"Qt imported by the services or models: {qt}"
