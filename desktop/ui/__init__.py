"""The windows (Qt widgets). Importing the package loads Qt and makes its import hook cheap:
every module of the package uses Qt, and `gui` and `tray` import it before anything else."""

from __future__ import annotations

import sys
from types import ModuleType

from PySide6 import QtCore  # noqa: F401  (loads PySide6's import hook, made cheap below)


def _quicker_pyside_import_check() -> None:
    """PySide6 asks of every module imported after it whether its source names "PySide6"
    (its `from __feature__` switches), by ``inspect.getsource``: 0.1 ms a module, ~20 ms of
    every window's start. The same question is answered here from the file's bytes; a module
    without a source file of its own is left to PySide6's check."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "reads_bytes", False):
        return

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(original(module))
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return bool(original(module))

    uses_pyside.reads_bytes = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]


_quicker_pyside_import_check()
