"""The windows: their list, who may open which, building one (only here), the Window menu."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from desktop.api.backend import as_backend

WINDOWS = [  # kind, menu text, module, shortcut
    ("admin", "&Admin console", "desktop.ui.admin", "Ctrl+Shift+A"),
    ("myapps", "&My Apps", "desktop.ui.myapps", "Ctrl+Shift+M"),
    ("approvals", "A&pprovals", "desktop.ui.approvals", "Ctrl+Shift+P"),
]
TITLES = {"admin": "the Admin console", "myapps": "My Apps", "approvals": "Approvals"}
KINDS = ("admin", "myapps", "approvals", "signin")  # what build_window builds


def module_available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def allowed_kinds(actor: Any) -> dict[str, str | None]:
    """kind -> None when this person (his row, or a backend signed in as him) may open it,
    else why not: the rights table (``policy.window_kinds``, as the server or the services
    here answer it, when the backend last read the person: `shell_window` reads him afresh
    for each window it opens), and whether this build has the window."""
    rights = as_backend(actor).desk()["windows"]
    return {kind: rights[kind] if module_available(module)
            else f"{TITLES[kind]} is not part of this build yet"
            for kind, _text, module, _keys in WINDOWS}


def default_kind(actor: Any) -> str:
    """Administrators get the Admin console, approvers Approvals, everyone My Apps."""
    allowed = allowed_kinds(actor)
    for kind in ("admin", "approvals", "myapps"):
        if allowed.get(kind) is None:
            return kind
    return "myapps"


def build_window(kind: str, actor: Any, feed: Any = None) -> Any:
    """The top-level widget of `kind` for this person (refused when his rights say no)."""
    if kind == "admin":
        from desktop.ui.admin import AdminWindow

        return AdminWindow(actor, feed)
    if kind == "myapps":
        from desktop.ui.myapps import MyAppsWindow  # type: ignore[import-not-found]

        return MyAppsWindow(actor, feed)
    if kind == "approvals":
        from desktop.ui.approvals import ApprovalsWindow  # type: ignore[import-not-found]

        return ApprovalsWindow(actor, feed)
    if kind == "signin":
        from desktop.ui.signin import SignInDialog

        return SignInDialog()
    raise ValueError(f"unknown window {kind!r}; one of {', '.join(KINDS)}")


def add_window_menu(window: QMainWindow, actor: Any, current: str,
                    switch: Callable[[str], None]) -> QMenu:
    """The Window menu: the windows this person may use; the others disabled with why."""
    menu = getattr(window, "window_menu", None)
    if not isinstance(menu, QMenu):
        menu = window.menuBar().addMenu("&Window")
    menu.clear()
    group = QActionGroup(menu)
    allowed = allowed_kinds(actor)
    for kind, text, _module, keys in WINDOWS:
        action = QAction(text, menu)
        action.setCheckable(True)
        action.setChecked(kind == current)
        action.setShortcut(QKeySequence(keys))
        why = allowed[kind]
        action.setEnabled(why is None)
        action.setStatusTip(why or f"Open {TITLES[kind]}")
        action.setToolTip(why or f"Open {TITLES[kind]}")
        action.triggered.connect(lambda _checked=False, k=kind: switch(k))
        group.addAction(action)
        menu.addAction(action)
    menu.setToolTipsVisible(True)
    return menu
