"""desktop.ui answers PySide6's per-import question (does this module's source name
"PySide6"?) from the file's bytes instead of ``inspect.getsource``: the same answers, for a
fraction of a window's start-up."""

from __future__ import annotations

import importlib
import inspect
import sys

import desktop.ui  # noqa: F401


def pyside_asks(module) -> bool:  # type: ignore[no-untyped-def]
    return bool(sys.modules["shibokensupport.feature"]._mod_uses_pyside(module))


def source_names_pyside(module) -> bool:  # type: ignore[no-untyped-def]
    """PySide6's own answer: the source names it; no source to read (a file gone, an empty
    one, a built-in module) is a no."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


def test_the_check_reads_bytes_and_agrees_with_the_source() -> None:
    check = sys.modules["shibokensupport.feature"]._mod_uses_pyside
    assert getattr(check, "reads_bytes", False)
    for name in ("desktop.ui.app", "desktop.ui.tablemodel", "desktop.services.core",
                 "desktop.models.schema", "json", "peewee"):
        module = importlib.import_module(name)
        assert pyside_asks(module) == source_names_pyside(module), name
    assert pyside_asks(importlib.import_module("desktop.ui.app"))
    assert not pyside_asks(importlib.import_module("desktop.services.core"))
    assert not pyside_asks(sys)  # built in: no source at all


def test_every_module_marked_so_far_is_marked_as_its_source_says() -> None:
    """What PySide6 recorded while this session imported modules (0: uses PySide6, -1:
    ignored) is what its own source check would have recorded."""
    marked = sys.modules["shibokensupport.feature"].pyside_feature_dict
    checked = 0
    for name, mark in list(marked.items()):
        module = sys.modules.get(name)
        # The project's own modules: files no test writes, removes or changes.
        if module is None or not name.startswith(("desktop.", "PySide6")) or not str(
                getattr(module, "__file__", "")).endswith(".py"):
            continue
        if mark in (0, -1):
            assert mark == (0 if source_names_pyside(module) else -1), name
            checked += 1
    assert checked >= 5
