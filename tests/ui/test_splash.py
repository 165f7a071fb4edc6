"""The splash paints before the database and the rules load, and goes when a window comes."""

from __future__ import annotations

import subprocess
import sys


def test_the_splash_needs_neither_peewee_nor_the_services() -> None:
    code = (
        "import sys\n"
        "from desktop.ui import splash\n"
        "splash.show_splash()\n"
        "assert splash._splash is not None and splash._splash.isVisible()\n"
        "assert not splash._splash.grab().isNull()\n"
        "heavy = [m for m in sys.modules if m == 'peewee' or m.startswith('desktop.services')]\n"
        "print(','.join(heavy) or 'none')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


def test_close_splash_hides_it(qapp) -> None:
    from desktop.ui import splash

    splash.show_splash()
    shown = splash._splash
    assert shown is not None
    assert shown.isVisible()
    splash.close_splash()
    assert splash._splash is None
    assert not shown.isVisible()
